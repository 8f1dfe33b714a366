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
    """Read one mask as a 2-D numpy array of bools, integers or floats (no copy when possible).

    An H x W x 1 or 1 x H x W array loses its axis of length 1; the values are not checked
    (see :func:`prediction_array`, :func:`as_reference`).

    Args:
        value: A 2-D array (numpy, or anything ``numpy.asarray`` reads: a CPU tensor,
            nested lists), a PIL image, or an H x W x 1 / 1 x H x W array.
        role: ``"prediction"`` or ``"reference"``: how the error messages name it.

    Returns:
        An H x W array of the value's dtype (a bool array with canonical 0/1 bytes).

    Raises:
        MetricInputError: If it cannot be read as an array (ragged lists, a GPU tensor), is
            not one H x W mask (a list of masks, a multi-channel image), is empty, or its
            dtype is not bool, integer or float.

    Example:
        >>> as_mask_array(np.zeros((4, 5, 1), dtype=np.uint8), "reference").shape
        (4, 5)
        >>> as_mask_array(np.zeros((2, 2, 3)), "reference")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        kvasir_seg.errors.MetricInputError: The reference has shape (2, 2, 3) (3-D); expected ...
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
    """Refuse a prediction whose shape is not its reference's, saying how to resize it.

    Args:
        prediction: The prediction, as :func:`as_mask_array` returns it.
        reference: Its reference, likewise.

    Raises:
        MetricInputError: If the shapes differ; the message names the ``resize`` values.

    Example:
        >>> check_same_shape(np.zeros((2, 3)), np.zeros((4, 4)))  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        kvasir_seg.errors.MetricInputError: Prediction shape (2, 3) does not match reference ...
    """
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
    """The error message for a prediction whose values are out of range.

    Args:
        array: A 2-D prediction that :func:`~kvasir_seg.scores.kernel.prediction_valid`
            refused.

    Returns:
        What was found (the range, or NaN / infinity), what was expected and what to do.

    Example:
        >>> print(prediction_problem(np.array([[-2.0, 3.0]])).replace(". ", ".\\n"))
        The prediction has values in [-2, 3]; expected [0, 1].
        Logits must go through a sigmoid first.
    """
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
    """The error message for a reference that is not a binary mask.

    Args:
        array: A 2-D reference that :func:`~kvasir_seg.scores.kernel.reference_mask`
            refused.

    Returns:
        Its values (the first eight), its dtype, what was expected and how to threshold it.

    Example:
        >>> reference_problem(np.array([[0, 3, 255]])).split(";")[0]
        'The reference is not a binary mask: its values are {0, 3, 255} (dtype int64)'
    """
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

    Yields:
        Nothing: the block runs inside it; other errors go through it unchanged.

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
    """Read a reference mask as a bool H x W array, by the values it holds (see the module doc).

    Args:
        value: One mask as :func:`as_mask_array` reads it: bool, or values in {0, 1} or
            {0, 255} (integers or floats).

    Returns:
        True where the reference is polyp (the value 1, or 255).

    Raises:
        MetricInputError: If it is not one readable H x W mask, or not binary (e.g. a JPEG
            mask with values 0..10 and 245..255: threshold it first).

    Example:
        >>> as_reference(np.array([[0, 255], [255, 255]], dtype=np.uint8)).tolist()
        [[False, True], [True, True]]
    """
    return reference_to_bool(as_mask_array(value, "reference"))


def reference_to_bool(array: np.ndarray) -> np.ndarray:
    """The bool mask of a reference array that :func:`as_mask_array` returned.

    The values are read by :func:`~kvasir_seg.scores.kernel.reference_mask`.

    Args:
        array: A 2-D reference array.

    Returns:
        True where polyp.

    Raises:
        MetricInputError: If the values are not {0}, {0, 1} or {0, 255} (nor bool).

    Example:
        >>> reference_to_bool(np.array([[0, 1], [1, 1]])).tolist()
        [[False, True], [True, True]]
    """
    polyp, valid = reference_mask(np, array, array.dtype)
    if valid is None or valid:
        return polyp
    raise MetricInputError(reference_problem(array))


def prediction_array(value: Any) -> np.ndarray:
    """Read a prediction as a checked 2-D array: bool, integers in 0..255, or floats in [0, 1].

    Args:
        value: One prediction as :func:`as_mask_array` reads it.

    Returns:
        The H x W array, values unchanged.

    Raises:
        MetricInputError: If it is not one readable H x W mask, or a value is out of range
            (negative, above 255 or, for floats, above 1; NaN or infinite).

    Example:
        >>> prediction_array([[0.25, 1.0]]).tolist()
        [[0.25, 1.0]]
        >>> prediction_array([[0.5, 1.2]])  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        kvasir_seg.errors.MetricInputError: The prediction has values in [0.5, 1.2]; expected ...
    """
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
    """Return a 2-D prediction array unchanged if its values are in range, else refuse it.

    The range is :func:`~kvasir_seg.scores.kernel.prediction_valid`'s: floats in [0, 1],
    integers in 0..255, any bool.

    Args:
        array: A 2-D prediction, as :func:`as_mask_array` returns it.

    Returns:
        ``array`` itself.

    Raises:
        MetricInputError: If a value is out of range, NaN or infinite.

    Example:
        >>> check_prediction_values(np.array([[0, 200]], np.int64)).tolist()
        [[0, 200]]
    """
    if array.dtype.kind == "f" and array.dtype.itemsize in (2, 4, 8) and _all_unit_floats(array):
        return array  # one pass; it accepts only what the kernel accepts
    valid = prediction_valid(np, array, array.dtype)
    if valid is None or valid:
        return array
    raise MetricInputError(prediction_problem(array))


def _is_binary_integer(array: np.ndarray) -> bool:
    return array.dtype.kind in "iu" and array.max() <= 1


def binarize_prediction(prediction: np.ndarray, threshold: float) -> np.ndarray:
    """The bool mask of a checked prediction at ``threshold``: the default protocol's.

    Probabilities are positive when strictly above ``threshold`` (NanoNet's
    ``prediction > 0.5``); an 8-bit map is compared as ``value / 255 > threshold``.
    Binary masks (bool, 0/1 integers) are used as they are
    (:func:`~kvasir_seg.scores.kernel.prediction_mask`).

    Args:
        prediction: A 2-D prediction from :func:`prediction_array`.
        threshold: The probability threshold, in [0, 1].

    Returns:
        A bool array of the same shape: True where polyp.

    Example:
        >>> binarize_prediction(np.array([[0, 127, 128, 255]], np.uint8), 0.5).tolist()
        [[False, False, True, True]]
        >>> binarize_prediction(np.array([[0, 1]], np.uint8), 0.5).tolist()  # a 0/1 mask
        [[False, True]]
    """
    return prediction_mask(np, prediction, prediction.dtype, threshold)


def prediction_to_uint8(prediction: np.ndarray) -> np.ndarray:
    """A checked prediction as the 8-bit map the PraNet toolbox reads.

    Binary masks become 0/255; 8-bit maps stay as they are; float probabilities are
    quantised as a PNG writer would: ``round(p * 255)`` (half to even).

    Args:
        prediction: A 2-D prediction from :func:`prediction_array`.

    Returns:
        A uint8 array of the same shape (the prediction itself if it is already uint8 and
        not a 0/1 mask).

    Example:
        >>> prediction_to_uint8(np.array([[0.2, 0.5, 1.0]])).tolist()
        [[51, 128, 255]]
        >>> prediction_to_uint8(np.array([[0, 1]])).tolist()
        [[0, 255]]
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
    """Read and check one prediction and its reference, resizing the prediction if asked.

    With ``resize`` other than ``"none"``, a prediction of another size is resized to the
    reference's (:mod:`kvasir_seg.scores.resize`) after its values are checked.

    Args:
        prediction: One prediction, as :func:`prediction_array` takes it.
        reference: Its reference mask, as :func:`as_reference` takes it.
        resize: ``"none"`` (a size mismatch is an error), ``"nearest"``, ``"bilinear"`` or
            ``"bicubic"``, as :data:`~kvasir_seg.score_settings.RESIZE_METHODS` spells it.

    Returns:
        ``(prediction, reference)``: the checked H x W prediction array (resized if
        needed) and the bool reference of the same shape.

    Raises:
        MetricInputError: If either mask is refused (see :func:`as_mask_array`,
            :func:`prediction_array`, :func:`as_reference`) or their shapes differ with
            ``resize="none"``.

    Example:
        >>> p, r = coerce_pair([[0.9, 0.1]], [[255, 0]])
        >>> p.tolist(), r.tolist()
        ([[0.9, 0.1]], [[True, False]])
        >>> coerce_pair([[0.75]], [[255, 0], [0, 0]], resize="nearest")[0].tolist()
        [[0.75, 0.75], [0.75, 0.75]]
    """
    prediction = as_mask_array(prediction, "prediction")
    reference = as_mask_array(reference, "reference")
    if resize != "none" and prediction.shape != reference.shape:
        prediction = resize_prediction(check_prediction_values(prediction), reference.shape, resize)
    check_same_shape(prediction, reference)
    return check_prediction_values(prediction), reference_to_bool(reference)
