"""One ``datasets`` builder class per catalog spec, made from the spec.

The class of a spec is made the first time it is asked for and kept, so
``kvasir_seg_hf.KvasirSeg is builder_class(KVASIR_SEG)``; a spec added to the catalog at
run time (:func:`kvasir_seg.catalog.register`) gets its class the same way, with no module
to write. ``datasets`` names a builder after its class's module, so each class lives in
``kvasir_seg_hf.<name>``, a module made for it (importing ``kvasir_seg_hf`` makes those of
the catalog's specs, so a worker process that unpickles a class finds its module).

    >>> from kvasir_seg.catalog import get_spec
    >>> cls = builder_class(get_spec("kvasir_sessile"))
    >>> cls.__name__, cls.__module__
    ('KvasirSessile', 'kvasir_seg_hf.kvasir_sessile')
"""

from __future__ import annotations

import sys
import types

from kvasir_seg.catalog import CatalogTable, DatasetSpec
from kvasir_seg_hf.builder import KvasirBuilder, configs_for

_CLASSES: dict[str, type[KvasirBuilder]] = {}


def builder_class(spec: DatasetSpec) -> type[KvasirBuilder]:
    """The builder class of ``spec`` (made once, then the same class every time)."""
    known = _CLASSES.get(spec.name)
    if known is not None and known.SPEC is spec:
        return known
    module_name = f"{__package__}.{spec.name}"
    cls = types.new_class(
        spec.class_name,
        (KvasirBuilder,),
        exec_body=lambda namespace: namespace.update(
            {
                "__module__": module_name,
                "__doc__": f"{spec.title}: the builder of ``{spec.name}``, made from its spec.",
                "SPEC": spec,
                "BUILDER_CONFIGS": configs_for(spec),
                "DEFAULT_CONFIG_NAME": spec.default_config.name,
            }
        ),
    )
    _CLASSES[spec.name] = cls
    # Pickling (num_proc workers) finds a class through its module: give it one.
    module = sys.modules.get(module_name)
    if module is None:
        module = types.ModuleType(module_name, f"The {spec.name} builder, made from its spec.")
        sys.modules[module_name] = module
    setattr(module, cls.__name__, cls)
    return cls


#: The builder class of each dataset, by name (a live view of the catalog).
BUILDERS: CatalogTable[type[KvasirBuilder]] = CatalogTable(builder_class)
