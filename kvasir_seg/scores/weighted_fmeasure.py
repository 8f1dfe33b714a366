"""Weighted F-measure (Margolin et al., CVPR 2014), beta = 1, as the PraNet toolbox computes it.

Errors are ``|p - reference|``. Outside the polyp a pixel's error is first replaced by the
error at its nearest polyp pixel, smoothed by a 7x7 Gaussian (sigma 5) and kept where it is
smaller (pixel dependency); background errors are then weighted up with the distance to the
polyp (pixel importance). Weighted recall and precision give ``Fw``.

Work saved against the toolbox, with the same numbers: the Gaussian is applied as two 1-D
passes and only around the polyp (the smoothed errors are used on polyp pixels only), and
the background weights are computed in place without gathering pixels, and the distances
come from scipy's feature transform in integers (:func:`_distance_to`).

    >>> import numpy as np
    >>> reference = np.zeros((9, 9), bool); reference[3:6, 3:6] = True
    >>> round(weighted_f_measure(reference.astype(float), reference), 6)
    1.0
"""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage

from kvasir_seg.scores.structure_measure import EPS

_RADIUS = 3
_SIGMA = 5.0
_OFFSETS = np.arange(-_RADIUS, _RADIUS + 1)
#: One axis of MATLAB's ``fspecial('gaussian', 7, 5)``: the 2-D kernel is its outer product.
GAUSSIAN_1D = np.exp(-(_OFFSETS**2) / (2 * _SIGMA**2))
GAUSSIAN_1D /= GAUSSIAN_1D.sum()
#: ``log(1 - 0.5) / 5``: background weights are ``2 - exp(this * distance)``.
_DECAY = math.log(0.5) / 5


def _polyp_window(reference: np.ndarray) -> tuple[slice, slice]:
    """The polyp's bounding box grown by the Gaussian's radius, clipped to the image."""
    rows = np.flatnonzero(reference.any(axis=1))
    columns = np.flatnonzero(reference.any(axis=0))
    return (
        slice(max(rows[0] - _RADIUS, 0), rows[-1] + _RADIUS + 1),
        slice(max(columns[0] - _RADIUS, 0), columns[-1] + _RADIUS + 1),
    )


def _distance_to(nearest: np.ndarray) -> np.ndarray:
    """Each pixel's distance to its ``nearest`` pixel (a feature transform), as scipy gives it.

    scipy squares and adds the offsets in float64 over ``np.indices``; here in integers,
    broadcast: the same exact integer, so the same ``sqrt``, bit for bit, with less work.
    """
    height, width = nearest.shape[1:]
    # int32 holds every squared distance unless the diagonal passes 46340 pixels.
    large = (height - 1) ** 2 + (width - 1) ** 2 > np.iinfo(np.int32).max
    offset = np.int64 if large else np.int32
    rows = nearest[0] - np.arange(height, dtype=offset)[:, None]
    columns = nearest[1] - np.arange(width, dtype=offset)
    rows *= rows
    columns *= columns
    rows += columns
    return np.sqrt(rows, dtype=np.float64)


def weighted_f_measure(rescaled: np.ndarray, reference: np.ndarray, beta: float = 1.0) -> float:
    """The weighted F-measure ``Fw`` of a probability map against its reference.

    Args:
        rescaled: The H x W probability map, float64 in [0, 1] (the PraNet protocol passes
            the per-image min-max rescaled map).
        reference: The bool H x W reference, same shape.
        beta: The toolbox's ``Beta2``: the square of the F-measure's beta, weighing recall
            against precision as ``(1 + beta) * R * P / (R + beta * P)``. 1, the default,
            is what PraNet's tables use.

    Returns:
        ``Fw``, a float in [0, 1]; 0 when the reference has no polyp (as pysodmetrics;
        PraNet's MATLAB code stops with an error there).

    Example:
        >>> reference = np.zeros((9, 9), bool); reference[3:6, 3:6] = True
        >>> prediction = np.zeros((9, 9)); prediction[3:6, 3:7] = 1.0  # one column more
        >>> round(weighted_f_measure(prediction, reference), 4)
        0.8416
        >>> weighted_f_measure(prediction, np.zeros((9, 9), bool))
        0.0
    """
    if not reference.any():
        return 0.0
    nearest = ndimage.distance_transform_edt(
        ~reference, return_distances=False, return_indices=True
    )
    distance = _distance_to(nearest)

    window = _polyp_window(reference)
    window_polyp = reference[window]
    # Error at the nearest polyp pixel (a polyp pixel is its own nearest), then smoothed.
    nearest_error = 1.0 - rescaled[nearest[0][window], nearest[1][window]]
    smoothed = ndimage.correlate1d(nearest_error, GAUSSIAN_1D, axis=0, mode="constant")
    smoothed = ndimage.correlate1d(smoothed, GAUSSIAN_1D, axis=1, mode="constant")
    polyp_error = 1.0 - rescaled[window][window_polyp]
    polyp_smoothed = smoothed[window_polyp]
    polyp_weighted = np.where(polyp_smoothed < polyp_error, polyp_smoothed, polyp_error)

    # Background errors (p itself) weighted by 2 - exp(decay * distance); polyp pixels out.
    # Elementwise in place: a BLAS dot product on pixel vectors is slow with threads on few cores.
    weighted = np.multiply(distance, _DECAY)
    np.exp(weighted, out=weighted)
    np.subtract(2.0, weighted, out=weighted)
    weighted *= rescaled
    weighted[reference] = 0.0
    false_positive = float(weighted.sum())

    polyp = polyp_weighted.size
    recall = 1.0 - float(polyp_weighted.mean())
    true_positive = polyp - float(polyp_weighted.sum())
    precision = true_positive / (true_positive + false_positive + EPS)
    return (1 + beta) * recall * precision / (recall + beta * precision + EPS)
