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
    """Where the S-measure cuts an image into quadrants: the polyp's rounded centroid, plus one.

    The +1 reproduces the MATLAB 1-based cut of the original S-measure code; an image
    without polyp is cut at its rounded middle. Rounding is numpy's (half to even).

    Args:
        reference: The bool H x W reference mask.

    Returns:
        ``(row, column)``: the first row and column of the bottom and right quadrants
        (counting from 0).

    Example:
        >>> reference = np.zeros((4, 6), bool); reference[0:2, 0:3] = True  # centroid (0.5, 1)
        >>> polyp_centroid(reference), polyp_centroid(np.zeros((4, 6), bool))
        ((1, 2), (3, 4))
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
    """The PraNet toolbox's per-image min-max rescaled probability of each 8-bit value.

    The arithmetic is the toolbox's, value by value (``(v/255 - min) / (max - min)``), so
    results are bit-identical; a constant map is left as ``v / 255``.

    Args:
        present: 256 bools: which 8-bit values occur in the map (at least one).

    Returns:
        256 float64 values: what each 8-bit value becomes once the map is rescaled (values
        that do not occur get the same formula, possibly outside [0, 1]).

    Example:
        >>> present = np.zeros(256, bool); present[[51, 255]] = True  # a map of 0.2 and 1.0
        >>> values = rescaled_values(present)
        >>> float(values[51]), float(values[255])
        (0.0, 1.0)
    """
    levels = np.flatnonzero(present)
    low, high = UNIT_VALUES[levels[0]], UNIT_VALUES[levels[-1]]
    if high == low:
        return UNIT_VALUES.copy()
    return (UNIT_VALUES - low) / (high - low)


@dataclass(frozen=True)
class ImageHistogram:
    """Counts of one image's 8-bit prediction values, per quadrant and reference class.

    Build it with :meth:`of`.

    Args:
        counts: int64 array shaped (4, 2, 256): (quadrant, class, value). Quadrants are
            0 top-left, 1 top-right, 2 bottom-left, 3 bottom-right (cut at ``cut``);
            class 0 is the reference's background, 1 its polyp.
        cut: ``(row, column)`` where the quadrants meet (:func:`polyp_centroid`).

    Example:
        >>> table = ImageHistogram.of(np.array([[0, 255]], np.uint8), np.array([[False, True]]))
        >>> table.cut, int(table.counts.sum())
        ((1, 2), 2)
    """

    counts: np.ndarray
    cut: tuple[int, int]

    @classmethod
    def of(cls, prediction: np.ndarray, reference: np.ndarray) -> ImageHistogram:
        """Count an 8-bit map's values against its bool reference, in one pass.

        Args:
            prediction: The uint8 H x W map.
            reference: The bool H x W reference, same shape.

        Returns:
            The image's histogram.

        Example:
            >>> prediction = np.array([[0, 255], [255, 0]], np.uint8)
            >>> table = ImageHistogram.of(prediction, np.array([[False, True], [True, False]]))
            >>> table.cut, np.argwhere(table.counts).tolist()  # [quadrant, class, value]
            ((1, 1), [[0, 0, 0], [1, 1, 255], [2, 1, 255], [3, 0, 0]])
        """
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
        """Pixels per 8-bit value on the reference's polyp (all quadrants), shape (256,).

        Example:
            >>> reference = np.array([[True, True, False]])
            >>> table = ImageHistogram.of(np.array([[9, 9, 0]], np.uint8), reference)
            >>> int(table.foreground[9]), int(table.foreground.sum())
            (2, 2)
        """
        return self.counts[:, 1].sum(axis=0)

    @property
    def background(self) -> np.ndarray:
        """Pixels per 8-bit value on the reference's background (all quadrants), shape (256,).

        Example:
            >>> reference = np.array([[True, True, False]])
            >>> table = ImageHistogram.of(np.array([[9, 9, 0]], np.uint8), reference)
            >>> int(table.background[0]), int(table.background.sum())
            (1, 1)
        """
        return self.counts[:, 0].sum(axis=0)


def quantised_counts(counts: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Re-bin counts per 8-bit value onto the toolbox's 256 threshold levels.

    The toolbox bins the rescaled map as ``uint8(p * 255)`` (truncation).

    Args:
        counts: Pixels per 8-bit value of the map, shape (256,).
        values: The rescaled probability of each 8-bit value (:func:`rescaled_values`).

    Returns:
        int64 pixels per level ``uint8(p * 255)`` of the rescaled map, shape (256,).

    Example:
        >>> present = np.zeros(256, bool); present[[51, 255]] = True
        >>> counts = np.zeros(256); counts[51], counts[255] = 3, 1  # 3 pixels of 0.2, 1 of 1.0
        >>> levels = quantised_counts(counts, rescaled_values(present))  # 0.2 -> 0, 1.0 -> 1
        >>> levels.nonzero()[0].tolist(), levels[[0, 255]].tolist()
        ([0, 255], [3, 1])
    """
    levels = (values * 255).astype(np.uint8)
    return np.bincount(levels, weights=counts, minlength=256).astype(np.int64)
