"""Mask decoding, thresholding, box derivation and PNG encoding.

The archives store masks as JPEGs (Kvasir-SEG: 3-channel RGB with equal channels), so
their values are not binary: they sit in 0..10 and 245..255 because of compression noise.
Thresholding the luminance at ``> 127`` gives the binary mask; ``> 0`` would keep the JPEG
halo. Isolated specks that survive the threshold are part of the ground truth and kept.

    >>> import numpy as np
    >>> mask = np.zeros((5, 6), dtype=bool); mask[1:3, 2:5] = True
    >>> boxes_from_mask(mask)
    [Box(xmin=1, ymin=0, xmax=5, ymax=3, label=0)]
"""

from __future__ import annotations

import io
from typing import NamedTuple

import numpy as np
from PIL import Image
from scipy import ndimage

from kvasir_seg.errors import LayoutError, MetricInputError
from kvasir_seg.image_files import read_mask_file

#: Luminance strictly above this is polyp. The archives have no value in 11..244, so any
#: threshold in that gap gives the same masks.
MASK_THRESHOLD = 127

_EIGHT_CONNECTED = np.ones((3, 3), dtype=bool)


class Box(NamedTuple):
    """A box in pixels, in the Kvasir-SEG convention (see :func:`boxes_from_mask`), and its class.

    Args:
        xmin: the left side (one pixel outside the object, clipped at 0).
        ymin: the top side (one pixel outside the object, clipped at 0).
        xmax: the right side, exclusive (may equal the width).
        ymax: the bottom side, exclusive (may equal the height).
        label: the class, an index into the dataset's ``classes`` (0 for a dataset of one
            class).

    Example:
        >>> Box(1, 0, 5, 3)
        Box(xmin=1, ymin=0, xmax=5, ymax=3, label=0)
    """

    xmin: int
    ymin: int
    xmax: int
    ymax: int
    label: int = 0


def canonical_bool(values: np.ndarray) -> np.ndarray:
    """A bool array whose bytes are 0 or 1.

    numpy bools made from a PIL mode "1" image may hold the byte 255; code that reads bool
    bytes (``.view(np.uint8)``, bincounts) must see 0/1.

    Args:
        values: a bool array, or any array (non-zero is True).

    Returns:
        ``values`` itself when its bytes are 0/1 already, else ``values != 0``.

    Example:
        >>> raw = np.array([0, 255], np.uint8).view(bool)
        >>> canonical_bool(raw).view(np.uint8).tolist()
        [0, 1]
    """
    array = np.asarray(values)
    if array.dtype != np.bool_:
        return array != 0
    if array.size == 0:
        return array
    raw = array.view(np.uint8)
    return array if raw.max() <= 1 else raw != 0


def threshold_mask(values: np.ndarray) -> np.ndarray:
    """The binary mask of a decoded 8-bit mask: luminance above :data:`MASK_THRESHOLD`.

    For files, use :func:`decode_mask`, which converts to luminance first.

    Args:
        values: an ``(H, W)`` or ``(H, W, C)`` array of 8-bit values (0..255; any integer
            type), or a bool mask (returned as it is). A multi-channel array is read through
            its first channel; its colour channels must threshold to the same mask.

    Returns:
        The mask, a bool ``(H, W)`` array.

    Raises:
        MetricInputError: the values are not integers in 0..255 nor bools (a probability
            map in [0, 1] would come out empty), or the channels threshold to different
            masks.

    Example:
        >>> threshold_mask(np.array([[0, 12, 128], [240, 255, 127]], np.uint8)).tolist()
        [[False, False, True], [True, True, False]]
    """
    values = np.asarray(values)
    if values.dtype == np.bool_:
        return canonical_bool(values[..., 0] if values.ndim == 3 else values)
    if values.dtype.kind not in "iu" or (values.size and (values.min() < 0 or values.max() > 255)):
        raise MetricInputError(
            f"threshold_mask takes 8-bit values (0..255) or a bool mask; got {values.dtype} "
            "values: for probabilities in [0, 1] compare them with a threshold yourself "
            "(values > 0.5), and bring other ranges to 0..255 first."
        )
    if values.ndim == 3:
        channels = values[..., :3] > MASK_THRESHOLD
        if (channels != channels[..., :1]).any():
            raise MetricInputError(
                "threshold_mask got channels that threshold to different masks: cannot tell "
                "which one is the mask (the first, or the luminance). Give one channel."
            )
        return channels[..., 0]
    return values > MASK_THRESHOLD


