"""Open image files under bounds, and read mask files of any format as arrays in memory are read.

Every image file this package decodes (archive members, the layout probe, reference and
prediction files) goes through :func:`opened_image`, which refuses a header claiming more
than :data:`MAX_PIXELS` pixels before anything is decoded, and turns every decoder failure
(``DecompressionBombError``, truncated data, ``MemoryError``, ...) into the caller's
:class:`~kvasir_seg.errors.KvasirSegError` subclass naming the file.

:func:`read_mask_file` gives a file the meaning its values have in memory (see
:mod:`kvasir_seg.scores.inputs`), whatever its bit depth and mode:

- 1-bit files, and files whose values are all in {0, 1}, {0, 255} or {0, 65535}: binary;
- 8-bit grey: the values as they are (a prediction is then an 8-bit map, value / 255);
- 16-bit grey: value / 65535 as float32 probabilities (a file whose values never exceed
  255 and are not binary is refused: 8-bit values in a 16-bit file, or a map of
  probabilities below 0.4 %? Nobody can tell, so it must be saved unambiguously);
- 32-bit float (mode ``F``): the floats, which must be probabilities in [0, 1];
- palette: indices {0, 1} are a label map (1 = polyp); otherwise the palette's grey
  levels, and a palette with colours is refused;
- RGB: the grey level when the channels are equal (pixel for pixel in a lossless file such
  as a PNG; within chroma noise in a lossy one), refused otherwise: the first channel
  (``np.array(png)[:, :, 0]``) and the luminance would give different masks;
- LA / RGBA: the grey channels when the alpha channel is fully opaque or marks the same
  pixels; a prediction whose grey channels are constant carries its mask in alpha; any
  other alpha is refused (a ground-truth mask is never read from its alpha channel).

A ground-truth (``role="reference"``) file must be near-binary (JPEG noise allowed: at most
:data:`MAX_GAP_FRACTION` of the pixels mid-grey) and is thresholded at half its range,
luminance > 127 for 8-bit files.

    >>> import numpy as np
    >>> from PIL import Image
    >>> import io
    >>> buffer = io.BytesIO()
    >>> Image.fromarray(np.array([[0, 65535]], np.uint16)).save(buffer, format="PNG")
    >>> read_mask_file(buffer.getvalue(), "mask.png", role="prediction").tolist()
    [[False, True]]
"""

from __future__ import annotations

import io
import os
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import numpy as np
from PIL import Image, UnidentifiedImageError

from kvasir_seg.errors import KvasirSegError, MetricInputError

#: What a mask file is read as: the ground truth (thresholded) or a prediction (a map).
ROLES = ("reference", "prediction")

#: Largest image accepted, in pixels. The largest real image is 1920x1072 (2 MP); a header
#: claiming more than this is a damaged or hostile file, refused before decoding.
MAX_PIXELS = 50_000_000

#: A mask's values sit near 0 and near the maximum; "mid-grey" is this band of 8-bit values.
GAP = (32, 223)
#: A file with more mid-grey pixels than this fraction is not a mask (an image, an overlay).
MAX_GAP_FRACTION = 0.02

_DECODE_ERRORS = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    UnidentifiedImageError,
    Image.DecompressionBombError,
    MemoryError,
    zlib.error,
)

#: Channels of a lossy RGB file may differ this much (JPEG chroma noise) and still be grey,
#: at up to 0.1 % of the pixels; a lossless file's channels must be equal.
_GREY_TOLERANCE = 48
#: The formats whose grey files come back with slightly unequal channels.
LOSSY_FORMATS = frozenset({"JPEG", "MPO", "WEBP", "JPEG2000"})


