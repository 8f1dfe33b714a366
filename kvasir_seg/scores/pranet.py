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
    """Enhanced-alignment measure from counts of predicted-polyp pixels.

    ``hits`` and ``false_alarms`` are the predicted-polyp pixels on the reference's polyp and
    background, scalars or one value per threshold; ``polyp`` and ``size`` are the
    reference's polyp pixels and all pixels.
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

    The histograms count pixels per threshold level (``uint8(p * 255)``) on the reference's
    polyp and background; the other fields are that image's scores.
    """

    foreground_levels: np.ndarray
    background_levels: np.ndarray
    s_measure: float
    adaptive_e_measure: float
    weighted_f_measure: float
    mae: float

    def to_columns(self) -> tuple[list[float], list[int]]:
        """Flat (prediction-side, reference-side) records for storage, e.g. Arrow."""
        scalars = [self.s_measure, self.adaptive_e_measure, self.weighted_f_measure, self.mae]
        polyp = int(self.foreground_levels.sum())
        size = polyp + int(self.background_levels.sum())
        levels = np.concatenate([self.foreground_levels, self.background_levels])
        return levels.astype(np.float64).tolist() + scalars, [polyp, size]

    @classmethod
    def from_columns(
        cls, prediction: Sequence[float], reference: Sequence[int]
    ) -> PraNetImageStatistics:
        """Inverse of :meth:`to_columns`."""
        values = np.asarray(prediction, dtype=np.float64)
        levels = values[:512].astype(np.int64)
        s, adaptive, weighted, mae = (float(v) for v in values[512:516])
        return cls(levels[:256], levels[256:], s, adaptive, weighted, mae)

    def curves(self) -> dict[str, np.ndarray]:
        """Dice, IoU and E-measure at the 256 thresholds, highest threshold first."""
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
    """Measure one 8-bit map against its bool reference (same HxW, already checked)."""
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
    """Streaming scores of the PraNet protocol (see the module doc for conventions).

    Keeps the running sums of the three 256-threshold curves and seven numbers per image.

    Args:
        resize: The Pillow filter applied first to a prediction whose size differs from
            its reference's, before the map is read as 8 bits
            (:mod:`kvasir_seg.scores.resize`); ``"none"`` refuses a size mismatch.

    Raises:
        MetricInputError: If ``resize`` is unknown.

    Example:
        >>> scores = PraNetAccumulator(resize="nearest")
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
        """Keep a record from :meth:`PraNetImageStatistics.to_columns` (e.g. read back from
        storage).

        Args:
            prediction: The record's prediction side.
            reference: Its reference side.
            **kwargs: ``image_id`` and ``inference_time``, as :meth:`add` takes them.
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
        """Mean Dice, IoU and E-measure over the images at each of the 256 thresholds.

        Index ``k`` is the threshold ``THRESHOLDS[k]`` (``(255 - k) / 255`` of the rescaled
        map, highest first): the curves that ``mdice``, ``max_dice`` and the E-measures
        reduce. Raises :class:`MetricInputError` if no image was added.

            >>> scores = PraNetAccumulator()
            >>> scores.update(np.eye(3), np.eye(3, dtype=bool))
            >>> scores.curves()["dice"].shape
            (256,)
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
