"""TensorFlow Datasets builders for Kvasir-SEG, Kvasir-Sessile and KvasirCapsule-SEG.

Importing this package registers ``kvasir_seg``, ``kvasir_sessile`` and
``kvasir_capsule_seg`` with TFDS:

    >>> import tensorflow_datasets as tfds
    >>> import kvasir_seg_tfds
    >>> train = tfds.load("kvasir_seg", split="train", as_supervised=True)  # doctest: +SKIP
    >>> src = tfds.data_source("kvasir_sessile", split="train")  # doctest: +SKIP
"""

from kvasir_seg_tfds.builder import KvasirBuilder, configs_for
from kvasir_seg_tfds.features import features_for, to_record
from kvasir_seg_tfds.kvasir_capsule_seg.kvasir_capsule_seg_dataset_builder import (
    Builder as KvasirCapsuleSeg,
)
from kvasir_seg_tfds.kvasir_seg.kvasir_seg_dataset_builder import Builder as KvasirSeg
from kvasir_seg_tfds.kvasir_sessile.kvasir_sessile_dataset_builder import (
    Builder as KvasirSessile,
)
from kvasir_seg_tfds.sources import ChecksumMismatchError

#: The builder class of each dataset, by name.
BUILDERS = {
    "kvasir_seg": KvasirSeg,
    "kvasir_sessile": KvasirSessile,
    "kvasir_capsule_seg": KvasirCapsuleSeg,
}

__all__ = [
    "BUILDERS",
    "ChecksumMismatchError",
    "KvasirBuilder",
    "KvasirCapsuleSeg",
    "KvasirSeg",
    "KvasirSessile",
    "configs_for",
    "features_for",
    "to_record",
]
