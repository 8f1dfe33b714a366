"""One ``datasets`` builder class per catalog spec, made from the spec.

The class of a spec is made the first time it is asked for and kept, so
``kvasir_seg_hf.KvasirSeg is builder_class(KVASIR_SEG)``; a spec added to the catalog at
run time (:func:`kvasir_seg.catalog.register`) gets its class the same way, with no module
to write. Every class lives in the ``kvasir_seg_hf`` package, where pickling (``num_proc``
workers) finds it by its name: ``kvasir_seg_hf.KvasirSeg``, and ``kvasir_seg_hf.KvasirFourth``
for a spec registered at run time. As with ``datasets``' own packaged builders (one
``imagefolder`` builder, many datasets), the builder's ``name`` is ``kvasir_seg_hf`` and
its ``dataset_name`` the spec's, which names the cache folder.

Example:
    >>> from kvasir_seg.catalog import get_spec
    >>> cls = builder_class(get_spec("kvasir_sessile"))
    >>> cls.__name__, cls.__module__
    ('KvasirSessile', 'kvasir_seg_hf')
"""

from __future__ import annotations

import types

from kvasir_seg.catalog import CatalogTable, DatasetSpec
from kvasir_seg_hf.builder import KvasirBuilder, configs_for

_CLASSES: dict[str, type[KvasirBuilder]] = {}


def builder_class(spec: DatasetSpec) -> type[KvasirBuilder]:
    """The builder class of ``spec``: made once, then the same class every time.

    Args:
        spec: A dataset of the catalog (or registered at run time).

    Returns:
        A subclass of :class:`~kvasir_seg_hf.builder.KvasirBuilder` named
        ``spec.class_name``, with the spec's configs.

    Example:
        >>> from kvasir_seg.catalog import get_spec
        >>> cls = builder_class(get_spec("kvasir_seg"))
        >>> cls.__name__, cls.DEFAULT_CONFIG_NAME, cls is builder_class(get_spec("kvasir_seg"))
        ('KvasirSeg', 'official', True)
    """
    known = _CLASSES.get(spec.name)
    if known is not None and known.SPEC is spec:
        return known
    cls = types.new_class(
        spec.class_name,
        (KvasirBuilder,),
        exec_body=lambda namespace: namespace.update(
            {
                "__module__": __package__,
                "__doc__": _class_doc(spec),
                "SPEC": spec,
                "BUILDER_CONFIGS": configs_for(spec),
                "DEFAULT_CONFIG_NAME": spec.default_config.name,
            }
        ),
    )
    _CLASSES[spec.name] = cls
    return cls


def _class_doc(spec: DatasetSpec) -> str:
    configs = ", ".join(f"``{c.name}``" for c in spec.configs)
    return f"""{spec.title}: the builder of ``{spec.name}``, made from its spec.

    Configs: {configs} (the first is the default).

    Args:
        **kwargs: As :class:`kvasir_seg_hf.builder.KvasirBuilder` takes them.

    Raises:
        kvasir_seg.errors.KvasirSegError: No usable archive (see ``KvasirBuilder``).

    Example:
        >>> builder = {spec.class_name}(data_dir="~/Downloads")  # doctest: +SKIP
        >>> builder.download_and_prepare()  # doctest: +SKIP
    """


#: The builder class of each dataset, by name (a live view of the catalog).
BUILDERS: CatalogTable[type[KvasirBuilder]] = CatalogTable(builder_class)