@contextmanager
def opened_image(
    source: bytes | str | os.PathLike[str],
    name: str,
    *,
    error: type[KvasirSegError] = KvasirSegError,
    hint: str = "",
) -> Iterator[Image.Image]:
    """Open an image file with ``PIL.Image.open``, its size bounded and its failures ours.

    The header's size is checked before anything is decoded; errors raised while the
    ``with`` body decodes the image are turned into ``error`` as well.

    Args:
        source: the file's bytes, or its path.
        name: the file's name, for messages.
        error: the error class to raise (a :class:`~kvasir_seg.errors.KvasirSegError`).
        hint: what to do, appended to messages.

    Yields:
        The opened image, for the ``with`` body.

    Raises:
        KvasirSegError: ``error``, when the header claims more than :data:`MAX_PIXELS`
            pixels or the image cannot be decoded (the message names the file).

    Example:
        >>> import io
        >>> buffer = io.BytesIO()
        >>> Image.new("L", (3, 2)).save(buffer, format="PNG")
        >>> with opened_image(buffer.getvalue(), "x.png") as image:
        ...     image.size
        (3, 2)
        >>> try:
        ...     with opened_image(b"not an image", "x.png") as image:
        ...         pass
        ... except KvasirSegError as error:
        ...     print(error)
        x.png: cannot decode the image (not an image format Pillow reads).
    """
    stream = io.BytesIO(source) if isinstance(source, bytes) else source
    try:
        with Image.open(stream) as image:
            width, height = image.size
            if width * height > MAX_PIXELS or width <= 0 or height <= 0:
                raise error(
                    f"{name} claims {width}x{height} pixels, far beyond any real image (the limit "
                    f"is {MAX_PIXELS:,} pixels): the file is damaged or not what it claims to "
                    f"be. {hint}".strip()
                )
            yield image
    except KvasirSegError:
        raise
    except Image.DecompressionBombError as failure:
        raise error(
            f"{name}: {failure}, far beyond any real image: the file is damaged or not what it "
            f"claims to be. {hint}".strip()
        ) from failure
    except _DECODE_ERRORS as failure:
        detail = (
            "not an image format Pillow reads"
            if isinstance(failure, UnidentifiedImageError)
            else f"{type(failure).__name__}: {failure}"
        )
        raise error(f"{name}: cannot decode the image ({detail}). {hint}".strip()) from failure


def gap_fraction(values: np.ndarray) -> float:
    """The share of 8-bit values that are mid-grey (in :data:`GAP`).

    Args:
        values: an array of 8-bit values.

    Returns:
        The share, in [0, 1] (0 for an empty array).

    Example:
        >>> gap_fraction(np.array([0, 128, 255, 255], np.uint8))
        0.25
    """
    low, high = GAP
    return float(np.count_nonzero((values >= low) & (values <= high)) / max(values.size, 1))


def is_near_binary(values: np.ndarray) -> bool:
    """Whether 8-bit values look like a mask: near 0 and 255 only (JPEG noise allowed).

    Args:
        values: an array of 8-bit values.

    Returns:
        True when at most :data:`MAX_GAP_FRACTION` of them are mid-grey.

    Example:
        >>> is_near_binary(np.array([0, 3, 250, 255], np.uint8))
        True
        >>> is_near_binary(np.arange(256, dtype=np.uint8))
        False
    """
    return gap_fraction(values) <= MAX_GAP_FRACTION


def read_mask_file(
    source: bytes | str | os.PathLike[str],
    name: str,
    *,
    role: str,
    error: type[KvasirSegError] = MetricInputError,
    hint: str = "",
) -> np.ndarray:
    """Read a mask file as the 2-D array it means (the module docstring gives the rules).

    Args:
        source: the file's bytes, or its path.
        name: the file's name, for messages.
        role: ``"reference"`` (the ground truth: thresholded) or ``"prediction"``.
        error: the error class to raise (a :class:`~kvasir_seg.errors.KvasirSegError`).
        hint: what to do, appended to messages.

    Returns:
        For a reference, a bool mask. For a prediction, bool (binary files), uint8 (8-bit
        maps) or float32 (16-bit and float maps, as probabilities in [0, 1]).

    Raises:
        KvasirSegError: ``error``, when the file cannot be decoded, or its meaning is
            ambiguous (channels that differ, an alpha channel that marks other pixels,
            8-bit values in a 16-bit file, colours in a palette), or a reference is not
            near-binary.
        ValueError: ``role`` is not one of :data:`ROLES`.

    Example:
        >>> import io
        >>> buffer = io.BytesIO()
        >>> Image.fromarray(np.array([[0, 128, 255]], np.uint8)).save(buffer, format="PNG")
        >>> read_mask_file(buffer.getvalue(), "map.png", role="prediction").tolist()
        [[0, 128, 255]]
    """
    if role not in ROLES:
        raise ValueError(f"role {role!r} is not one of {', '.join(ROLES)}")
    with opened_image(source, name, error=error, hint=hint) as image:
        if image.format == "JPEG" and image.mode in ("RGB", "YCbCr", "L"):
            # libjpeg decodes straight to luminance (the Y channel): what is thresholded.
            image.draft("L", image.size)
        values = _grey_values(image, _MaskFile(name, role, error, hint))
    if values.dtype == np.bool_:
        return values
    binary = _binary_of(values)
    if binary is not None:
        return binary
    if role == "reference":
        return _threshold_reference(values, name, error)
    if values.dtype == np.uint8 or values.dtype == np.float32:
        return values
    if values.max() <= 255:
        raise error(
            f"{name} is a 16-bit file whose values are all in 0..{int(values.max())}: 8-bit "
            "values in a 16-bit file, or 16-bit probabilities below 0.4 %? Save 8-bit maps as "
            "8-bit files (values 0..255), and 16-bit maps over the full 0..65535 range."
        )
    return (values.astype(np.float64) / 65535).astype(np.float32)


