"""KvasirCapsule-SEG for TensorFlow Datasets: 55 capsule-endoscopy frames with polyp masks.

One ``train`` split of consecutive frames of one video.

    >>> import tensorflow_datasets as tfds
    >>> import kvasir_seg_tfds
    >>> ds = tfds.load("kvasir_capsule_seg", split="train", as_supervised=True)  # doctest: +SKIP
"""

from kvasir_seg.catalog import KVASIR_CAPSULE_SEG
from kvasir_seg_tfds.builder import KvasirBuilder


class Builder(KvasirBuilder):
    """KvasirCapsule-SEG: the builder of ``kvasir_capsule_seg``; all else follows from its spec."""

    SPEC = KVASIR_CAPSULE_SEG
