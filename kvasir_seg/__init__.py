"""kvasir-seg: the reference way to use the Simula segmentation datasets from Python.

The core (this package) reads the official archives and computes the scores; it imports
neither ``datasets`` nor TensorFlow. The ecosystem adapters are ``kvasir_seg_hf``
(Hugging Face ``datasets``) and ``kvasir_seg_tfds`` (TensorFlow Datasets).

    >>> import kvasir_seg
    >>> sorted(kvasir_seg.DATASETS)
    ['kvasir_capsule_seg', 'kvasir_instrument', 'kvasir_seg', 'kvasir_sessile']
"""

from kvasir_seg.catalog import DATASETS, DatasetSpec, get_spec, register
from kvasir_seg.errors import (
    ArchiveError,
    CatalogError,
    ChecksumError,
    DownloadError,
    KvasirSegError,
    LayoutError,
    MetricInputError,
)

__version__ = "0.1.0"

__all__ = [
    "DATASETS",
    "ArchiveError",
    "CatalogError",
    "ChecksumError",
    "DatasetSpec",
    "DownloadError",
    "KvasirSegError",
    "LayoutError",
    "MetricInputError",
    "get_spec",
    "register",
]

# Last, once everything above exists: the modules named in $KVASIR_SEG_PLUGINS add their
# datasets to the catalog (see kvasir_seg.plugins).
from kvasir_seg.plugins import load_plugins  # noqa: E402

load_plugins()