def _binary_of(values: np.ndarray) -> np.ndarray | None:
    """The bool mask of integer ``values`` all in {0, 1}, {0, 255} or {0, 65535}; else None."""
    if values.dtype.kind not in "iu":
        return None
    highest = int(values.max())
    if highest == 0:
        return np.zeros(values.shape, dtype=bool)
    if highest not in (1, 255, 65535):
        return None
    mask = values == highest
    return mask if np.count_nonzero(values) == np.count_nonzero(mask) else None


def _threshold_reference(values: np.ndarray, name: str, error: type[KvasirSegError]) -> np.ndarray:
    """A near-binary ground-truth map thresholded at half its range, or ``error``."""
    if values.dtype == np.float32:
        if not (np.isfinite(values).all() and values.min() >= 0 and values.max() <= 1):
            raise error(f"{name} holds floats outside [0, 1]; a mask holds 0 and 1.")
        eight_bit = np.rint(values * 255).astype(np.uint8)
    elif values.dtype == np.uint8:
        eight_bit = values
    else:
        eight_bit = (values.astype(np.uint32) >> 8).astype(np.uint8)
    if not is_near_binary(eight_bit):
        raise error(
            f"{name} is not a binary mask: {gap_fraction(eight_bit):.0%} of its pixels are "
            f"mid-grey ({GAP[0]}..{GAP[1]} of 255), where a mask (even a JPEG one) has values "
            "near 0 and near the maximum only. Is it an image or an overlay rather than a mask?"
        )
    return eight_bit > 127


class _MaskFile(NamedTuple):
    """A mask file being read: its name for messages, its role, and how to refuse it."""

    name: str
    role: str
    error: type[KvasirSegError]
    hint: str

    def refuse(self, message: str) -> KvasirSegError:
        """The error to raise: ``message`` (which names the file) and the caller's hint."""
        return self.error(f"{message} {self.hint}".strip())


def _grey_values(image: Image.Image, file: _MaskFile) -> np.ndarray:
    """One channel of values of an opened image: bool, uint8, uint16/int32 or float32."""
    mode = image.mode
    if mode == "1":
        # numpy bools of a mode "1" image may hold the byte 255: canonicalise.
        return np.asarray(image.convert("L")) != 0
    if mode == "L":
        return np.asarray(image)
    if mode.startswith("I;16") or mode == "I":
        values = np.asarray(image)
        if mode == "I" and (values.min() < 0 or values.max() > 65535):
            raise file.refuse(f"{file.name} is a 32-bit integer file with values outside 0..65535.")
        return values.astype(np.uint16) if mode == "I" else values
    if mode == "F":
        return np.asarray(image, dtype=np.float32)
    if mode == "P":
        return _palette_values(image, file)
    if mode in ("RGB", "RGBA", "LA", "La", "RGBa"):
        has_alpha = mode in ("RGBA", "LA", "La", "RGBa")
        lossy = image.format in LOSSY_FORMATS
        pixels = np.asarray(image.convert("RGBA" if has_alpha else "RGB"))
        return _colour_values(pixels, file, lossy=lossy)
    raise file.refuse(
        f"{file.name} has the image mode {mode!r}, which is not a mask format; save it as a "
        "greyscale PNG (0/255, or 0..255 probabilities)."
    )


def _palette_values(image: Image.Image, file: _MaskFile) -> np.ndarray:
    indices = np.asarray(image)
    used = np.flatnonzero(np.bincount(indices.ravel(), minlength=256))
    if used.max() <= 1:  # a label map: palette index 1 is polyp
        return indices == 1
    palette = np.asarray(image.getpalette("RGB") or [], dtype=np.uint8).reshape(-1, 3)
    if used.max() >= len(palette):
        raise file.refuse(f"{file.name} uses palette entries that its palette does not define.")
    colours = palette[used]
    if (colours.max(axis=1) - colours.min(axis=1)).max() > 0:
        raise file.refuse(
            f"{file.name} is a palette image whose entries {used[:6].tolist()} are colours, not "
            "grey levels: save the mask as a greyscale PNG (0/255) or with palette indices 0/1."
        )
    return palette[:, 0][indices]


