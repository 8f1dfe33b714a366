"""The ``kvasir_sessile`` dataset for Hugging Face ``datasets`` (see :mod:`kvasir_seg.catalog`).

>>> from kvasir_seg_hf import load_dataset
>>> ds = load_dataset("kvasir_sessile")  # doctest: +SKIP
"""

from kvasir_seg.catalog import KVASIR_SESSILE
from kvasir_seg_hf.builder import KvasirBuilder, configs_for


class KvasirSessile(KvasirBuilder):
    """Kvasir-Sessile: the builder of ``kvasir_sessile``."""

    SPEC = KVASIR_SESSILE
    BUILDER_CONFIGS = configs_for(KVASIR_SESSILE)
    DEFAULT_CONFIG_NAME = KVASIR_SESSILE.default_config.name
