"""Mask thresholding, the box convention and PNG encoding."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from kvasir_seg.errors import MetricInputError
from kvasir_seg.masks import Box, boxes_from_mask, decode_mask, encode_mask_png, threshold_mask


def _jpeg(mask: np.ndarray, mode: str) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(mask.astype(np.uint8) * 255).convert(mode).save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


def _circle(height: int = 121, width: int = 157) -> np.ndarray:
    y, x = np.mgrid[0:height, 0:width]
    return (x - 70) ** 2 + (y - 60) ** 2 <= 40**2


def test_noisy_rgb_jpeg_mask_thresholds_back_to_the_binary_mask() -> None:
    mask = _circle()
    data = _jpeg(mask, "RGB")
    values = np.asarray(Image.open(io.BytesIO(data)).convert("L"))
    assert ((values > 0) & (values < 255)).any(), "fixture must carry JPEG noise"
    assert (values > 0).sum() > mask.sum(), "a > 0 threshold would keep the JPEG halo"
    decoded = decode_mask(data)
    assert decoded.dtype == bool and decoded.shape == mask.shape
    np.testing.assert_array_equal(decoded, values > 127)
    assert np.count_nonzero(decoded != mask) <= 0.002 * mask.size


def test_single_channel_jpeg_and_one_bit_png_masks_decode_too() -> None:
    mask = _circle()
    np.testing.assert_array_equal(decode_mask(_jpeg(mask, "L")), decode_mask(_jpeg(mask, "RGB")))
    np.testing.assert_array_equal(decode_mask(encode_mask_png(mask)), mask)


def test_threshold_reads_the_first_channel_of_rgb_arrays() -> None:
    values = np.array([[[0, 0, 0], [128, 128, 128]], [[127, 127, 127], [255, 255, 255]]], np.uint8)
    np.testing.assert_array_equal(threshold_mask(values), [[False, True], [False, True]])


def test_threshold_keeps_a_bool_mask_and_refuses_what_it_would_erase() -> None:
    """A bool mask is a mask already (``True > 127`` would erase it), and values it cannot
    read as 0..255 (probabilities in [0, 1], 16-bit) or channels that disagree are refused."""
    mask = np.array([[False, True], [True, False]])
    np.testing.assert_array_equal(threshold_mask(mask), mask)
    np.testing.assert_array_equal(threshold_mask(np.stack([mask] * 3, axis=-1)), mask)
    np.testing.assert_array_equal(threshold_mask(mask.astype(np.int64) * 255), mask)
    for refused in (mask * 0.9, mask.astype(np.uint16) * 65535):
        with pytest.raises(MetricInputError, match="0..255"):
            threshold_mask(refused)
    disagreeing = np.stack([mask, ~mask, mask], axis=-1).astype(np.uint8) * 255
    with pytest.raises(MetricInputError, match="different masks"):
        threshold_mask(disagreeing)


def test_boxes_follow_the_official_convention() -> None:
    mask = np.zeros((20, 30), dtype=bool)
    mask[5:9, 10:15] = True  # rows 5..8, columns 10..14
    mask[0, 0] = True  # a speck in the corner: kept, clipped at 0
    mask[12:20, 25:30] = True  # touches the right and bottom borders
    assert boxes_from_mask(mask) == [
        Box(0, 0, 1, 1),
        Box(xmin=9, ymin=4, xmax=15, ymax=9),
        Box(xmin=24, ymin=11, xmax=30, ymax=20),
    ]


def test_diagonal_neighbours_are_one_component() -> None:
    mask = np.zeros((6, 6), dtype=bool)
    mask[1, 1] = mask[2, 2] = True
    assert boxes_from_mask(mask) == [Box(0, 0, 3, 3)]
    assert boxes_from_mask(np.zeros((4, 4), bool)) == []


def test_png_encodings_are_one_bit_or_eight_bit_zero_one() -> None:
    mask = _circle()
    one_bit = Image.open(io.BytesIO(encode_mask_png(mask)))
    assert one_bit.mode == "1"
    np.testing.assert_array_equal(np.asarray(one_bit), mask)
    eight_bit = Image.open(io.BytesIO(encode_mask_png(mask, one_bit=False)))
    assert eight_bit.mode == "L"
    assert set(np.unique(np.asarray(eight_bit))) == {0, 1}
    np.testing.assert_array_equal(np.asarray(eight_bit).astype(bool), mask)
