"""The PraNet protocol: the scores of the polyp-segmentation benchmark tables.

PraNet's evaluation toolbox (and ``pysodmetrics``, which reproduces it) reads 8-bit maps:
the reference is polyp where > 128, the prediction is rescaled per image to [0, 1] by its own
min and max, then binarised at the 256 levels ``uint8(p * 255) >= t``. Outputs and their
conventions:

- ``mdice``, ``miou``: Dice and IoU averaged over the 256 thresholds of the mean over images
  (the tables' mDice and mIoU); ``max_dice``, ``max_iou``: the best threshold instead;
- ``mean_e_measure``, ``max_e_measure``: E-measure (Fan et al. 2018) over the thresholds,
  mean and max of the mean over images; ``adaptive_e_measure``: at ``2 * mean(p)`` per image;
- ``s_measure``: S-measure, alpha 0.5; ``weighted_f_measure``: Fw, beta 1; ``mae``: mean
  absolute error of the rescaled map. All three are means over images.

Inputs are read as in :mod:`kvasir_seg.scores.inputs`; float probabilities are quantised to
8 bits (``round(p * 255)``) first, as the toolbox only ever sees saved PNG maps. The lowest
threshold (``>= 0``) counts every pixel as polyp, so even an empty prediction has a non-zero
Dice there; an empty reference scores Dice and IoU 0 at every threshold and Fw 0.

    >>> import numpy as np
    >>> reference = np.zeros((8, 8), bool); reference[2:6, 2:6] = True
    >>> scores = PraNetAccumulator()
    >>> scores.update(reference.astype(np.float32), reference)
    >>> round(scores.result()["s_measure"], 6)
    1.0
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from kvasir_seg.errors import MetricInputError
from kvasir_seg.scores.accumulator import Rows, ScoreAccumulator
from kvasir_seg.scores.histograms import ImageHistogram, quantised_counts, rescaled_values
from kvasir_seg.scores.inputs import coerce_pair, prediction_to_uint8
from kvasir_seg.scores.structure_measure import EPS, s_measure
from kvasir_seg.scores.weighted_fmeasure import weighted_f_measure

#: The curves over the 256 thresholds that the protocol keeps (summed over images).
CURVE_NAMES = ("dice", "iou", "e_measure")
#: The threshold of each curve index, on the per-image rescaled map: 1, 254/255, ..., 0.
THRESHOLDS = np.arange(255, -1, -1) / 255

#: Per-image output names of the PraNet protocol, in output order.
PER_IMAGE_NAMES = (
    "dice",
    "iou",
    "mean_e_measure",
    "adaptive_e_measure",
    "s_measure",
    "weighted_f_measure",
    "mae",
)


def _safe_divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """``numerator / denominator`` with 0 where the denominator is 0 (the toolbox's rule)."""
    out = np.zeros(np.shape(denominator), dtype=np.float64)
    np.divide(numerator, denominator, out=out, where=denominator != 0)
    return out


def e_measure(hits: Any, false_alarms: Any, polyp: int, size: int) -> Any:
    """The E-measure (enhanced alignment, Fan et al. 2018) of a binary map, from its counts.

    As in the PraNet toolbox and pysodmetrics, the image's alignment is summed over its N
    pixels and divided by N - 1, so a perfect map scores N / (N - 1), slightly above 1.

    Args:
        hits: Predicted-polyp pixels on the reference's polyp: a number, or an array of one
            count per threshold.
        false_alarms: Predicted-polyp pixels on the reference's background, likewise.
        polyp: The reference's polyp pixels.
        size: All pixels of the image.

    Returns:
        The E-measure, in [0, N / (N - 1)]: a float, or an array shaped as ``hits``.

    Example:
        >>> round(e_measure(4, 0, 4, 16), 4)  # perfect on 16 pixels: 16 / 15
        1.0667
        >>> e_measure(np.array([2, 4]), np.array([0, 2]), 4, 16).round(4).tolist()
        [0.795, 0.8819]
    """
    predicted = hits + false_alarms
    predicted_background = size - predicted
    if polyp == 0:
        total = predicted_background
    elif polyp == size:
        total = predicted
    else:
        misses = polyp - hits
        correct_background = predicted_background - misses
        mean_prediction = predicted / size
        mean_reference = polyp / size
        parts = (
            (hits, 1 - mean_prediction, 1 - mean_reference),
            (false_alarms, 1 - mean_prediction, -mean_reference),
            (misses, -mean_prediction, 1 - mean_reference),
            (correct_background, -mean_prediction, -mean_reference),
        )
        total = 0.0
        for count, deviation_prediction, deviation_reference in parts:
            alignment = (
                2
                * deviation_prediction
                * deviation_reference
                / (deviation_prediction**2 + deviation_reference**2 + EPS)
            )
            total = total + (alignment + 1) ** 2 / 4 * count
    return total / (size - 1 + EPS)


@dataclass(frozen=True)
class PraNetImageStatistics:
    """What the PraNet protocol keeps of one image (about 4 KiB, whatever its size).

    Build it with :meth:`PraNetAccumulator.measure`.

    Args:
        foreground_levels: Pixels per threshold level ``uint8(p * 255)`` of the rescaled
            map on the reference's polyp, int64, shape (256,).
        background_levels: The same on the reference's background.
        s_measure: The image's S-measure.
        adaptive_e_measure: Its E-measure at the threshold ``2 * mean(p)``.
        weighted_f_measure: Its weighted F-measure.
        mae: Its mean absolute error.

    Example:
        >>> reference = np.zeros((4, 4), bool); reference[1:3, 1:3] = True
        >>> prediction = reference.astype(np.uint8) * 255
        >>> image = PraNetAccumulator().measure(prediction, reference)
        >>> int(image.foreground_levels[255]), int(image.background_levels[0]), image.mae
        (4, 12, 0.0)
    """

    foreground_levels: np.ndarray
    background_levels: np.ndarray
    s_measure: float
    adaptive_e_measure: float
    weighted_f_measure: float
    mae: float

    def to_columns(self) -> tuple[list[float], list[int]]:
        """The statistics as two flat records, as the torch metric and ``evaluate`` store them.

        Returns:
            ``(prediction side, reference side)``: 516 floats (the two level histograms,
            then the S-measure, adaptive E-measure, weighted F-measure and MAE) and 2 ints
            (the reference's polyp pixels and all pixels).

        Example:
            >>> image = PraNetAccumulator().measure(np.eye(4), np.eye(4, dtype=bool))
            >>> prediction_side, reference_side = image.to_columns()
            >>> len(prediction_side), reference_side
            (516, [4, 16])
        """
        scalars = [self.s_measure, self.adaptive_e_measure, self.weighted_f_measure, self.mae]
        polyp = int(self.foreground_levels.sum())
        size = polyp + int(self.background_levels.sum())
        levels = np.concatenate([self.foreground_levels, self.background_levels])
        return levels.astype(np.float64).tolist() + scalars, [polyp, size]

    @classmethod
    def from_columns(
        cls, prediction: Sequence[float], reference: Sequence[int]
    ) -> PraNetImageStatistics:
        """The statistics of two records from :meth:`to_columns` (its inverse).

        Args:
            prediction: The 516 floats of the prediction side.
            reference: The 2 ints of the reference side (unused: the histograms hold them).

        Returns:
            The image's statistics.

        Example:
            >>> image = PraNetAccumulator().measure(np.eye(4), np.eye(4, dtype=bool))
            >>> PraNetImageStatistics.from_columns(*image.to_columns()).s_measure == image.s_measure
            True
        """
        values = np.asarray(prediction, dtype=np.float64)
        levels = values[:512].astype(np.int64)
        s, adaptive, weighted, mae = (float(v) for v in values[512:516])
        return cls(levels[:256], levels[256:], s, adaptive, weighted, mae)

    def curves(self) -> dict[str, np.ndarray]:
        """The image's Dice, IoU and E-measure at each of the 256 thresholds.

        Returns:
            ``{"dice": ..., "iou": ..., "e_measure": ...}``, float64 arrays of 256: index
            ``k`` is the threshold ``THRESHOLDS[k]``, highest first; the last one
            (``>= 0``) counts every pixel as polyp.

        Example:
            >>> reference = np.zeros((4, 4), bool); reference[1:3, 1:3] = True
            >>> prediction = np.zeros((4, 4), np.uint8); prediction[1:3, 1:4] = 255
            >>> curves = PraNetAccumulator().measure(prediction, reference).curves()
            >>> curves["dice"][[0, 255]].tolist()  # 4 polyp pixels of 6; all 16 pixels
            [0.8, 0.4]
        """
        hits = np.cumsum(self.foreground_levels[::-1])
        false_alarms = np.cumsum(self.background_levels[::-1])
        polyp = int(self.foreground_levels.sum())
        size = polyp + int(self.background_levels.sum())
        return {
            "dice": _safe_divide(2 * hits, polyp + hits + false_alarms),
            "iou": _safe_divide(hits, polyp + false_alarms),
            "e_measure": e_measure(hits, false_alarms, polyp, size),
        }


def pranet_image_statistics(prediction: np.ndarray, reference: np.ndarray) -> PraNetImageStatistics:
    """Measure one 8-bit map against its reference: the PraNet protocol's per-image step.

    The inputs are not checked: :meth:`PraNetAccumulator.measure` checks them first.

    Args:
        prediction: The uint8 H x W map (:func:`~kvasir_seg.scores.inputs.prediction_to_uint8`).
        reference: The bool H x W reference, same shape.

    Returns:
        The image's statistics: level histograms of the min-max rescaled map and its
        per-image scores.

    Example:
        >>> reference = np.zeros((4, 4), bool); reference[1:3, 1:3] = True
        >>> prediction = np.zeros((4, 4), np.uint8); prediction[1:3, 1:4] = 255
        >>> image = pranet_image_statistics(prediction, reference)
        >>> round(image.s_measure, 4), round(image.weighted_f_measure, 4), image.mae
        (0.8312, 0.7798, 0.125)
    """
    table = ImageHistogram.of(prediction, reference)
    foreground, background = table.foreground, table.background
    values = rescaled_values((foreground + background) > 0)
    rescaled = values[prediction]
    polyp, size = int(foreground.sum()), reference.size

    threshold = min(2 * rescaled.mean(), 1)
    selected = values >= threshold
    adaptive = e_measure(
        int(foreground[selected].sum()), int(background[selected].sum()), polyp, size
    )
    mae = (float(background @ values) + float(foreground @ (1 - values))) / size
    return PraNetImageStatistics(
        foreground_levels=quantised_counts(foreground, values),
        background_levels=quantised_counts(background, values),
        s_measure=s_measure(table, values, rescaled),
        adaptive_e_measure=float(adaptive),
        weighted_f_measure=weighted_f_measure(rescaled, reference),
        mae=mae,
    )


class PraNetAccumulator(ScoreAccumulator[PraNetImageStatistics]):
    """The PraNet protocol's scores, image by image: the benchmark tables' convention.

    Keeps the running sums of the three 256-threshold curves and seven numbers per image,
    never the masks (see the module doc for the conventions). As input, :meth:`update`
    takes one image at a time:

    - ``prediction``: an H x W map (numpy array, PIL image, nested lists, a CPU tensor;
      H x W x 1 and 1 x H x W too): probabilities in [0, 1] (quantised to 8 bits as
      ``round(p * 255)``), an 8-bit map (integers in 0..255), or a binary mask (bool, or
      integers all 0 or 1, read as 0/255);
    - ``reference``: its binary ground truth, bool, {0, 1} or {0, 255}
      (:mod:`kvasir_seg.scores.inputs`).

    :meth:`result` returns ``mdice``, ``miou``, ``max_dice``, ``max_iou``, ``s_measure``,
    ``mean_e_measure``, ``max_e_measure``, ``adaptive_e_measure``, ``weighted_f_measure``
    and ``mae`` as floats, and the int ``num_images``. All lie in [0, 1] but the three
    E-measures, which reach N / (N - 1) on an image of N pixels (see :func:`e_measure`).

    Args:
        resize: The Pillow filter applied first to a prediction whose size differs from
            its reference's, before the map is read as 8 bits
            (:mod:`kvasir_seg.scores.resize`); ``"none"`` refuses a size mismatch.

    Raises:
        MetricInputError: If ``resize`` is unknown.

    Example:
        >>> reference = np.zeros((4, 4), bool); reference[1:3, 1:3] = True
        >>> prediction = np.zeros((4, 4), np.uint8); prediction[1:3, 1:4] = 255
        >>> scores = PraNetAccumulator()
        >>> scores.update(prediction, reference)
        >>> result = scores.result()
        >>> result["max_dice"], round(result["mdice"], 4), result["mae"]
        (0.8, 0.7984, 0.125)
        >>> scores = PraNetAccumulator(resize="nearest")  # a 2 x 2 map for a 4 x 4 mask
        >>> scores.update(np.ones((2, 2)), np.ones((4, 4), bool))
        >>> scores.result()["mae"]
        0.0
    """

    protocol = "pranet"

    def __init__(self, resize: str = "none") -> None:
        super().__init__(resize)
        self._curve_sums = {name: np.zeros(256) for name in CURVE_NAMES}
        self._rows = Rows(len(PER_IMAGE_NAMES), np.float64)

    def measure(self, prediction: Any, reference: Any) -> PraNetImageStatistics:
        """The statistics of one pair, after every input check.

        Args:
            prediction: The predicted map (:mod:`kvasir_seg.scores.inputs`).
            reference: Its binary ground-truth mask.

        Returns:
            The image's histograms and scores; the accumulator's state is not changed.

        Raises:
            MetricInputError: If a mask is refused (values, shape, size mismatch).

        Example:
            >>> PraNetAccumulator().measure(np.ones((2, 2)), np.ones((2, 2), bool)).mae
            0.0
        """
        prediction, reference = coerce_pair(prediction, reference, self.resize)
        return pranet_image_statistics(prediction_to_uint8(prediction), reference)

    def add_columns(
        self, prediction: Sequence[float], reference: Sequence[int], **kwargs: Any
    ) -> None:
        """Keep one image's statistics given as :meth:`PraNetImageStatistics.to_columns` records.

        The torch metric and the ``evaluate`` module store these records and fold them back
        here to compute.

        Args:
            prediction: The record's prediction side (516 floats).
            reference: Its reference side (2 ints).
            **kwargs: ``image_id`` and ``inference_time``, as :meth:`add` takes them.

        Raises:
            MetricInputError: If :meth:`add` refuses the id or time.

        Example:
            >>> scores = PraNetAccumulator()
            >>> scores.add_columns(*scores.measure(np.eye(4), np.eye(4, dtype=bool)).to_columns())
            >>> scores.result()["mae"]
            0.0
        """
        self.add(PraNetImageStatistics.from_columns(prediction, reference), **kwargs)

    def _fold(self, statistics: PraNetImageStatistics) -> None:
        curves = statistics.curves()
        for name, curve in curves.items():
            self._curve_sums[name] += curve
        self._rows.append(
            [
                curves["dice"].mean(),
                curves["iou"].mean(),
                curves["e_measure"].mean(),
                statistics.adaptive_e_measure,
                statistics.s_measure,
                statistics.weighted_f_measure,
                statistics.mae,
            ]
        )

    def curves(self) -> dict[str, np.ndarray]:
        """The mean Dice, IoU and E-measure over the images at each of the 256 thresholds.

        These are the curves that ``mdice``, ``max_dice`` and the E-measures reduce (and
        that ``kvasir-seg report`` plots).

        Returns:
            ``{"dice": ..., "iou": ..., "e_measure": ...}``, float64 arrays of 256: index
            ``k`` is the threshold ``THRESHOLDS[k]``, ``(255 - k) / 255`` of the
            rescaled map, highest first.

        Raises:
            MetricInputError: If no image was added.

        Example:
            >>> scores = PraNetAccumulator()
            >>> scores.update(np.eye(3), np.eye(3, dtype=bool))
            >>> dice = scores.curves()["dice"]
            >>> dice.shape, float(dice[0]), float(dice[255])  # every pixel is polyp at >= 0
            ((256,), 1.0, 0.5)
        """
        if not len(self):
            raise MetricInputError("No image was scored: the curves need at least one image.")
        return {name: total / len(self) for name, total in self._curve_sums.items()}

    def _reduce(self) -> dict[str, float]:
        curves = self.curves()
        dice, iou, e_curve = (curves[name] for name in CURVE_NAMES)
        means = self._rows.view().mean(axis=0)
        by_name = dict(zip(PER_IMAGE_NAMES, means.tolist(), strict=True))
        return {
            "mdice": float(dice.mean()),
            "miou": float(iou.mean()),
            "max_dice": float(dice.max()),
            "max_iou": float(iou.max()),
            "s_measure": by_name["s_measure"],
            "mean_e_measure": float(e_curve.mean()),
            "max_e_measure": float(e_curve.max()),
            "adaptive_e_measure": by_name["adaptive_e_measure"],
            "weighted_f_measure": by_name["weighted_f_measure"],
            "mae": by_name["mae"],
        }

    def _per_image_rows(self) -> list[dict[str, float]]:
        return [dict(zip(PER_IMAGE_NAMES, row, strict=True)) for row in self._rows.view().tolist()]
