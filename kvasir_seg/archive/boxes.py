"""The box file: parse it strictly, and check boxes against their image.

Kvasir-SEG's is ``kavsir_bboxes.json``, Kvasir-Instrument's ``bboxes.json``.

The file is one JSON object keyed by image id (no extension); each value is
``{"height": int, "width": int, "bbox": [{"label", "xmin", "ymin", "xmax", "ymax"}, ...]}``.
Anything else (``Infinity`` or ``NaN``, non-integer coordinates, a label that is not one of
the dataset's classes, a structure nested deeper than the format allows) is a
:class:`~kvasir_seg.errors.LayoutError`.

    >>> box = b'{"label": "polyp", "xmin": 1, "ymin": 2, "xmax": 5, "ymax": 6}'
    >>> parse_box_file(b'{"a": {"bbox": [' + box + b']}}', "x.json")
    {'a': [Box(xmin=1, ymin=2, xmax=5, ymax=6, label=0)]}
"""

from __future__ import annotations

import json
import logging
from typing import Any

from kvasir_seg.errors import LayoutError
from kvasir_seg.masks import Box

logger = logging.getLogger(__name__)

_FORMAT = (
    '{"<id>": {"height": int, "width": int, "bbox": '
    '[{"label": "polyp", "xmin": int, "ymin": int, "xmax": int, "ymax": int}]}}'
)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number a box file may hold")


def parse_box_file(
    data: bytes, name: str, classes: tuple[str, ...] = ("polyp",)
) -> dict[str, list[Box]]:
    """Parse a box file into boxes per image id, validating its structure.

    Args:
        data: the file's bytes.
        name: the file's name, for messages.
        classes: the dataset's classes; each box's ``label`` must name one of them
            (compared without case) and becomes its index. A label that is none of them
            is an error, never a class 0.

    Returns:
        ``{image id: its boxes}``, as the file lists them (not yet checked against the
        image: :func:`check_boxes`).

    Raises:
        LayoutError: the file is not JSON, not in the format, has a coordinate that is not
            an integer, or a label that is not one of ``classes``.

    Example:
        >>> box = b'{"label": "instrument", "xmin": 1, "ymin": 2, "xmax": 5, "ymax": 6}'
        >>> parse_box_file(b'{"a": {"bbox": [' + box + b']}}', "bboxes.json", ("instrument",))
        {'a': [Box(xmin=1, ymin=2, xmax=5, ymax=6, label=0)]}
    """
    index = {label.strip().lower(): number for number, label in enumerate(classes)}
    try:
        entries = json.loads(data, parse_constant=_refuse_constant)
    except RecursionError:
        raise LayoutError(
            f"{name} is nested far deeper than a box file ({_FORMAT}); download the archive again."
        ) from None
    except (UnicodeDecodeError, ValueError) as error:
        raise LayoutError(
            f"{name} is not valid JSON for a box file ({error}); download the archive again."
        ) from error
    if not isinstance(entries, dict):
        raise LayoutError(
            f"{name}: expected an object keyed by image id, found {type(entries).__name__}."
        )
    result = {}
    for image_id, entry in entries.items():
        try:
            result[image_id] = [_box(box, index, name, image_id) for box in entry["bbox"]]
        except LayoutError:
            raise
        except (KeyError, TypeError, ValueError, OverflowError) as error:
            raise LayoutError(
                f"{name}: entry {image_id!r} is malformed ({error!r}); expected {_FORMAT}."
            ) from error
    return result


def _box(box: Any, index: dict[str, int], name: str, image_id: str) -> Box:
    """One box of the file: its coordinates (checked first), then its class."""
    coordinates = [_as_int(box[key]) for key in ("xmin", "ymin", "xmax", "ymax")]
    return Box(*coordinates, label=_label(box.get("label"), index, name, image_id))


def _label(label: Any, index: dict[str, int], name: str, image_id: str) -> int:
    if not isinstance(label, str) or label.strip().lower() not in index:
        raise LayoutError(
            f"{name}: a box of {image_id!r} has the label {label!r}, which is not a class of "
            f"this dataset ({', '.join(index)}). The archive is not the one this project "
            "knows: download it again, or describe its classes in the dataset's spec."
        )
    return index[label.strip().lower()]


def _as_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
        raise ValueError(f"coordinate {value!r} is not an integer")
    if abs(value) > 1_000_000:
        raise ValueError(f"coordinate {value!r} is beyond any image")
    return int(value)


def check_boxes(
    boxes: list[Box], width: int, height: int, image_id: str, source: str
) -> tuple[Box, ...]:
    """Check one image's boxes against its size: clip those that overhang, refuse inverted ones.

    Args:
        boxes: the image's boxes, as :func:`parse_box_file` read them.
        width: the image's width in pixels.
        height: the image's height in pixels.
        image_id: the image's id, for messages.
        source: the box file's name, for messages.

    Returns:
        The boxes clipped to ``[0, width] x [0, height]`` (a warning names each clipped one).

    Raises:
        LayoutError: a box is inverted (a min beyond its max).

    Example:
        >>> from kvasir_seg.masks import Box
        >>> check_boxes([Box(-1, 2, 12, 6, 0)], 10, 8, "a", "bboxes.json")
        (Box(xmin=0, ymin=2, xmax=10, ymax=6, label=0),)
    """
    checked = []
    for box in boxes:
        if box.xmin > box.xmax or box.ymin > box.ymax:
            raise LayoutError(
                f"{source}: box {tuple(box[:4])} of {image_id} is inverted (min > max)."
            )
        clipped = Box(
            min(max(box.xmin, 0), width),
            min(max(box.ymin, 0), height),
            min(max(box.xmax, 0), width),
            min(max(box.ymax, 0), height),
            box.label,
        )
        if clipped != box:
            logger.warning(
                "%s: box %s of %s clipped to the %dx%d image",
                source,
                tuple(box[:4]),
                image_id,
                width,
                height,
            )
        checked.append(clipped)
    return tuple(checked)
