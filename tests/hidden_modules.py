"""A prelude for a fresh Python that makes some top-level packages unimportable, as on an
install that lacks them: the path finder is patched (``sys.modules[name] = None`` would
fool TFDS, which probes with ``importlib.util.find_spec``)."""

from __future__ import annotations


def hiding(*packages: str) -> str:
    """Python source that, run first, hides ``packages`` (and their submodules).

    >>> "_HIDDEN = {'torch'}" in hiding("torch")
    True
    """
    return f"""
import importlib.machinery as _machinery
_HIDDEN = {set(packages)!r}
_find_spec = _machinery.PathFinder.find_spec
def _hidden(cls, name, path=None, target=None):
    return None if name.partition(".")[0] in _HIDDEN else _find_spec(name, path, target)
_machinery.PathFinder.find_spec = classmethod(_hidden)
"""
