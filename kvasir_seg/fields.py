"""The one schema of an example: the shared fields, each dataset's extra fields, and how
an extra field is derived from the image id.

:func:`schema` lists every field of a dataset's examples with its kind and meaning; every
adapter (Hugging Face features, TFDS features, the Hub card's table, Croissant) is made
from it, and the reader fills the values. A catalog spec lists its extra fields (beyond
the shared ``image_id``, ``image``, ``mask``, ``bboxes``, ``bbox_source``, ``height``,
``width``) and its object classes.

    >>> from kvasir_seg.fields import ExtraField, IdPart
    >>> frame_of = IdPart(r"_(?P<frame>\\d+)$", "frame", otherwise=-1)
    >>> frame = ExtraField("frame", "int32", "Frame number.", frame_of)
    >>> frame.value("131368cc17e44240_28955"), frame.value("no-frame")
    (28955, -1)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kvasir_seg.splits import ConfigSpec, membership

#: The value types an extra field may have (the names ``datasets.Value`` takes).
FIELD_TYPES = ("string", "int32")

#: The kinds of field: values (:data:`FIELD_TYPES`), the JPEG image, the mask, the boxes.
FIELD_KINDS = (*FIELD_TYPES, "image", "mask", "boxes")

#: The sides of a box in pixels, and what each means (the Kvasir-SEG box convention).
BOX_SIDES = {
    "xmin": "Left side, in pixels (one pixel outside the mask, clipped at 0).",
    "ymin": "Top side, in pixels (one pixel outside the mask, clipped at 0).",
    "xmax": "Right side, in pixels, exclusive (may equal the width).",
    "ymax": "Bottom side, in pixels, exclusive (may equal the height).",
}


@dataclass(frozen=True)
class Field:
    """One field of every example: its name, kind (:data:`FIELD_KINDS`) and meaning."""

    name: str
    kind: str
    description: str


def schema(spec: Any) -> tuple[Field, ...]:
    """Every field of ``spec``'s examples, shared ones first, in the order adapters list them.

    >>> from kvasir_seg.catalog import get_spec
    >>> [(f.name, f.kind) for f in schema(get_spec("kvasir_capsule_seg"))][-3:]
    [('width', 'int32'), ('video_id', 'string'), ('frame', 'int32')]
    """
    thing = spec.object_name
    classes = ", ".join(f"{index} = {name}" for index, name in enumerate(spec.classes))
    return (
        Field("image_id", "string", "The archive's file name, without extension."),
        Field("image", "image", "The archive's RGB JPEG, bytes unchanged."),
        Field(
            "mask",
            "mask",
            f"The {thing} mask: 1 = {thing}, 0 = background (the archive's mask, luminance > 127).",
        ),
        Field(
            "bboxes",
            "boxes",
            f"The {thing} boxes, in the Kvasir-SEG convention (left and top sides one pixel "
            f"outside the mask, right and bottom exclusive), each with its class ({classes}).",
        ),
        Field(
            "bbox_source",
            "string",
            '"official" (the archive\'s box file) or "mask" (derived from the mask).',
        ),
        Field("height", "int32", "Image height in pixels."),
        Field("width", "int32", "Image width in pixels."),
        *(Field(extra.name, extra.dtype, extra.description) for extra in spec.extra_fields),
    )


@dataclass(frozen=True)
class ExtraField:
    """One per-dataset field: its name, type (``"string"`` or ``"int32"``), meaning, source.

    ``derive`` maps an image id to the value (any picklable callable of one string).
    """

    name: str
    dtype: str
    description: str
    derive: Callable[[str], Any]

    def value(self, image_id: str) -> str | int:
        """The field's value for ``image_id``, in the field's type."""
        value = self.derive(image_id)
        return int(value) if self.dtype == "int32" else str(value)


@dataclass(frozen=True)
class IdPart:
    """A named group of a regular expression searched in the image id.

    When the id does not match, ``otherwise`` is the value (None: the whole id).

    >>> IdPart(r"^(?P<video>.+)_\\d+$", "video")("131368cc17e44240_28955")
    '131368cc17e44240'
    """

    pattern: str
    group: str
    otherwise: str | int | None = None

    def __call__(self, image_id: str) -> str | int:
        match = re.search(self.pattern, image_id)
        if match is None or match.group(self.group) is None:
            return image_id if self.otherwise is None else self.otherwise
        return match.group(self.group)


@dataclass(frozen=True)
class SplitIn:
    """The split the image id has in another dataset's config (``"none"`` when it has none).

    For datasets that share another one's ids (Kvasir-Sessile is a subset of Kvasir-SEG), so
    that a user can avoid training and testing on the same image. ``everyone`` is the config
    whose lists name every id of that dataset.

    >>> from kvasir_seg.catalog import KVASIR_SEG
    >>> official = KVASIR_SEG.config("official")
    >>> SplitIn(official, everyone=official)("cju0qkwl35piu0993l0dewei2")
    'train'
    """

    config: ConfigSpec
    everyone: ConfigSpec

    def __call__(self, image_id: str) -> str:
        return membership(self.config, self.everyone).get(image_id, "none")
