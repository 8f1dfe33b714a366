"""The fields of an example: those every dataset has, and each dataset's extra fields.

:func:`schema` lists every field of a dataset's examples with its kind and meaning; every
adapter (Hugging Face features, TFDS features, the Hub card's table, Croissant) is made
from it, and the reader fills the values. A catalog spec lists its extra fields (beyond
the shared ``image_id``, ``image``, ``mask``, ``bboxes``, ``bbox_source``, ``height``,
``width``), each derived from the image id, and its object classes.

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
    """One field of a dataset's examples: its name, kind and meaning.

    Args:
        name: the field's name in every adapter (``"image_id"``, ``"mask"``, ...).
        kind: one of :data:`FIELD_KINDS`.
        description: what the field holds, in a sentence.

    Example:
        >>> Field("height", "int32", "Image height in pixels.").kind
        'int32'
    """

    name: str
    kind: str
    description: str


def schema(spec: Any) -> tuple[Field, ...]:
    """Every field of a dataset's examples, in the order the adapters list them.

    The Hugging Face and TFDS features, the Hub card's table and the Croissant metadata
    are all made from it.

    Args:
        spec: the dataset's :class:`~kvasir_seg.catalog.DatasetSpec`.

    Returns:
        The shared fields (``image_id``, ``image``, ``mask``, ``bboxes``, ``bbox_source``,
        ``height``, ``width``), then the dataset's extra fields.

    Example:
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
    """A field of one dataset's examples, derived from the image id.

    Args:
        name: the field's name.
        dtype: its type, ``"string"`` or ``"int32"`` (:data:`FIELD_TYPES`).
        description: what it holds, in a sentence.
        derive: maps an image id to the value (any callable of one string that can be
            pickled, such as :class:`IdPart` or :class:`SplitIn`).

    Example:
        >>> video_of = IdPart(r"^(?P<video>.+)_", "video")
        >>> video = ExtraField("video_id", "string", "Capsule video.", video_of)
        >>> video.value("131368cc17e44240_28955")
        '131368cc17e44240'
    """

    name: str
    dtype: str
    description: str
    derive: Callable[[str], Any]

    def value(self, image_id: str) -> str | int:
        """The field's value for one image.

        Args:
            image_id: the image's id (its file name without extension).

        Returns:
            ``derive(image_id)`` as an ``int`` (``int32`` fields) or a ``str``.

        Example:
            >>> frame_of = IdPart(r"_(?P<frame>\\d+)$", "frame")
            >>> frame = ExtraField("frame", "int32", "Frame number.", frame_of)
            >>> frame.value("131368cc17e44240_28955")
            28955
        """
        value = self.derive(image_id)
        return int(value) if self.dtype == "int32" else str(value)


@dataclass(frozen=True)
class IdPart:
    """Derives a value from a group of a regular expression searched in the image id.

    Args:
        pattern: the regular expression (``re.search``).
        group: the name of the group whose text is the value.
        otherwise: the value when the id does not match or the group is empty (None: the
            whole id).

    Example:
        >>> IdPart(r"^(?P<video>.+)_\\d+$", "video")("131368cc17e44240_28955")
        '131368cc17e44240'
        >>> IdPart(r"_(?P<frame>\\d+)$", "frame", otherwise=-1)("no-frame")
        -1
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
    """Derives the split an image id has in another dataset's config (``"none"``: in none).

    For datasets that share another one's ids (Kvasir-Sessile is a subset of Kvasir-SEG), so
    that a user can avoid training and testing on the same image.

    Args:
        config: the other dataset's config.
        everyone: a config of the other dataset whose id lists name every one of its ids
            (:func:`kvasir_seg.splits.membership`).

    Example:
        >>> from kvasir_seg.catalog import KVASIR_SEG
        >>> official = KVASIR_SEG.config("official")
        >>> SplitIn(official, everyone=official)("cju0qkwl35piu0993l0dewei2")
        'train'
        >>> SplitIn(official, everyone=official)("not-an-id")
        'none'
    """

    config: ConfigSpec
    everyone: ConfigSpec

    def __call__(self, image_id: str) -> str:
        return membership(self.config, self.everyone).get(image_id, "none")
