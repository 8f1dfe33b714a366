"""The ``kvasir_seg`` dataset for Hugging Face ``datasets`` (see :mod:`kvasir_seg.catalog`).

>>> from kvasir_seg_hf import load_dataset
>>> ds = load_dataset("kvasir_seg")  # doctest: +SKIP
"""

from kvasir_seg.catalog import KVASIR_SEG
from kvasir_seg_hf.builder import KvasirBuilder, configs_for


class KvasirSeg(KvasirBuilder):
    """Kvasir-SEG: the builder of ``kvasir_seg``."""

    SPEC = KVASIR_SEG
    BUILDER_CONFIGS = configs_for(KVASIR_SEG)
    DEFAULT_CONFIG_NAME = KVASIR_SEG.default_config.name
