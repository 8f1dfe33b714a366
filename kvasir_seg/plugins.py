"""Datasets from outside the package: entry points, and modules named in an environment variable.

A package that brings datasets declares an entry point in the ``kvasir_seg.datasets``
group; its object is a :class:`~kvasir_seg.catalog.DatasetSpec`, a list of them, or a
module that calls :func:`kvasir_seg.catalog.register` when imported::

    # pyproject.toml of the package "my-polyps"
    [project.entry-points."kvasir_seg.datasets"]
    my_polyps = "my_polyps.spec:MY_POLYPS"

``KVASIR_SEG_PLUGINS`` is the second way, without installing anything: comma-separated
module names, each imported once. Both are read at the end of ``import kvasir_seg``; then
the CLI, ``kvasir_seg_hf.load_dataset`` and ``tfds.builder`` (after ``import
kvasir_seg_tfds``) know the datasets, in this process and in every subprocess:

    $ cat my_datasets.py
    from dataclasses import replace
    from kvasir_seg.catalog import KVASIR_SESSILE, register
    register(replace(KVASIR_SESSILE, name="my_polyps", title="My polyps", ...))
    $ KVASIR_SEG_PLUGINS=my_datasets kvasir-seg info my_polyps

A plugin that cannot be loaded is skipped with a warning that names it (the built-in
datasets keep working).
"""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Callable
from importlib.metadata import entry_points

logger = logging.getLogger(__name__)

#: The environment variable naming the plugin modules.
PLUGINS_VARIABLE = "KVASIR_SEG_PLUGINS"
#: The entry-point group of packages that bring datasets.
ENTRY_POINT_GROUP = "kvasir_seg.datasets"


def plugin_modules(value: str | None = None) -> list[str]:
    """The module names a ``$KVASIR_SEG_PLUGINS`` value lists.

    Args:
        value: comma-separated module names (None: the variable's value now).

    Returns:
        The names, stripped, empty ones left out.

    Example:
        >>> plugin_modules(" my_datasets, other.module ,")
        ['my_datasets', 'other.module']
    """
    text = os.environ.get(PLUGINS_VARIABLE, "") if value is None else value
    return [name.strip() for name in text.split(",") if name.strip()]


def load_plugins(value: str | None = None) -> list[str]:
    """Load every ``kvasir_seg.datasets`` entry point and plugin module, and register their specs.

    ``import kvasir_seg`` calls it once. A plugin that cannot be loaded (an import error,
    a spec the catalog refuses) is skipped with a warning that names it.

    Args:
        value: the plugin modules, as :func:`plugin_modules` reads them (None: the value
            of ``$KVASIR_SEG_PLUGINS``).

    Returns:
        The entry points (their ``module:object`` value) and modules that loaded, in that
        order.

    Example:
        >>> load_plugins("json")  # a module that registers nothing loads all the same
        ['json']
    """
    loaded = []
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        if _loaded(f"the entry point {entry.name} = {entry.value!r}", entry.load):
            loaded.append(entry.value)
    for name in plugin_modules(value):
        if _loaded(f"{PLUGINS_VARIABLE} names {name!r}, which", lambda n=name: _import(n)):
            loaded.append(name)
    return loaded


def _import(name: str) -> None:
    importlib.import_module(name)


def _loaded(what: str, load: Callable[[], object]) -> bool:
    """Load one plugin and register the specs it names; False (warned) if that fails."""
    from kvasir_seg.catalog import DATASETS, DatasetSpec, register

    try:
        found = load()
        specs = [found] if isinstance(found, DatasetSpec) else found
        if isinstance(specs, (list, tuple)):
            for spec in specs:
                if DATASETS.get(spec.name) is not spec:
                    register(spec)
    except Exception as error:  # a broken plugin must not break the built-in datasets
        logger.warning(
            "%s cannot be loaded (%s: %s); its datasets are not available. Fix the plugin "
            "or uninstall it.",
            what,
            type(error).__name__,
            error,
        )
        return False
    return True
