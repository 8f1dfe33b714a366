"""How the default protocol turns a prediction and a reference into four pixel counts.

Every way of scoring the default protocol goes through these functions, so no two count
differently: :mod:`~kvasir_seg.scores.inputs` and :mod:`~kvasir_seg.scores.confusion`
(hence ``compute_scores``, the ``evaluate`` module and the torchmetrics metric) call them
with ``numpy`` on one image, the Keras metrics (:mod:`kvasir_seg_tfds.keras`) with
``keras.ops`` on a batch, eagerly, in a graph or under XLA alike.

- ``xp`` is the array namespace, ``numpy`` or ``keras.ops``: only what both spell and mean
  the same way is used. A comparison with a Python number is written as an operator
  (``prediction > threshold``): numpy, TensorFlow, JAX and torch all read the number in the
  array's own dtype, where ``keras.ops.greater`` would make it a float32 first.
- ``dtype`` is the array's dtype (numpy's, or a name such as ``"uint8"``). It is known
  before any value is, even while a graph is traced, so the kernel branches on it in Python.
- What depends on values (is this integer map a 0/1 mask? is this reference binary?) is
  decided by array operations, per image, so a compiled graph decides it too.
- ``axis`` is ``None`` for one image, or the pixel axis of an N x pixels batch; per-image
  results are scalars, or arrays of N.

    >>> import numpy as np
    >>> prediction = np.array([[0, 127, 128, 255]], np.uint8)  # an 8-bit map: value / 255
    >>> prediction_mask(np, prediction, prediction.dtype, 0.5).tolist()
    [[False, False, True, True]]
    >>> reference = np.array([[0, 255, 255, 0]], np.uint8)
    >>> polyp, valid = reference_mask(np, reference, reference.dtype)
    >>> counts = confusion(np, prediction_mask(np, prediction, prediction.dtype, 0.5), polyp, 4)
    >>> [int(count) for count in counts], bool(valid)  # tp, fp, fn, tn
    ([1, 1, 1, 1], True)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from kvasir_seg.errors import MetricInputError


def dtype_kind(dtype: Any) -> str:
    """The kind of a mask's dtype: ``"b"`` (bool), ``"u"``, ``"i"`` (integers) or ``"f"`` (floats).

    Args:
        dtype: A ``numpy.dtype``, or a dtype name as ``keras.backend.standardize_dtype``
            gives it (``"uint8"``, ``"bfloat16"``, ...).

    Returns:
        The one-letter kind, as ``numpy.dtype.kind`` spells it.

    Raises:
        MetricInputError: If the dtype is none of those (complex numbers, strings, objects).

    Example:
        >>> dtype_kind("bfloat16"), dtype_kind(np.dtype(np.uint8))
        ('f', 'u')
    """
    if isinstance(dtype, np.dtype):
        kind = dtype.kind
    else:
        prefixes = (("bool", "b"), ("uint", "u"), ("int", "i"), ("float", "f"), ("bfloat", "f"))
        kind = next((kind for prefix, kind in prefixes if str(dtype).startswith(prefix)), "")
    if kind not in ("b", "u", "i", "f"):
        raise MetricInputError(
            f"Masks of dtype {dtype} cannot be scored; expected bool, integers or floats."
        )
    return kind


def uint8_level(threshold: float) -> int | None:
    """The smallest 8-bit value ``v`` with ``v / 255 > threshold``.

    An 8-bit probability map is positive where ``value >= uint8_level(threshold)``; the level
    is found with the same float arithmetic as ``value / 255 > threshold``.

    Args:
        threshold: The probability threshold (a float; [0, 1] in practice).

    Returns:
        That value, 0 to 255, or ``None`` when no 8-bit value is above the threshold
        (``threshold >= 1``).

    Example:
        >>> uint8_level(0.5), uint8_level(0.0), uint8_level(1.0)
        (128, 1, None)
    """
    positive = np.arange(256) / 255 > threshold
    return int(np.argmax(positive)) if positive.any() else None


def prediction_valid(xp: Any, prediction: Any, dtype: Any, axis: int | None = None) -> Any:
    """Whether each image's values may be a prediction's: floats in [0, 1], integers in 0..255.

    Comparisons, not minima and maxima: XLA's max reduction skips NaN; a comparison never holds
    for it, so a NaN makes the image invalid.

    Args:
        xp: The array namespace: ``numpy`` or ``keras.ops``.
        prediction: One prediction (any shape), or a batch with its pixels on ``axis``.
        dtype: Its dtype (a ``numpy.dtype`` or a name such as ``"float32"``).
        axis: ``None`` for one image, or the pixel axis of an N x pixels batch.

    Returns:
        ``None`` when the dtype alone makes every image valid (bool, uint8); else a bool
        (0-d array) for one image, or a bool array of N for a batch.

    Example:
        >>> bool(prediction_valid(np, np.array([[0.2, 1.5]]), np.dtype("float64")))
        False
        >>> batch = np.array([[0.2, 0.9], [0.1, np.nan]])
        >>> prediction_valid(np, batch, batch.dtype, axis=1).tolist()
        [True, False]
        >>> prediction_valid(np, np.array([[7]], np.uint8), "uint8") is None
        True
    """
    kind = dtype_kind(dtype)
    if kind == "b" or dtype == "uint8":
        return None
    in_range = xp.logical_and(prediction >= 0, prediction <= (1 if kind == "f" else 255))
    return xp.all(in_range, axis=axis)


def prediction_mask(
    xp: Any, prediction: Any, dtype: Any, threshold: float, axis: int | None = None
) -> Any:
    """The pixels a valid prediction marks as polyp, at ``threshold``.

    Binary masks (bool) as they are; probabilities (floats) strictly above ``threshold``,
    compared in their own dtype (NanoNet's ``prediction > 0.5``). An integer image whose
    values are all 0 or 1 is a binary mask (1 is positive), any other integer image an
    8-bit map, positive where ``value / 255 > threshold``.

    Args:
        xp: The array namespace: ``numpy`` or ``keras.ops``.
        prediction: One prediction whose values :func:`prediction_valid` accepts, or a
            batch with its pixels on ``axis``.
        dtype: Its dtype (a ``numpy.dtype`` or a name such as ``"uint8"``).
        threshold: The probability threshold, in [0, 1].
        axis: ``None`` for one image, or the pixel axis of an N x pixels batch (each
            image is then read as a binary mask or an 8-bit map on its own).

    Returns:
        A bool array of the prediction's shape: True where polyp.

    Example:
        >>> prediction_mask(np, np.array([[0.2, 0.5, 0.7]]), np.dtype("float64"), 0.5).tolist()
        [[False, False, True]]
        >>> batch = np.array([[0, 1, 1], [0, 1, 200]], np.uint8)  # a 0/1 mask, an 8-bit map
        >>> prediction_mask(np, batch, batch.dtype, 0.5, axis=1).tolist()
        [[False, True, True], [False, False, True]]
    """
    kind = dtype_kind(dtype)
    if kind == "b":
        return prediction
    if kind == "f":
        return prediction > threshold
    level = uint8_level(threshold)
    above = 255 if level is None else level - 1  # value > above <=> value / 255 > threshold
    if dtype == "int8":
        above = min(above, 127)  # the same test, without overflowing the dtype
    # The cut keeps the prediction's dtype: numpy compares a uint8 array with a uint8
    # cut several times faster than with an int64 one.
    highest = xp.max(prediction, axis=axis, keepdims=True)
    cut = xp.where(highest <= 1, xp.zeros_like(highest), xp.full_like(highest, above))
    return prediction > cut


def reference_mask(xp: Any, reference: Any, dtype: Any, axis: int | None = None) -> tuple[Any, Any]:
    """The polyp pixels of a reference, and whether each image is a binary mask.

    A reference is binary when its values are {0}, {0, 1} or {0, 255}; bool always is
    (validity ``None``). The polyp is the pixels of the image's largest value (1 for an
    empty mask), and the test counts them: they must be all its non-zero pixels, so a NaN
    (equal to nothing), a JPEG mask's 3 among 255s, a soft 0.5 among 1s or a negative value
    fails it, as does a largest value other than 1 or 255.

    Args:
        xp: The array namespace: ``numpy`` or ``keras.ops``.
        reference: One reference mask, or a batch with its pixels on ``axis``.
        dtype: Its dtype (a ``numpy.dtype`` or a name such as ``"uint8"``).
        axis: ``None`` for one image, or the pixel axis of an N x pixels batch.

    Returns:
        ``(polyp, valid)``: a bool array of the reference's shape, and ``None`` for a bool
        dtype, else a bool (0-d array) for one image or a bool array of N for a batch. The
        polyp pixels mean something only where ``valid`` holds.

    Example:
        >>> polyp, valid = reference_mask(np, np.array([[0, 255, 255, 0]]), np.dtype("int64"))
        >>> polyp.tolist(), bool(valid)
        ([[False, True, True, False]], True)
        >>> bool(reference_mask(np, np.array([[0, 3, 255]]), np.dtype("int64"))[1])
        False
    """
    if dtype_kind(dtype) == "b":
        return reference, None
    highest = xp.max(reference, axis=axis, keepdims=True)
    top = xp.maximum(highest, xp.ones_like(highest))
    polyp = xp.equal(reference, top)
    only_top = xp.count_nonzero(polyp, axis=axis) == xp.count_nonzero(reference, axis=axis)
    label = top == 1 if dtype == "int8" else xp.logical_or(top == 1, top == 255)
    return polyp, xp.logical_and(only_top, xp.all(label, axis=axis))  # all: drops the kept axis


def confusion(xp: Any, predicted: Any, polyp: Any, pixels: Any, axis: int | None = None) -> tuple:
    """The confusion counts (tp, fp, fn, tn) of a predicted mask against the polyp pixels.

    Args:
        xp: The array namespace: ``numpy`` or ``keras.ops``.
        predicted: Bool mask of the predicted polyp (:func:`prediction_mask`).
        polyp: Bool mask of the reference's polyp (:func:`reference_mask`), same shape.
        pixels: Pixels per image (``reference.size`` for one image).
        axis: ``None`` for one image, or the pixel axis of an N x pixels batch.

    Returns:
        ``(tp, fp, fn, tn)``: integer scalars for one image, integer arrays of N for a
        batch. ``tn`` is ``pixels - tp - fp - fn``.

    Example:
        >>> predicted = np.array([True, True, False, False])
        >>> polyp = np.array([True, False, True, False])
        >>> [int(count) for count in confusion(np, predicted, polyp, 4)]
        [1, 1, 1, 1]
    """
    tp = xp.count_nonzero(xp.logical_and(predicted, polyp), axis=axis)
    fp = xp.count_nonzero(predicted, axis=axis) - tp
    fn = xp.count_nonzero(polyp, axis=axis) - tp
    return tp, fp, fn, pixels - tp - fp - fn


def score_ratios(tp: Any, fp: Any, fn: Any, tn: Any) -> dict[str, tuple[Any, Any, float]]:
    """Each default-protocol score as (numerator, denominator, value when it is 0).

    The values for a zero denominator are scikit-learn's as NanoNet called it: 0 for Dice,
    IoU, recall, specificity and accuracy; 1 for precision and F2 (``zero_division=1``).

    Args:
        tp: True positives (numbers or arrays).
        fp: False positives.
        fn: False negatives.
        tn: True negatives.

    Returns:
        ``{score: (numerator, denominator, when_zero)}`` for ``dice``, ``iou``,
        ``precision``, ``recall``, ``specificity``, ``accuracy`` and ``f2``.

    Example:
        >>> score_ratios(1, 1, 0, 2)["dice"], score_ratios(0, 0, 3, 5)["precision"]
        ((2, 3, 0.0), (0, 0, 1.0))
    """
    return {
        "dice": (2 * tp, 2 * tp + fp + fn, 0.0),
        "iou": (tp, tp + fp + fn, 0.0),
        "precision": (tp, tp + fp, 1.0),
        "recall": (tp, tp + fn, 0.0),
        "specificity": (tn, tn + fp, 0.0),
        "accuracy": (tp + tn, tp + fp + fn + tn, 0.0),
        "f2": (5 * tp, 5 * tp + 4 * fn + fp, 1.0),
    }


def ratio(xp: Any, numerator: Any, denominator: Any, when_zero: float) -> Any:
    """``numerator / denominator``, with ``when_zero`` where the denominator is 0.

    Args:
        xp: The array namespace: ``numpy`` or ``keras.ops``.
        numerator: Float arrays (float64 for exact counts).
        denominator: Float arrays of the same shape.
        when_zero: The value where ``denominator`` is 0.

    Returns:
        The quotients, an array of that shape, without a division warning.

    Example:
        >>> ratio(np, np.array([1.0, 0.0]), np.array([2.0, 0.0]), 1.0).tolist()
        [0.5, 1.0]
    """
    defined = denominator != 0
    quotient = numerator / xp.where(defined, denominator, xp.ones_like(denominator))
    return xp.where(defined, quotient, xp.full_like(quotient, when_zero))


def scores(xp: Any, tp: Any, fp: Any, fn: Any, tn: Any) -> dict[str, Any]:
    """The default-protocol scores of confusion counts (per image, per batch or pooled).

    Args:
        xp: The array namespace: ``numpy`` or ``keras.ops``.
        tp: True positives, as float64 (exact for counts below 2**53).
        fp: False positives, same shape.
        fn: False negatives, same shape.
        tn: True negatives, same shape.

    Returns:
        ``{score: values}`` for ``dice``, ``iou``, ``precision``, ``recall``,
        ``specificity``, ``accuracy`` and ``f2``, each in [0, 1] and of the counts' shape.

    Example:
        >>> values = scores(np, *np.array([1.0, 1.0, 0.0, 2.0]))  # tp, fp, fn, tn
        >>> rounded = {name: round(float(value), 4) for name, value in values.items()}
        >>> rounded  # doctest: +NORMALIZE_WHITESPACE
        {'dice': 0.6667, 'iou': 0.5, 'precision': 0.5, 'recall': 1.0,
         'specificity': 0.6667, 'accuracy': 0.75, 'f2': 0.8333}
    """
    return {name: ratio(xp, *terms) for name, terms in score_ratios(tp, fp, fn, tn).items()}
