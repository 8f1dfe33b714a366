"""The per-dataset fields of an example, and how each is derived from the image id.

A catalog spec lists its extra fields (beyond the shared ``image_id``, ``image``, ``mask``,
``bboxes``, ``bbox_source``, ``height``, ``width``); every adapter (Hugging Face, TFDS, the
export card, Croissant) builds its schema from that list, and the reader fills the values.

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
