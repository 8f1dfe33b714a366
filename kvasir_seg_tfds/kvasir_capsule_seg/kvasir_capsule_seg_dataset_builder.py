"""KvasirCapsule-SEG for TensorFlow Datasets: the ``kvasir_capsule_seg`` builder.

Configs: ``default`` (train).

Generated from the catalog by ``python -m kvasir_seg_tfds.generate``: edit the spec in
kvasir_seg/catalog.py, not this file.

    >>> import tensorflow_datasets as tfds
    >>> import kvasir_seg_tfds
    >>> ds = tfds.load("kvasir_capsule_seg", split="train")  # doctest: +SKIP
"""

from kvasir_seg.catalog import get_spec
from kvasir_seg_tfds.builder import KvasirBuilder


class Builder(KvasirBuilder):
    """KvasirCapsule-SEG: the ``kvasir_capsule_seg`` builder; all else follows from its spec."""

    SPEC = get_spec("kvasir_capsule_seg")
