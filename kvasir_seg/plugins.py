"""Datasets from outside the package: modules named in ``$KVASIR_SEG_PLUGINS``.

``KVASIR_SEG_PLUGINS`` holds comma-separated module names. Each is imported once, at the end
of ``import kvasir_seg``; a module adds its datasets with :func:`kvasir_seg.catalog.register`.
Then the CLI, ``kvasir_seg_hf.load_dataset`` and ``tfds.builder`` (after
``import kvasir_seg_tfds``) know them, in this process and in every subprocess that
inherits the variable:

    $ cat my_datasets.py
    from dataclasses import replace
    from kvasir_seg.catalog import KVASIR_SESSILE, register
    register(replace(KVASIR_SESSILE, name="my_polyps", title="My polyps", ...))
    $ KVASIR_SEG_PLUGINS=my_datasets kvasir-seg info my_polyps

A module that cannot be imported is skipped with a warning that names it (the built-in
datasets keep working).
"""

from __future__ import annotations

import importlib
import logging
import os

logger = logging.getLogger(__name__)

#: The environment variable naming the plugin modules.
PLUGINS_VARIABLE = "KVASIR_SEG_PLUGINS"


def plugin_modules(value: str | None = None) -> list[str]:
    """The module names in ``value`` (default: ``$KVASIR_SEG_PLUGINS``).

    >>> plugin_modules(" my_datasets, other.module ,")
    ['my_datasets', 'other.module']
    """
    text = os.environ.get(PLUGINS_VARIABLE, "") if value is None else value
    return [name.strip() for name in text.split(",") if name.strip()]


def load_plugins(value: str | None = None) -> list[str]:
    """Import every plugin module (see the module docstring); the names that loaded."""
    loaded = []
    for name in plugin_modules(value):
        try:
            importlib.import_module(name)
        except Exception as error:  # a broken plugin must not break the built-in datasets
            logger.warning(
                "%s names %r, which cannot be imported (%s: %s); its datasets are not "
                "available. Fix the module or the variable.",
                PLUGINS_VARIABLE,
                name,
                type(error).__name__,
                error,
            )
        else:
            loaded.append(name)
    return loaded