def _colour_values(pixels: np.ndarray, file: _MaskFile, *, lossy: bool) -> np.ndarray:
    """The grey values of RGB(A) ``pixels`` (HxWx3 or HxWx4, uint8) whose channels are equal.

    Equal means equal, pixel for pixel, in a lossless file (PNG, TIFF, BMP: how a grey mask
    saved as RGB comes back); in a lossy one, within JPEG-like chroma noise. Anything else
    is refused: a mask read as ``np.array(png)[:, :, 0]`` and one read as luminance would
    differ, and which one the file means cannot be told. The alpha channel is ignored when
    it is fully opaque, and when it marks the same pixels as the grey values (so that
    whichever is read, the mask is the same); a prediction whose grey values are constant
    carries its mask in alpha (a one-colour shape on a transparent background). Any other
    alpha is refused.
    """
    channels = pixels[..., :3]
    if lossy:
        spread = channels.max(axis=-1).astype(np.int16) - channels.min(axis=-1)
        differ = spread > _GREY_TOLERANCE
        grey_enough = np.count_nonzero(differ) <= 0.001 * spread.size
        luminance = Image.fromarray(np.ascontiguousarray(channels), "RGB").convert("L")
        grey = np.asarray(luminance) if grey_enough else None
    else:
        grey = channels[..., 0]
        differ = (channels[..., 1] != grey) | (channels[..., 2] != grey)
        grey = None if differ.any() else grey
    if grey is None:
        rows, columns = np.nonzero(differ)
        y, x = int(rows[0]), int(columns[0])
        raise file.refuse(
            f"{file.name} has red, green and blue channels that differ at "
            f"{np.count_nonzero(differ):,} of {differ.size:,} pixels (first at x={x}, y={y}: "
            f"{tuple(int(v) for v in channels[y, x])}), where a grey mask's channels are "
            "equal: cannot tell which channel is the mask (the red one, as "
            "`np.array(png)[:, :, 0]` reads it, or the luminance). Save the mask as a "
            "greyscale PNG (0/255)."
        )
    if pixels.shape[-1] == 3:
        return grey
    alpha = pixels[..., 3]
    if alpha.min() == 255 or np.array_equal(grey > 127, alpha > 127):
        return grey
    if file.role == "prediction" and grey.min() == grey.max():
        return alpha  # a one-colour shape on a transparent background
    raise file.refuse(
        f"{file.name} has an alpha channel that is not fully opaque and marks other pixels "
        f"than its grey values ({np.count_nonzero((grey > 127) != (alpha > 127)):,} of "
        f"{alpha.size:,} differ): cannot tell whether the mask is in the grey values (as "
        "`np.array(png)[:, :, 0]` reads it) or in the alpha channel. Save the mask alone as "
        "a greyscale PNG (0/255)."
    )


def image_size(
    source: bytes | str | os.PathLike[str],
    name: str,
    *,
    error: type[KvasirSegError] = KvasirSegError,
    hint: str = "",
) -> tuple[int, int]:
    """The size of an image file, from its header only (bounded as :func:`opened_image`).

    Args:
        source: the file's bytes, or its path.
        name: the file's name, for messages.
        error: the error class to raise.
        hint: what to do, appended to messages.

    Returns:
        ``(width, height)`` in pixels.

    Example:
        >>> import io
        >>> buffer = io.BytesIO()
        >>> Image.new("RGB", (622, 529)).save(buffer, format="JPEG")
        >>> image_size(buffer.getvalue(), "cju0qkwl35piu0993l0dewei2.jpg")
        (622, 529)
    """
    with opened_image(source, name, error=error, hint=hint) as image:
        return image.size


def describe_path(path: Path) -> str:
    """A path for messages, readable even when its name is not valid UTF-8.

    Args:
        path: the path.

    Returns:
        The path as text, each byte that is not UTF-8 written as ``\\x..``.

    Example:
        >>> import os
        >>> describe_path(Path(os.fsdecode(b"masks/caf\\xe9.png")))
        'masks/caf\\\\xe9.png'
    """
    return os.fsencode(path).decode("utf-8", "backslashreplace")
