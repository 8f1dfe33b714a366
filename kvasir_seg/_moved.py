"""Old import paths of modules that moved: each old module becomes an alias of the new one.

>>> import warnings
>>> with warnings.catch_warnings():
...     warnings.simplefilter("ignore")
...     import kvasir_seg.cli
>>> kvasir_seg.cli.__name__
'kvasir_seg.app.cli'
"""

from __future__ import annotations

import importlib
import sys
import warnings
from collections.abc import Iterable
from types import ModuleType


def alias(old: str, new: str, submodules: Iterable[str] = ()) -> ModuleType:
    """Make module ``old`` the module ``new`` (and ``old.sub`` its ``new.sub``), with a warning.

    Called from the old module's body: the import system then hands out the new module
    under the old name, so ``from old import name`` keeps working, private names included.
    """
    warnings.warn(
        f"{old} moved to {new}; import it from there (the old path will be removed).",
        DeprecationWarning,
        stacklevel=3,
    )
    module = importlib.import_module(new)
    sys.modules[old] = module
    for name in submodules:
        sys.modules[f"{old}.{name}"] = importlib.import_module(f"{new}.{name}")
    return module
