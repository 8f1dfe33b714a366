"""Mask files of every format other tools write mean what the same values mean in memory."""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from kvasir_seg.errors import KvasirSegError, LayoutError, MetricInputError
from kvasir_seg.image_files import MAX_PIXELS, describe_path, image_size, read_mask_file
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
    "RGBA grey and alpha agree": lambda: _png(
        Image.fromarray(np.dstack([MASK.astype(np.uint8) * 255] * 4), "RGBA")
    ),
    "RGBA opaque": lambda: _png(Image.fromarray(MASK.astype(np.uint8) * 255).convert("RGBA")),
    "LA opaque": lambda: _png(Image.fromarray(MASK.astype(np.uint8) * 255).convert("LA")),
    "TIFF 0/255": lambda: _tiff(MASK.astype(np.uint8) * 255),
    "TIFF RGB grey": lambda: _tiff(np.dstack([MASK.astype(np.uint8) * 255] * 3)),
}

#: Predictions drawn as a one-colour shape on a transparent background: the mask is the
#: alpha channel. A ground-truth file is never read from its alpha channel (see below).
ALPHA_FILES = {
    "RGBA alpha carries the mask": lambda: _png(
        Image.fromarray(
            np.dstack([np.zeros((*MASK.shape, 3), np.uint8), MASK.astype(np.uint8) * 255]),
            "RGBA",
        )
    ),
    "LA alpha carries the mask": lambda: _png(
        Image.fromarray(
            np.dstack([np.full(MASK.shape, 255, np.uint8), MASK.astype(np.uint8) * 255]), "LA"
        )
    ),
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


@pytest.mark.parametrize("kind", sorted(ALPHA_FILES))
def test_a_mask_in_the_alpha_channel_is_read_for_a_prediction_only(kind: str) -> None:
    np.testing.assert_array_equal(
        read_mask_file(ALPHA_FILES[kind](), kind, role="prediction"), MASK
    )
    # `np.array(png)[:, :, 0]`, as public scripts read ground truth, sees a constant: the
    # reference could mean either, so it is refused by name, with what to do.
    with pytest.raises(LayoutError) as caught:
        read_mask_file(
            ALPHA_FILES[kind](), "gt.png", role="reference", error=LayoutError, hint="Download."
        )
    message = str(caught.value)
    assert message.startswith("gt.png has an alpha channel that is not fully opaque")
    assert "np.array(png)[:, :, 0]" in message and message.endswith("(0/255). Download.")


@pytest.mark.parametrize("kind", sorted(BINARY_FILES | ALPHA_FILES))
def test_binary_files_score_as_the_mask_in_memory(kind: str) -> None:
    prediction = read_mask_file((BINARY_FILES | ALPHA_FILES)[kind](), kind, role="prediction")
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
    ],
)
def test_ambiguous_files_are_refused_with_a_reason(data, fragment: str) -> None:
    with pytest.raises(MetricInputError) as caught:
        read_mask_file(data(), "odd.png", role="prediction")
    assert fragment in str(caught.value) and "odd.png" in str(caught.value)


def _rgba(red: np.ndarray, green: np.ndarray, blue: np.ndarray, alpha=None) -> bytes:
    channels = [red, green, blue] + ([] if alpha is None else [alpha])
    stacked = np.dstack([np.broadcast_to(c, MASK.shape) for c in channels]).astype(np.uint8)
    return _png(Image.fromarray(stacked, "RGBA" if alpha is not None else "RGB"))


TOOL = MASK.astype(np.uint8) * 255
ONE_PIXEL = np.zeros(MASK.shape, np.uint8)
ONE_PIXEL[2, 3] = 255

