"""Kvasir-SEG for TensorFlow Datasets: 1000 polyp images, masks and boxes.

Configs ``official`` (train/validation) and ``pranet`` (train/test).

    >>> import tensorflow_datasets as tfds
    >>> import kvasir_seg_tfds
    >>> ds = tfds.load("kvasir_seg", split="train", as_supervised=True)  # doctest: +SKIP
"""

from kvasir_seg.catalog import KVASIR_SEG
from kvasir_seg_tfds.builder import KvasirBuilder


class Builder(KvasirBuilder):
    """Kvasir-SEG: the builder of ``kvasir_seg``; all else follows from its spec."""

    SPEC = KVASIR_SEG
