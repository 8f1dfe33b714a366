"""TensorFlow Datasets builders for every dataset of the catalog.

Importing this package registers ``kvasir_seg``, ``kvasir_sessile``,
``kvasir_capsule_seg`` (and every spec registered at run time) with TFDS:

    >>> import tensorflow_datasets as tfds
    >>> import kvasir_seg_tfds
    >>> train = tfds.load("kvasir_seg", split="train", as_supervised=True)  # doctest: +SKIP
    >>> src = tfds.data_source("kvasir_sessile", split="train")  # doctest: +SKIP

The dataset folders (``kvasir_seg_tfds/<name>/``) are generated from the catalog by
``python -m kvasir_seg_tfds.generate``.
"""

from kvasir_seg.catalog import class_lookup
from kvasir_seg_tfds.builder import KvasirBuilder, configs_for
from kvasir_seg_tfds.features import features_for, to_record
from kvasir_seg_tfds.formats import FormatError
from kvasir_seg_tfds.registry import BUILDERS, builder_class, register_catalog
from kvasir_seg_tfds.sources import ChecksumMismatchError

register_catalog()

KvasirSeg = BUILDERS["kvasir_seg"]
KvasirSessile = BUILDERS["kvasir_sessile"]
KvasirCapsuleSeg = BUILDERS["kvasir_capsule_seg"]
KvasirInstrument = BUILDERS["kvasir_instrument"]

__all__ = [
    "BUILDERS",
    "ChecksumMismatchError",
    "FormatError",
    "KvasirBuilder",
    "KvasirCapsuleSeg",
    "KvasirInstrument",
    "KvasirSeg",
    "KvasirSessile",
    "builder_class",
    "configs_for",
    "features_for",
    "to_record",
]


#: ``kvasir_seg_tfds.KvasirFourth`` and the like: the class of a spec registered at run time.
__getattr__ = class_lookup(__name__, builder_class)