#: Multi-channel masks that do not say one thing (as either role, unless said otherwise). A
#: PNG is lossless: a grey mask saved as RGB(A) comes back with equal channels, so one pixel
#: that differs is already refused.
DISAGREEING = {
    "red tool": (lambda: _rgba(TOOL, 0, 0), "differ at 141 of 768 pixels (first at x=6, y=4"),
    "one stray pixel": (
        lambda: _rgba(TOOL, TOOL, TOOL ^ ONE_PIXEL),
        "differ at 1 of 768 pixels (first at x=3, y=2: (0, 0, 255))",
    ),
    "alpha marks other pixels": (
        lambda: _rgba(TOOL, TOOL, TOOL, np.flipud(TOOL)),
        "alpha channel that is not fully opaque",
    ),
    "half-transparent everywhere": (
        lambda: _rgba(TOOL, TOOL, TOOL, 128),
        "marks other pixels than its grey values (627 of 768 differ)",
    ),
}
#: A ground-truth file only: as a prediction, it is an empty shape on transparency.
REFERENCE_ONLY = {"transparent white": (lambda: _rgba(255, 255, 255, 0), "not fully opaque")}


@pytest.mark.parametrize(
    ("kind", "role"),
    [(kind, role) for kind in sorted(DISAGREEING) for role in ("prediction", "reference")]
    + [(kind, "reference") for kind in REFERENCE_ONLY],
)
def test_masks_whose_channels_disagree_are_refused(kind: str, role: str) -> None:
    data, fragment = (DISAGREEING | REFERENCE_ONLY)[kind]
    with pytest.raises(LayoutError) as caught:
        read_mask_file(data(), "masks/x.png", role=role, error=LayoutError, hint="Download.")
    message = str(caught.value)
    assert message.startswith("masks/x.png has ") and fragment in message, message
    assert "np.array(png)[:, :, 0]" in message and message.endswith("(0/255). Download.")


def test_a_lossy_file_may_differ_by_its_noise() -> None:
    """The chroma noise of a lossy format (WebP; a JPEG is decoded to grey first) is
    tolerated; the same unequal channels in a PNG are refused."""
    grey = np.dstack([TOOL] * 3)
    buffer = io.BytesIO()
    Image.fromarray(grey).save(buffer, format="WEBP", quality=90)
    with Image.open(io.BytesIO(buffer.getvalue())) as opened:
        decoded = np.asarray(opened)
        assert (opened.format, opened.mode) == ("WEBP", "RGB")
    assert (decoded.max(axis=-1) != decoded.min(axis=-1)).any(), "the fixture must be noisy"
    np.testing.assert_array_equal(
        read_mask_file(buffer.getvalue(), "m.webp", role="reference"), MASK
    )
    with pytest.raises(MetricInputError, match="m.png has red, green and blue channels that"):
        read_mask_file(_png(Image.fromarray(decoded)), "m.png", role="reference")


def test_cmyk_jpeg_is_refused() -> None:
    buffer = io.BytesIO()
    Image.new("CMYK", (8, 8)).save(buffer, format="JPEG")
    with pytest.raises(MetricInputError, match="mode 'CMYK'"):
        read_mask_file(buffer.getvalue(), "cmyk.jpg", role="prediction")


def test_a_reference_must_be_near_binary() -> None:
    ramp = np.tile(np.arange(256, dtype=np.uint8), (8, 1))
    with pytest.raises(LayoutError, match="not a binary mask"):
        read_mask_file(_png(Image.fromarray(ramp)), "ramp.png", role="reference", error=LayoutError)


def test_an_unknown_role_is_refused() -> None:
    """A misspelt role read a ground-truth file as a prediction, grey levels and all."""
    ramp = _png(Image.fromarray(np.tile(np.arange(256, dtype=np.uint8), (8, 1))))
    with pytest.raises(ValueError, match="role 'references'"):
        read_mask_file(ramp, "ramp.png", role="references")


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


def test_a_name_that_is_not_utf8_is_described_by_its_bytes() -> None:
    """The byte the file system holds (``\\xe9``), not Python's stand-in (``\\udce9``)."""
    path = Path(os.fsdecode(b"masks/caf\xe9.png"))
    assert describe_path(path) == "masks/caf\\xe9.png"
    assert describe_path(Path("masks/café.png")) == "masks/café.png"
