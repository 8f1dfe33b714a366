"""One histogram per image: the 8-bit prediction values, split by reference class and quadrant.

Everything the PraNet protocol needs except the weighted F-measure is a function of this
table: the 256-threshold confusion counts (Dice, IoU, E-measure curves), the MAE and the
S-measure's means and variances. It takes a single ``bincount`` pass over the pixels,
where the PraNet toolbox compares the map with 256 thresholds or histograms it once per
measure.

The quadrants are the S-measure's: the image is cut at the (rounded, 1-based) centroid of
the reference's polyp pixels.

    >>> import numpy as np
    >>> table = ImageHistogram.of(np.array([[0, 255], [255, 0]], np.uint8),
    ...                           np.array([[False, True], [True, False]]))
    >>> int(table.foreground[255]), int(table.background[0])
    (2, 2)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: ``v / 255`` for every 8-bit value, computed as ``prediction / 255`` computes it.
UNIT_VALUES = np.arange(256) / 255


def polyp_centroid(reference: np.ndarray) -> tuple[int, int]:
    """(row, column) where the S-measure cuts the image: the rounded centroid, plus one.

    The +1 reproduces the MATLAB 1-based cut of the original S-measure code; an image
    without polyp is cut at its rounded middle.
    """
    height, width = reference.shape
    rows = np.count_nonzero(reference, axis=1)
    polyp = int(rows.sum())
    if polyp == 0:
        return int(np.round(height / 2)) + 1, int(np.round(width / 2)) + 1
    columns = np.count_nonzero(reference, axis=0)
    # Integer sums are exact, so this is the same float as the mean of argwhere().
    row = int(np.arange(height) @ rows) / polyp
    column = int(np.arange(width) @ columns) / polyp
    return int(np.round(row)) + 1, int(np.round(column)) + 1


def rescaled_values(present: np.ndarray) -> np.ndarray:
    """Per 8-bit value, the PraNet per-image min-max rescaled probability.

    ``present`` flags the values that occur in the map. The arithmetic is the toolbox's,
    value by value (``(v/255 - min) / (max - min)``), so results are bit-identical; a
    constant map is left as ``v / 255``.
    """
    levels = np.flatnonzero(present)
    low, high = UNIT_VALUES[levels[0]], UNIT_VALUES[levels[-1]]
    if high == low:
        return UNIT_VALUES.copy()
    return (UNIT_VALUES - low) / (high - low)


@dataclass(frozen=True)
class ImageHistogram:
    """Counts of 8-bit prediction values, shaped (quadrant, class, value).

    Quadrants are 0 top-left, 1 top-right, 2 bottom-left, 3 bottom-right (cut at
    :attr:`cut`); class 0 is reference background, 1 reference polyp.
    """

    counts: np.ndarray
    cut: tuple[int, int]

    @classmethod
    def of(cls, prediction: np.ndarray, reference: np.ndarray) -> ImageHistogram:
        """The histogram of an 8-bit map against its bool reference (same HxW)."""
        cut_row, cut_column = polyp_centroid(reference)
        code = reference.view(np.uint8).astype(np.uint16)
        code <<= 8
        code |= prediction
        code[cut_row:] += 1024
        code[:, cut_column:] += 512
        counts = np.bincount(code.ravel(), minlength=2048).reshape(4, 2, 256)
        return cls(counts=counts, cut=(cut_row, cut_column))

    @property
    def foreground(self) -> np.ndarray:
        """Counts per value over the reference's polyp pixels (all quadrants)."""
        return self.counts[:, 1].sum(axis=0)

    @property
    def background(self) -> np.ndarray:
        """Counts per value over the reference's background pixels (all quadrants)."""
        return self.counts[:, 0].sum(axis=0)


def quantised_counts(counts: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Re-bin per-value ``counts`` (256,) onto the toolbox's 256 threshold levels.

    The toolbox bins the rescaled map as ``uint8(p * 255)`` (truncation); ``values`` are
    the rescaled probabilities from :func:`rescaled_values`.
    """
    levels = (values * 255).astype(np.uint8)
    return np.bincount(levels, weights=counts, minlength=256).astype(np.int64)
