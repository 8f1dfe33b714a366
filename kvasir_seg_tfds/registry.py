"""One TFDS builder class per catalog spec, registered with TFDS.

A spec with a dataset folder in this package (``kvasir_seg_tfds/<name>/``, written by
``python -m kvasir_seg_tfds.generate``) uses that folder's ``Builder``, so TFDS finds its
``README.md``, ``CITATIONS.bib``, ``TAGS.txt`` and ``dummy_data/``. A spec without one
(registered at run time, e.g. by a ``$KVASIR_SEG_PLUGINS`` module) gets a builder made from
the spec, registered under its name: ``tfds.builder(name)`` works with no folder at all (its
description and citation come from the spec, as every builder's do). Such a class lives in
the ``kvasir_seg_tfds`` package, where pickling finds it by its name
(``kvasir_seg_tfds.KvasirFourth``).

Example:
    >>> import tensorflow_datasets as tfds
    >>> from kvasir_seg.catalog import get_spec
    >>> builder_class(get_spec("kvasir_seg")).name
    'kvasir_seg'
"""

from __future__ import annotations

import importlib
import types
from pathlib import Path

from kvasir_seg.catalog import DATASETS, CatalogTable, DatasetSpec, on_register
from kvasir_seg_tfds.builder import KvasirBuilder

PACKAGE = Path(__file__).resolve().parent
BUILDER_SUFFIX = "_dataset_builder"

_CLASSES: dict[str, type[KvasirBuilder]] = {}


def folder_module(spec: DatasetSpec, package: str = __package__) -> str:
    """The module of ``spec``'s builder in its dataset folder.

    Args:
        spec: A dataset of the catalog.
        package: The import path of the folder that holds the dataset folders.

    Returns:
        The module's import path (whether or not the folder exists).

    Example:
        >>> from kvasir_seg.catalog import get_spec
        >>> folder_module(get_spec("kvasir_sessile"))
        'kvasir_seg_tfds.kvasir_sessile.kvasir_sessile_dataset_builder'
    """
    return f"{package}.{spec.name}.{spec.name}{BUILDER_SUFFIX}"


def builder_class(spec: DatasetSpec) -> type[KvasirBuilder]:
    """The registered TFDS builder class of ``spec``: its folder's, else one made from it.

    Args:
        spec: A dataset of the catalog (or registered at run time).

    Returns:
        The class, the same one every time.

    Example:
        >>> from kvasir_seg.catalog import get_spec
        >>> cls = builder_class(get_spec("kvasir_sessile"))
        >>> cls.__module__, cls.name
        ('kvasir_seg_tfds.kvasir_sessile.kvasir_sessile_dataset_builder', 'kvasir_sessile')
    """
    known = _CLASSES.get(spec.name)
    if known is not None and known.SPEC is spec:
        return known
    if (PACKAGE / spec.name / f"{spec.name}{BUILDER_SUFFIX}.py").is_file():
        cls = importlib.import_module(folder_module(spec)).Builder
    else:
        cls = types.new_class(
            spec.class_name,
            (KvasirBuilder,),
            exec_body=lambda namespace: namespace.update(
                {
                    "__module__": __package__,
                    "__doc__": f"{spec.title}: the builder of ``{spec.name}``, made from its spec.",
                    "name": spec.name,
                    "SPEC": spec,
                }
            ),
        )
    _CLASSES[spec.name] = cls
    return cls


def register_catalog() -> None:
    """Register a builder for every spec in the catalog now, and for every one added later.

    ``import kvasir_seg_tfds`` calls it.

    Example:
        >>> import tensorflow_datasets as tfds
        >>> register_catalog()
        >>> "kvasir_instrument" in tfds.list_builders()
        True
    """
    for spec in list(DATASETS.values()):
        builder_class(spec)
    on_register(builder_class)


#: The builder class of each dataset, by name (a live view of the catalog).
BUILDERS: CatalogTable[type[KvasirBuilder]] = CatalogTable(builder_class)
