"""Kvasir-Instrument for TensorFlow Datasets: the ``kvasir_instrument`` builder.

Configs: ``official`` (train, test).

Generated from the catalog by ``python -m kvasir_seg_tfds.generate``: edit the spec in
kvasir_seg/catalog.py, not this file.

    >>> import tensorflow_datasets as tfds
    >>> import kvasir_seg_tfds
    >>> ds = tfds.load("kvasir_instrument", split="train")  # doctest: +SKIP
"""

from kvasir_seg.catalog import get_spec
from kvasir_seg_tfds.builder import KvasirBuilder


class Builder(KvasirBuilder):
    """Kvasir-Instrument: the ``kvasir_instrument`` builder; all else follows from its spec."""

    SPEC = get_spec("kvasir_instrument")
