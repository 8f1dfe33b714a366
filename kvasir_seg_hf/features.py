"""The Hugging Face features of the catalog's datasets, and the record an example becomes.

>>> from kvasir_seg_hf.features import features_for
>>> from kvasir_seg.catalog import get_spec
>>> sorted(features_for(get_spec("kvasir_capsule_seg")))[:3]
['bbox_source', 'bboxes', 'frame']
"""

from __future__ import annotations

from typing import Any

import datasets

from kvasir_seg.archive import Example
from kvasir_seg.catalog import DatasetSpec
from kvasir_seg.masks import encode_mask_png

BOX_LABELS = ["polyp"]


def features_for(spec: DatasetSpec) -> datasets.Features:
    """The features of ``spec``: the shared ones plus the dataset's extra fields."""
    shared: dict[str, Any] = {
        "image_id": datasets.Value("string"),
        "image": datasets.Image(),
        "mask": datasets.Image(),
        "bboxes": datasets.List(
            {
                "xmin": datasets.Value("int32"),
                "ymin": datasets.Value("int32"),
                "xmax": datasets.Value("int32"),
                "ymax": datasets.Value("int32"),
                "label": datasets.ClassLabel(names=BOX_LABELS),
            }
        ),
        "bbox_source": datasets.Value("string"),
        "height": datasets.Value("int32"),
        "width": datasets.Value("int32"),
    }
    for extra in spec.extra_fields:
        shared[extra.name] = datasets.Value(extra.dtype)
    return datasets.Features(shared)


def to_record(example: Example) -> dict[str, Any]:
    """The ``datasets`` record of a core example.

    The image keeps the archive's JPEG bytes (passed as bytes with no path, so that
    ``datasets`` stores them as they are); the mask becomes a 1-bit PNG.
    """
    return {
        "image_id": example.image_id,
        "image": {"bytes": example.image_bytes, "path": None},
        "mask": {"bytes": encode_mask_png(example.mask, one_bit=True), "path": None},
        "bboxes": [{**box._asdict(), "label": 0} for box in example.bboxes],
        "bbox_source": example.bbox_source,
        "height": example.height,
        "width": example.width,
        **example.extra,
    }
