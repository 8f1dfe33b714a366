"""Kvasir-Sessile for TensorFlow Datasets: 196 sessile polyps, a subset of Kvasir-SEG.

One ``train`` split; each example carries its id's Kvasir-SEG splits.

    >>> import tensorflow_datasets as tfds
    >>> import kvasir_seg_tfds
    >>> ds = tfds.load("kvasir_sessile", split="train", as_supervised=True)  # doctest: +SKIP
"""

from kvasir_seg.catalog import KVASIR_SESSILE
from kvasir_seg_tfds.builder import KvasirBuilder


class Builder(KvasirBuilder):
    """Kvasir-Sessile: the builder of ``kvasir_sessile``; all else follows from its spec."""

    SPEC = KVASIR_SESSILE
