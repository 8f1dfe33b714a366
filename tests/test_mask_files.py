"""Mask files of every format other tools write mean what the same values mean in memory."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from kvasir_seg.errors import KvasirSegError, LayoutError, MetricInputError
from kvasir_seg.image_files import MAX_PIXELS, image_size, read_mask_file
from kvasir_seg.scores import compute_scores

from hostile_files import png_claiming

MASK = np.zeros((24, 32), dtype=bool)
MASK[4:14, 6:20] = True
MASK[20, 30] = True  # a speck


def _png(image: Image.Image, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", **options)
    return buffer.getvalue()


def _grey16(values: np.ndarray) -> bytes:
    return _png(Image.fromarray(values.astype(np.uint16)))


def _palette(indices: np.ndarray, colours: list[tuple[int, int, int]]) -> bytes:
    image = Image.fromarray(indices.astype(np.uint8), "P")
    flat = [v for colour in colours for v in colour]
    image.putpalette(flat + [0] * (768 - len(flat)))
    return _png(image)


BINARY_FILES = {
    "1-bit": lambda: _png(Image.fromarray(MASK)),
    "8-bit 0/1": lambda: _png(Image.fromarray(MASK.astype(np.uint8))),
    "8-bit 0/255": lambda: _png(Image.fromarray(MASK.astype(np.uint8) * 255)),
    "16-bit 0/1": lambda: _grey16(MASK.astype(np.uint16)),
    "16-bit 0/255": lambda: _grey16(MASK.astype(np.uint16) * 255),
    "16-bit 0/65535": lambda: _grey16(MASK.astype(np.uint16) * 65535),
    "palette 0/1": lambda: _palette(MASK, [(0, 0, 0), (255, 0, 0)]),
    "palette grey 0/255": lambda: _palette(MASK * 255, [(g, g, g) for g in range(256)]),
    "RGB grey": lambda: _png(Image.fromarray(MASK.astype(np.uint8) * 255).convert("RGB")),
    "RGBA alpha carries the mask": lambda: _png(
        Image.fromarray(
            np.dstack([np.zeros((*MASK.shape, 3), np.uint8), MASK.astype(np.uint8) * 255]),
            "RGBA",
        )
    ),
    "RGBA grey and alpha agree": lambda: _png(
        Image.fromarray(np.dstack([MASK.astype(np.uint8) * 255] * 4), "RGBA")
    ),
    "RGBA opaque": lambda: _png(Image.fromarray(MASK.astype(np.uint8) * 255).convert("RGBA")),
    "LA alpha carries the mask": lambda: _png(
        Image.fromarray(
            np.dstack([np.full(MASK.shape, 255, np.uint8), MASK.astype(np.uint8) * 255]), "LA"
        )
    ),
    "TIFF 0/255": lambda: _tiff(MASK.astype(np.uint8) * 255),
}


def _tiff(values: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(values).save(buffer, format="TIFF")
    return buffer.getvalue()


@pytest.mark.parametrize("kind", sorted(BINARY_FILES))
@pytest.mark.parametrize("role", ["prediction", "reference"])
def test_binary_files_of_any_format_read_as_the_mask(kind: str, role: str) -> None:
    values = read_mask_file(BINARY_FILES[kind](), kind, role=role)
    assert values.dtype == np.bool_, kind
    np.testing.assert_array_equal(values, MASK)
    assert values.view(np.uint8).max() == 1  # canonical bool bytes


@pytest.mark.parametrize("kind", sorted(BINARY_FILES))
def test_binary_files_score_as_the_mask_in_memory(kind: str) -> None:
    prediction = read_mask_file(BINARY_FILES[kind](), kind, role="prediction")
    for protocol in ("default", "pranet"):
        from_file = compute_scores([prediction], [MASK], protocol=protocol)
        in_memory = compute_scores([MASK], [MASK], protocol=protocol)
        assert from_file == in_memory, (kind, protocol)


def test_sixteen_bit_probability_maps_are_value_over_65535() -> None:
    probabilities = np.linspace(0, 1, MASK.size).reshape(MASK.shape)
    data = _grey16(np.rint(probabilities * 65535))
    values = read_mask_file(data, "p16.png", role="prediction")
    assert values.dtype == np.float32
    np.testing.assert_allclose(values, probabilities, atol=1e-5)
    eight = _png(Image.fromarray(np.rint(probabilities * 255).astype(np.uint8)))
    scores16 = compute_scores([values], [MASK])
    scores8 = compute_scores([read_mask_file(eight, "p8.png", role="prediction")], [MASK])
    assert scores16["dice"] == pytest.approx(scores8["dice"], abs=0.02)


def test_eight_bit_maps_stay_eight_bit() -> None:
    values = np.arange(MASK.size, dtype=np.uint16).reshape(MASK.shape) % 256
    read = read_mask_file(
        _png(Image.fromarray(values.astype(np.uint8))), "p.png", role="prediction"
    )
    assert read.dtype == np.uint8
    np.testing.assert_array_equal(read, values)


def test_float_tiff_probabilities() -> None:
    probabilities = np.linspace(0, 1, MASK.size, dtype=np.float32).reshape(MASK.shape)
    buffer = io.BytesIO()
    Image.fromarray(probabilities, "F").save(buffer, format="TIFF")
    read = read_mask_file(buffer.getvalue(), "p.tif", role="prediction")
    np.testing.assert_array_equal(read, probabilities)


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (lambda: _grey16(np.where(MASK, 200, 3)), "16-bit file whose values are all in 0..200"),
        (lambda: _palette(MASK * 2, [(0, 0, 0), (0, 0, 0), (255, 0, 0)]), "are colours"),
        (
            lambda: _png(
                Image.fromarray(np.dstack([MASK * 255, MASK * 0, MASK * 0]).astype(np.uint8))
            ),
            "colour image",
        ),
        (
            lambda: _png(
                Image.fromarray(
                    np.dstack([MASK * 255] * 3 + [np.flipud(MASK) * 255]).astype(np.uint8), "RGBA"
                )
            ),
            "cannot tell which one is the mask",
        ),
    ],
)
def test_ambiguous_files_are_refused_with_a_reason(data, fragment: str) -> None:
    with pytest.raises(MetricInputError) as caught:
        read_mask_file(data(), "odd.png", role="prediction")
    assert fragment in str(caught.value) and "odd.png" in str(caught.value)


def test_cmyk_jpeg_is_refused() -> None:
    buffer = io.BytesIO()
    Image.new("CMYK", (8, 8)).save(buffer, format="JPEG")
    with pytest.raises(MetricInputError, match="mode 'CMYK'"):
        read_mask_file(buffer.getvalue(), "cmyk.jpg", role="prediction")


def test_a_reference_must_be_near_binary() -> None:
    ramp = np.tile(np.arange(256, dtype=np.uint8), (8, 1))
    with pytest.raises(LayoutError, match="not a binary mask"):
        read_mask_file(_png(Image.fromarray(ramp)), "ramp.png", role="reference", error=LayoutError)


def test_a_jpeg_reference_with_compression_noise_is_thresholded() -> None:
    buffer = io.BytesIO()
    Image.fromarray(MASK.astype(np.uint8) * 255).convert("RGB").save(buffer, "JPEG", quality=95)
    values = read_mask_file(buffer.getvalue(), "m.jpg", role="reference")
    noisy = np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("L"))
    assert set(np.unique(noisy)) - {0, 255}, "the fixture must carry JPEG noise"
    np.testing.assert_array_equal(values, noisy > 127)


@pytest.mark.parametrize("role", ["prediction", "reference"])
def test_a_decompression_bomb_header_is_refused_before_decoding(role: str) -> None:
    bomb = png_claiming(60000, 60000)  # beyond Pillow's own limit: its DecompressionBombError
    with pytest.raises(MetricInputError, match="bomb.png: .*beyond any real image"):
        read_mask_file(bomb, "bomb.png", role=role)
    with pytest.raises(KvasirSegError, match="beyond any real image"):
        image_size(bomb, "bomb.png")
    assert MAX_PIXELS < 8000 * 8000 < Image.MAX_IMAGE_PIXELS  # below Pillow's limit: ours
    with pytest.raises(MetricInputError, match="big.png claims 8000x8000 pixels"):
        read_mask_file(png_claiming(8000, 8000), "big.png", role=role)


def test_paths_are_read_like_bytes(tmp_path: Path) -> None:
    path = tmp_path / "m.png"
    path.write_bytes(BINARY_FILES["16-bit 0/255"]())
    np.testing.assert_array_equal(read_mask_file(path, str(path), role="prediction"), MASK)
