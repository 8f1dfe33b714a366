"""The Hugging Face features of the catalog's datasets, and the record an example becomes.

Example:
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
from kvasir_seg.fields import BOX_SIDES, Field, schema
from kvasir_seg.masks import encode_mask_png


def features_for(spec: DatasetSpec) -> datasets.Features:
    """The features of ``spec``'s examples, made from its schema (:func:`kvasir_seg.fields.schema`).

    Images and masks are ``Image`` features; boxes are in pixels, with a ``ClassLabel`` of
    the dataset's classes.

    Args:
        spec: A dataset of the catalog.

    Returns:
        The features, one per field of the schema.

    Example:
        >>> from kvasir_seg.catalog import get_spec
        >>> features = features_for(get_spec("kvasir_seg"))
        >>> type(features["mask"]).__name__, features["bboxes"].feature["label"].names
        ('Image', ['polyp'])
    """
    return datasets.Features({field.name: _feature(field, spec) for field in schema(spec)})


def _feature(field: Field, spec: DatasetSpec) -> Any:
    if field.kind in ("image", "mask"):
        return datasets.Image()
    if field.kind == "boxes":
        sides = {side: datasets.Value("int32") for side in BOX_SIDES}
        return datasets.List({**sides, "label": datasets.ClassLabel(names=list(spec.classes))})
    return datasets.Value(field.kind)


def to_record(example: Example) -> dict[str, Any]:
    """The ``datasets`` record of a core example.

    The image keeps the archive's JPEG bytes (passed as bytes with no path, so that
    ``datasets`` stores them as they are); the mask becomes a 1-bit PNG.

    Args:
        example: An example as the core reader gives it.

    Returns:
        A dict that :func:`features_for` encodes.

    Example:
        >>> import numpy as np
        >>> from kvasir_seg.archive import Example
        >>> record = to_record(Example("a", b"JPEG bytes", np.eye(2, dtype=bool), 2, 2, (), "mask"))
        >>> record["image"], record["mask"]["bytes"][1:4], record["bboxes"]
        ({'bytes': b'JPEG bytes', 'path': None}, b'PNG', [])
    """
    return {
        "image_id": example.image_id,
        "image": {"bytes": example.image_bytes, "path": None},
        "mask": {"bytes": encode_mask_png(example.mask, one_bit=True), "path": None},
        "bboxes": [box._asdict() for box in example.bboxes],
        "bbox_source": example.bbox_source,
        "height": example.height,
        "width": example.width,
        **example.extra,
    }
