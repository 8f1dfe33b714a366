"""The ``kvasir_sessile`` dataset for Hugging Face ``datasets`` (see :mod:`kvasir_seg.catalog`).

The builder class is made from the catalog spec (:mod:`kvasir_seg_hf.registry`); this
module keeps the import path ``kvasir_seg_hf.kvasir_sessile.KvasirSessile`` working.

>>> from kvasir_seg_hf import load_dataset
>>> ds = load_dataset("kvasir_sessile")  # doctest: +SKIP
"""

from kvasir_seg.catalog import KVASIR_SESSILE
from kvasir_seg_hf.registry import builder_class

#: Kvasir-Sessile: the builder of ``kvasir_sessile``.
KvasirSessile = builder_class(KVASIR_SESSILE)
