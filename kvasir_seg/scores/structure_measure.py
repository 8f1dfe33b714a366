"""S-measure (Fan et al., ICCV 2017) from an image's value histogram, as the PraNet toolbox.

``S = max(0, alpha * object + (1 - alpha) * region)`` with ``alpha = 0.5``. The object term
compares the mean and spread of the map inside and outside the polyp; the region term is an
SSIM over four quadrants cut at the polyp's centroid, weighted by area. Means, variances and
covariances come from the histogram (:class:`~kvasir_seg.scores.histograms.ImageHistogram`),
not from pixel passes. A quadrant whose map is constant is the one case where the toolbox's
outcome hinges on float rounding (a variance of exactly zero or not); there the block mean is
taken from the pixels, as the toolbox does, so both agree.

Deviation, on purpose: when the centroid falls on the last row or column a quadrant is empty;
the toolbox then returns NaN (mean of an empty block), here that quadrant weighs 0 as its area
says.

    >>> import numpy as np
    >>> from kvasir_seg.scores.histograms import ImageHistogram, rescaled_values
    >>> reference = np.zeros((4, 4), bool); reference[1:3, 1:3] = True
    >>> prediction = reference.view(np.uint8) * np.uint8(255)
    >>> table = ImageHistogram.of(prediction, reference)
    >>> values = rescaled_values(table.counts.sum(axis=(0, 1)) > 0)
    >>> round(s_measure(table, values, values[prediction]), 6)
    1.0
"""

from __future__ import annotations

import numpy as np

from kvasir_seg.scores.histograms import ImageHistogram

#: MATLAB's ``eps``, which the toolbox adds to denominators.
EPS = float(np.spacing(1))


def _object_similarity(counts: np.ndarray, values: np.ndarray) -> float:
    """``2m / (m^2 + 1 + std + eps)`` of the values weighted by ``counts`` (std with ddof 1)."""
    number = counts.sum()
    mean = float(counts @ values) / number
    spread = 0.0
    if number > 1:
        spread = float(np.sqrt(float(counts @ (values - mean) ** 2) / (number - 1)))
    return 2 * mean / (mean * mean + 1 + spread + EPS)


def _object_score(table: ImageHistogram, values: np.ndarray, polyp_fraction: float) -> float:
    inside = _object_similarity(table.foreground, values)
    outside = _object_similarity(table.background, 1 - values)
    return inside * polyp_fraction + outside * (1 - polyp_fraction)


def _block_mean(block_counts: np.ndarray, values: np.ndarray, block: np.ndarray) -> float:
    """The block's mean map value; from the pixels when the block is constant (see above)."""
    present = np.flatnonzero(block_counts.sum(axis=0))
    if present.size == 1 and values[present[0]] not in (0.0, 1.0):
        return float(block.mean())
    return float(block_counts.sum(axis=0) @ values) / block_counts.sum()


def _block_similarity(block_counts: np.ndarray, values: np.ndarray, block: np.ndarray) -> float:
    """The toolbox's SSIM of one quadrant; ``block_counts`` is (class, value)."""
    number = int(block_counts.sum())
    if number == 0:
        return 0.0
    background, polyp = block_counts
    mean = _block_mean(block_counts, values, block)
    fraction = polyp.sum() / number
    centred = values - mean
    scale = number - 1 + EPS
    variance = float((background + polyp) @ (centred * centred)) / scale
    reference_variance = (
        polyp.sum() * (1 - fraction) ** 2 + background.sum() * fraction**2
    ) / scale
    covariance = (
        (1 - fraction) * float(polyp @ centred) - fraction * float(background @ centred)
    ) / scale
    numerator = 4 * mean * fraction * covariance
    denominator = (mean * mean + fraction * fraction) * (variance + reference_variance)
    if numerator != 0:
        return numerator / (denominator + EPS)
    return 1.0 if denominator == 0 else 0.0


def _region_score(table: ImageHistogram, values: np.ndarray, rescaled: np.ndarray) -> float:
    height, width = rescaled.shape
    row, column = table.cut
    rows = (slice(0, row), slice(row, height))
    columns = (slice(0, column), slice(column, width))
    area = height * width
    weights = [row * column / area, row * (width - column) / area, (height - row) * column / area]
    weights.append(1 - weights[0] - weights[1] - weights[2])
    score = 0.0
    for quadrant, weight in enumerate(weights):
        block = rescaled[rows[quadrant // 2], columns[quadrant % 2]]
        score += _block_similarity(table.counts[quadrant], values, block) * weight
    return score


def s_measure(
    table: ImageHistogram, values: np.ndarray, rescaled: np.ndarray, alpha: float = 0.5
) -> float:
    """The S-measure of one image, from its histogram, as the PraNet toolbox computes it.

    An image without polyp scores ``1 - mean(map)``, an image all polyp ``mean(map)``.

    Args:
        table: The image's histogram (:meth:`ImageHistogram.of` of its 8-bit map and bool
            reference).
        values: The rescaled probability of each 8-bit value
            (:func:`~kvasir_seg.scores.histograms.rescaled_values`), shape (256,).
        rescaled: The rescaled map itself (``values[prediction]``), H x W float64; read only
            for quadrants whose map is constant, and for the image's size.
        alpha: Weight of the object term; ``1 - alpha`` weighs the region term.

    Returns:
        The S-measure, a float in [0, 1] (1: the map equals the reference).

    Example:
        >>> from kvasir_seg.scores.histograms import ImageHistogram, rescaled_values
        >>> reference = np.zeros((4, 4), bool); reference[1:3, 1:3] = True
        >>> prediction = np.zeros((4, 4), np.uint8); prediction[1:3, 1:4] = 255  # one column more
        >>> table = ImageHistogram.of(prediction, reference)
        >>> values = rescaled_values(table.counts.sum(axis=(0, 1)) > 0)
        >>> round(s_measure(table, values, values[prediction]), 4)
        0.8312
    """
    polyp = int(table.foreground.sum())
    size = rescaled.size
    if polyp == 0:
        return 1.0 - float(table.background @ values) / size
    if polyp == size:
        return float(table.foreground @ values) / size
    score = alpha * _object_score(table, values, polyp / size)
    score += (1 - alpha) * _region_score(table, values, rescaled)
    return float(max(0.0, score))
