"""The ``kvasir_capsule_seg`` dataset for Hugging Face ``datasets`` (see :mod:`kvasir_seg.catalog`).

The builder class is made from the catalog spec (:mod:`kvasir_seg_hf.registry`); this
module keeps the import path ``kvasir_seg_hf.kvasir_capsule_seg.KvasirCapsuleSeg`` working.

>>> from kvasir_seg_hf import load_dataset
>>> ds = load_dataset("kvasir_capsule_seg")  # doctest: +SKIP
"""

from kvasir_seg.catalog import KVASIR_CAPSULE_SEG
from kvasir_seg_hf.registry import builder_class

#: KvasirCapsule-SEG: the builder of ``kvasir_capsule_seg``.
KvasirCapsuleSeg = builder_class(KVASIR_CAPSULE_SEG)
