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
    """A box in pixels, in the Kvasir-SEG convention (see :func:`boxes_from_mask`), and its
    class: an index into the dataset's ``classes`` (0 for a dataset of one class)."""

    xmin: int
    ymin: int
    xmax: int
    ymax: int
    label: int = 0


def canonical_bool(values: np.ndarray) -> np.ndarray:
    """``values`` as a bool array whose bytes are 0/1 (no copy when they already are).

    numpy bools made from a PIL mode "1" image may hold the byte 255; code that reads bool
    bytes (``.view(np.uint8)``, bincounts) must see 0/1. Non-bool arrays: ``values != 0``.

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
    """The binary polyp mask (bool, HxW) of a decoded mask (HxW or HxWxC, uint8).

    Multi-channel masks are read through their first channel (the archives' channels are
    equal); use :func:`decode_mask` on files, which converts to luminance first.
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
    """Decode mask file bytes (JPEG or PNG, any mode and bit depth) to a bool HxW array.

    JPEGs are decoded straight to luminance (libjpeg's grey output is the Y channel, the
    same luminance a RGB->L conversion computes), which is what is thresholded. A file
    that is not near-binary (an image or an overlay) is a :class:`LayoutError`; see
    :func:`kvasir_seg.image_files.read_mask_file` for every format's reading.
    """
    return read_mask_file(data, name, role="reference", error=LayoutError)


def boxes_from_mask(mask: np.ndarray) -> list[Box]:
    """Boxes of the 8-connected components of ``mask``, in the Kvasir-SEG convention.

    The convention, read off the archive's ``kavsir_bboxes.json``: the left and top sides
    lie one pixel outside the mask (clipped at 0), the right and bottom sides are exclusive
    (``xmax`` may equal the width). Boxes are sorted by (ymin, xmin). Every component is
    kept, single-pixel specks included, since they are part of the ground truth.
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
    """PNG bytes of a bool mask: 1-bit (``one_bit=True``) or 8-bit with values 0/1.

    The 1-bit form is what the Hugging Face builders store. The 8-bit 0/1 form is what the
    TFDS builders store, since TFDS decodes a 1-bit PNG as {0, 255} through TensorFlow but
    {0, 1} through ``tfds.data_source``.
    """
    mask = canonical_bool(np.asarray(mask, dtype=bool))
    image = Image.fromarray(mask) if one_bit else Image.fromarray(mask.view(np.uint8))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()