def decode_mask(data: bytes, name: str = "mask") -> np.ndarray:
    """Decode a ground-truth mask file to a binary mask.

    JPEGs are decoded straight to luminance (libjpeg's grey output is the Y channel, the
    same luminance a RGB->L conversion computes), which is what is thresholded; see
    :func:`kvasir_seg.image_files.read_mask_file` for every format's reading.

    Args:
        data: the file's bytes (JPEG or PNG, any mode and bit depth).
        name: the file's name, for messages.

    Returns:
        The mask, a bool ``(H, W)`` array.

    Raises:
        LayoutError: the file cannot be decoded, or is not near-binary (an image or an
            overlay).

    Example:
        >>> decode_mask(encode_mask_png(np.eye(2, dtype=bool))).tolist()
        [[True, False], [False, True]]
    """
    return read_mask_file(data, name, role="reference", error=LayoutError)


def boxes_from_mask(mask: np.ndarray) -> list[Box]:
    """The boxes of a mask's objects (8-connected components), in the Kvasir-SEG convention.

    The convention, read off the archive's ``kavsir_bboxes.json``: the left and top sides
    lie one pixel outside the mask (clipped at 0), the right and bottom sides are exclusive
    (``xmax`` may equal the width). Every component is kept, single-pixel specks included,
    since they are part of the ground truth.

    Args:
        mask: a binary ``(H, W)`` mask (non-zero is the object).

    Returns:
        One :class:`Box` (label 0) per component, sorted by (ymin, xmin); empty for an
        empty mask.

    Example:
        >>> mask = np.zeros((4, 6), dtype=bool)
        >>> mask[1:3, 1:3] = mask[3, 5] = True
        >>> boxes_from_mask(mask)
        [Box(xmin=0, ymin=0, xmax=3, ymax=3, label=0), Box(xmin=4, ymin=2, xmax=6, ymax=4, label=0)]
    """
    labels, count = ndimage.label(np.asarray(mask, dtype=bool), structure=_EIGHT_CONNECTED)
    if count == 0:
        return []
    boxes = [
        Box(
            xmin=max(cols.start - 1, 0),
            ymin=max(rows.start - 1, 0),
            xmax=cols.stop,
            ymax=rows.stop,
        )
        for rows, cols in ndimage.find_objects(labels)
    ]
    return sorted(boxes, key=lambda b: (b.ymin, b.xmin, b.ymax, b.xmax))


def encode_mask_png(mask: np.ndarray, *, one_bit: bool = True) -> bytes:
    """Encode a binary mask as a PNG file.

    Args:
        mask: a binary ``(H, W)`` mask.
        one_bit: True: a 1-bit PNG, what the Hugging Face builders store. False: an 8-bit
            PNG with values 0/1, what the TFDS builders store (TFDS decodes a 1-bit PNG as
            {0, 255} through TensorFlow but {0, 1} through ``tfds.data_source``).

    Returns:
        The PNG's bytes.

    Example:
        >>> from PIL import Image
        >>> import io
        >>> Image.open(io.BytesIO(encode_mask_png(np.eye(3, dtype=bool)))).mode
        '1'
    """
    mask = canonical_bool(np.asarray(mask, dtype=bool))
    image = Image.fromarray(mask) if one_bit else Image.fromarray(mask.view(np.uint8))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()
