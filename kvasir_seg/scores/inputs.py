"""Turn one prediction and one reference into checked numpy arrays.

Accepted for both: a 2-D array (numpy, or anything ``numpy.asarray`` reads, e.g. a CPU
tensor or nested lists), a PIL image, or an HxWx1 / 1xHxW array as the Hugging Face and
TFDS builders return masks. Sizes may differ from one image to the next.

References must be binary, and the value set decides how they are read, so a 0/255 mask
is never taken for a 0/1 mask or the reverse:

- bool: as is;
- integers or floats whose values are all in {0, 1}: 1 is polyp;
- integers or floats whose values are all in {0, 255}: 255 is polyp;
- anything else (e.g. a JPEG mask with values 0..10 and 245..255): an error that says to
  threshold it first (``kvasir_seg.masks.threshold_mask``).

Predictions:

- bool: a binary mask, used as is;
- integers whose values are all 0 or 1: a binary mask, used as is;
- other integers in 0..255: an 8-bit probability map (value / 255);
- floats in [0, 1]: probabilities.

The one ambiguous case is an integer map whose values are all 0 or 1: it is read as a
binary mask, never as probabilities of at most 1/255. Pass ``map / 255`` as floats if that
is what you mean.

    >>> import numpy as np
    >>> reference = as_reference(np.array([[0, 255], [255, 0]], dtype=np.uint8))
    >>> reference.tolist()
    [[False, True], [True, False]]
    >>> binarize_prediction(np.array([[0.2, 0.7], [0.5, 0.9]]), threshold=0.5).tolist()
    [[False, True], [False, True]]
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sized
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import numpy as np
from PIL import Image

from kvasir_seg.errors import MetricInputError
from kvasir_seg.masks import canonical_bool
from kvasir_seg.scores.kernel import prediction_mask, prediction_valid, reference_mask
from kvasir_seg.scores.resize import resize_prediction

_THRESHOLD_HINT = (
    "threshold it first, e.g. `kvasir_seg.masks.threshold_mask(mask)` (luminance > 127) "
    "for the archives' JPEG masks"
)


def as_mask_array(value: Any, role: str) -> np.ndarray:
    """``value`` as a 2-D numpy array (no copy when possible); ``role`` names it in errors.

    >>> as_mask_array(np.zeros((4, 5, 1), dtype=np.uint8), "reference").shape
    (4, 5)
    """
    if (
        isinstance(value, np.ndarray)
        and value.ndim == 2
        and value.size
        and value.dtype.kind in "biuf"
    ):
        return canonical_bool(value) if value.dtype == np.bool_ else value
    mode = None
    if isinstance(value, Image.Image):
        mode = value.mode
        value = np.asarray(value)
    else:
        try:
            value = np.asarray(value)
        except (TypeError, ValueError) as error:  # ragged lists, GPU tensors
            raise MetricInputError(
                f"The {role} cannot be read as an array ({error}); give a 2-D numpy array "
                "(tensors: move to the CPU first) or a PIL image."
            ) from None
    if value.ndim == 3 and 1 in (value.shape[0], value.shape[-1]):
        value = value[..., 0] if value.shape[-1] == 1 else value[0]
    if value.ndim != 2:
        found = f"PIL mode {mode!r}, " if mode else ""
        hint = (
            "A 1-D value is one row: was a single mask given where a list of masks is expected?"
            if value.ndim < 2
            else "A multi-channel mask must be reduced to one channel first, e.g. PIL "
            "`image.convert('L')` and a threshold."
        )
        raise MetricInputError(
            f"The {role} has shape {value.shape} ({found}{value.ndim}-D); expected one mask of "
            f"shape HxW (HxWx1 and 1xHxW are accepted). {hint}"
        )
    if value.size == 0:
        raise MetricInputError(
            f"The {role} is empty (shape {value.shape}); expected HxW with H, W > 0."
        )
    if value.dtype.kind not in "biuf":
        raise MetricInputError(
            f"The {role} has dtype {value.dtype}; expected bool, integers or floats."
        )
    # numpy bools of a PIL mode "1" image may hold the byte 255: every bool array that
    # goes on is canonical, since the protocols read bool bytes.
    return canonical_bool(value) if value.dtype == np.bool_ else value


def check_same_shape(prediction: np.ndarray, reference: np.ndarray) -> None:
    """Raise :class:`MetricInputError` unless both masks have the same HxW shape."""
    if prediction.shape != reference.shape:
        raise MetricInputError(
            f"Prediction shape {prediction.shape} does not match reference shape "
            f"{reference.shape}; pass resize='bilinear' (probability maps, as most test "
            "scripts upsample), 'bicubic' (PraNet's toolbox) or 'nearest' (masks) to resize "
            "each prediction to its reference's size before scoring."
        )


def check_same_length(predictions: Sized, references: Sized) -> None:
    """Refuse a batch that does not hold one prediction per reference.

    Args:
        predictions: The batch's predicted masks (anything with a length).
        references: Its reference masks.

    Raises:
        MetricInputError: If the two lengths differ; the message gives both.

    Example:
        >>> check_same_length([np.ones((2, 2))] * 2, [np.ones((2, 2))])  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        kvasir_seg.errors.MetricInputError: The batch has 2 predictions and 1 references; ...
    """
    if len(predictions) != len(references):
        raise MetricInputError(
            f"The batch has {len(predictions)} predictions and {len(references)} references; "
            "give one prediction per reference."
        )


def _sample_values(array: np.ndarray, limit: int = 8) -> str:
    values = np.unique(array)
    shown = ", ".join(f"{v:g}" for v in values[:limit].tolist())
    return "{" + shown + (", ..." if values.size > limit else "") + "}"


def prediction_problem(array: np.ndarray) -> str:
    """What the error says of a prediction the kernel refuses (values out of range)."""
    lowest, highest = array.min(), array.max()
    floats = array.dtype.kind == "f"
    if floats and not (math.isfinite(lowest) and math.isfinite(highest)):
        return "The prediction contains NaN or infinite values; fix the model output first."
    high, hint = (
        (1.0, "Logits must go through a sigmoid first.")
        if floats
        else (255, "Integer maps must be 0/1 masks or 8-bit maps in 0..255.")
    )
    return f"The prediction has values in [{lowest:g}, {highest:g}]; expected [0, {high:g}]. {hint}"


def reference_problem(array: np.ndarray) -> str:
    """What the error says of a reference the kernel refuses (not binary)."""
    if array.dtype.kind == "f" and not math.isfinite(array.max()):
        return "The reference contains NaN or infinite values."
    return (
        f"The reference is not a binary mask: its values are {_sample_values(array)} "
        f"(dtype {array.dtype}); expected {{0, 1}} or {{0, 255}} or bool. Please {_THRESHOLD_HINT}."
    )


@contextmanager
def naming_image(which: str) -> Iterator[None]:
    """Prefix the :class:`MetricInputError` raised inside the block with the image it is about.

    Args:
        which: How the message names the image, e.g. ``"Image 'frame-3'"``.

    Raises:
        MetricInputError: The one raised in the block, its message prefixed with ``which``.

    Example:
        >>> with naming_image("Image 'a'"):  # doctest: +ELLIPSIS
        ...     coerce_pair(np.full((2, 2), np.nan), np.zeros((2, 2), bool))
        Traceback (most recent call last):
        kvasir_seg.errors.MetricInputError: Image 'a': The prediction contains NaN or ...
    """
    try:
        yield
    except MetricInputError as error:
        raise MetricInputError(f"{which}: {error}") from None


def image_of_batch(index: int) -> AbstractContextManager[None]:
    """:func:`naming_image` with the image's place in its batch: ``"Image 3 of the batch"``.

    Args:
        index: The image's place in its batch, counting from 0.

    Returns:
        The context manager.

    Example:
        >>> with image_of_batch(3):  # doctest: +ELLIPSIS
        ...     as_reference(np.array([[0, 3], [250, 255]]))
        Traceback (most recent call last):
        kvasir_seg.errors.MetricInputError: Image 3 of the batch: The reference is not a binary ...
    """
    return naming_image(f"Image {index} of the batch")


def as_reference(value: Any) -> np.ndarray:
    """A reference mask as a bool HxW array, read by its value set (see the module doc).

    >>> int(as_reference(np.array([[0, 1], [1, 1]], dtype=np.uint8)).sum())
    3
    """
    return reference_to_bool(as_mask_array(value, "reference"))


def reference_to_bool(array: np.ndarray) -> np.ndarray:
    """The bool mask of a 2-D reference array that :func:`as_mask_array` returned
    (the kernel's :func:`~kvasir_seg.scores.kernel.reference_mask`)."""
    polyp, valid = reference_mask(np, array, array.dtype)
    if valid is None or valid:
        return polyp
    raise MetricInputError(reference_problem(array))


def prediction_array(value: Any) -> np.ndarray:
    """A prediction as a checked 2-D array: bool, integers in 0..255, or floats in [0, 1]."""
    return check_prediction_values(as_mask_array(value, "prediction"))


def _all_unit_floats(array: np.ndarray) -> bool:
    """True if every value is in [+0, 1]: one pass over the bits instead of min and max.

    Non-negative IEEE floats order like their bit patterns read as unsigned integers, and
    anything negative (sign bit), infinite or NaN reads larger than the pattern of 1.0.
    False may also mean -0.0, which the exact check then accepts.
    """
    bits = np.dtype(f"u{array.dtype.itemsize}")
    return bool(array.view(bits).max() <= np.array(1.0, array.dtype).view(bits))


def check_prediction_values(array: np.ndarray) -> np.ndarray:
    """``array`` (2-D) unchanged, or :class:`MetricInputError` for values out of range
    (the kernel's :func:`~kvasir_seg.scores.kernel.prediction_valid`)."""
    if array.dtype.kind == "f" and array.dtype.itemsize in (2, 4, 8) and _all_unit_floats(array):
        return array  # one pass; it accepts only what the kernel accepts
    valid = prediction_valid(np, array, array.dtype)
    if valid is None or valid:
        return array
    raise MetricInputError(prediction_problem(array))


def _is_binary_integer(array: np.ndarray) -> bool:
    return array.dtype.kind in "iu" and array.max() <= 1


def binarize_prediction(prediction: np.ndarray, threshold: float) -> np.ndarray:
    """The bool mask of a prediction from :func:`prediction_array`.

    Probabilities are positive when strictly above ``threshold`` (NanoNet's
    ``prediction > 0.5``); an 8-bit map is compared as ``value / 255 > threshold``.
    Binary masks (bool, 0/1 integers) are used as they are
    (the kernel's :func:`~kvasir_seg.scores.kernel.prediction_mask`).
    """
    return prediction_mask(np, prediction, prediction.dtype, threshold)


def prediction_to_uint8(prediction: np.ndarray) -> np.ndarray:
    """A prediction from :func:`prediction_array` as the 8-bit map the PraNet toolbox reads.

    Binary masks become 0/255; 8-bit maps stay as they are; float probabilities are
    quantised as a PNG writer would: ``round(p * 255)``.
    """
    kind = prediction.dtype.kind
    if kind == "b":
        return prediction.view(np.uint8) * np.uint8(255)
    if kind == "f":
        return np.rint(prediction * 255.0).astype(np.uint8)
    if _is_binary_integer(prediction):
        return (prediction != 0).view(np.uint8) * np.uint8(255)
    return prediction if prediction.dtype == np.uint8 else prediction.astype(np.uint8)


def coerce_pair(
    prediction: Any, reference: Any, resize: str = "none"
) -> tuple[np.ndarray, np.ndarray]:
    """(prediction array, bool reference) for one image, with every check done.

    With ``resize`` other than ``"none"``, a prediction of another size is resized to the
    reference's (:mod:`kvasir_seg.scores.resize`) after its values are checked.

    >>> p, r = coerce_pair([[0.9, 0.1]], [[255, 0]])
    >>> p.dtype.kind, r.tolist()
    ('f', [[True, False]])
    >>> coerce_pair([[0.9]], [[255, 0], [0, 0]], resize="nearest")[0].shape
    (2, 2)
    """
    prediction = as_mask_array(prediction, "prediction")
    reference = as_mask_array(reference, "reference")
    if resize != "none" and prediction.shape != reference.shape:
        prediction = resize_prediction(check_prediction_values(prediction), reference.shape, resize)
    check_same_shape(prediction, reference)
    return check_prediction_values(prediction), reference_to_bool(reference)
