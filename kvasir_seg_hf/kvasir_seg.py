"""The ``kvasir_seg`` dataset for Hugging Face ``datasets`` (see :mod:`kvasir_seg.catalog`).

The builder class is made from the catalog spec (:mod:`kvasir_seg_hf.registry`); this
module keeps the import path ``kvasir_seg_hf.kvasir_seg.KvasirSeg`` working.

>>> from kvasir_seg_hf import load_dataset
>>> ds = load_dataset("kvasir_seg")  # doctest: +SKIP
"""

from kvasir_seg.catalog import KVASIR_SEG
from kvasir_seg_hf.registry import builder_class

#: Kvasir-SEG: the builder of ``kvasir_seg``.
KvasirSeg = builder_class(KVASIR_SEG)
