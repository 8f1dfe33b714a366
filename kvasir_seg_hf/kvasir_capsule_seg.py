"""The ``kvasir_capsule_seg`` dataset for Hugging Face ``datasets`` (see :mod:`kvasir_seg.catalog`).

>>> from kvasir_seg_hf import load_dataset
>>> ds = load_dataset("kvasir_capsule_seg")  # doctest: +SKIP
"""

from kvasir_seg.catalog import KVASIR_CAPSULE_SEG
from kvasir_seg_hf.builder import KvasirBuilder, configs_for


class KvasirCapsuleSeg(KvasirBuilder):
    """KvasirCapsule-SEG: the builder of ``kvasir_capsule_seg``."""

    SPEC = KVASIR_CAPSULE_SEG
    BUILDER_CONFIGS = configs_for(KVASIR_CAPSULE_SEG)
    DEFAULT_CONFIG_NAME = KVASIR_CAPSULE_SEG.default_config.name
