"""The default protocol: confusion counts of thresholded masks, and the scores made of them.

Per image the prediction is thresholded (``> threshold``, 0.5 by default) and compared with
the reference; only the four counts are kept. ``result()`` reports three families, each
following a named convention:

- ``dice``, ``iou``, ``precision``, ``recall``, ``specificity``, ``accuracy``, ``f2``: the
  **mean over images** of per-image scores, as the dataset authors report them (NanoNet:
  scikit-learn's ``jaccard_score``, ``f1_score``, ``recall_score``,
  ``precision_score(zero_division=1)``, ``accuracy_score``,
  ``fbeta_score(beta=2, zero_division=1)`` per image, then the mean), summed in the order
  the images came (:func:`mean_in_order`), as the Keras metrics sum them batch by batch;
- ``pooled_*``: the same formulas on the counts **summed over all pixels** of all images;
- ``two_class_mean_iou``: Hugging Face ``evaluate``'s ``mean_iou`` on 0/1 label maps with
  ``num_labels=2``: pooled counts, IoU of background and of polyp, their mean (a class that
  never occurs in prediction nor reference is left out, as ``nanmean`` does).

When a ratio's denominator is zero the value is what scikit-learn returns as NanoNet called
it: 0 for IoU, Dice, recall and specificity; 1 for precision and F2. So an image with an
empty reference and an empty prediction scores dice 0, iou 0, recall 0, precision 1,
specificity 1, accuracy 1, f2 1.

    >>> import numpy as np
    >>> scores = DefaultAccumulator(threshold=0.5)
    >>> scores.update(np.array([[0.9, 0.2], [0.8, 0.1]]), np.array([[1, 0], [0, 0]], np.uint8))
    >>> round(scores.result()["dice"], 4)
    0.6667
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from kvasir_seg.score_settings import DEFAULT_THRESHOLD, check_threshold
from kvasir_seg.scores import kernel
from kvasir_seg.scores.accumulator import Rows, ScoreAccumulator
from kvasir_seg.scores.inputs import binarize_prediction, coerce_pair

#: Score names of the default protocol, in output order.
SCORE_NAMES = ("dice", "iou", "precision", "recall", "specificity", "accuracy", "f2")


class ConfusionCounts(NamedTuple):
    """The pixel counts of one image: true and false positives, false and true negatives.

    Args:
        tp: Pixels predicted polyp that are polyp in the reference.
        fp: Pixels predicted polyp that are background.
        fn: Polyp pixels predicted background.
        tn: Background pixels predicted background.

    Example:
        >>> counts = ConfusionCounts(tp=3, fp=1, fn=0, tn=4)
        >>> sum(counts), counts.tp
        (8, 3)
    """

    tp: int
    fp: int
    fn: int
    tn: int

    def to_columns(self) -> tuple[list[float], list[int]]:
        """The counts as two flat records, as the torch metric and ``evaluate`` module store them.

        Returns:
            ``([tp, fp], [polyp pixels, all pixels])``: what depends on the prediction (as
            floats) and what depends on the reference alone (as ints).

        Example:
            >>> ConfusionCounts(tp=1, fp=1, fn=0, tn=2).to_columns()
            ([1.0, 1.0], [1, 4])
        """
        return [float(self.tp), float(self.fp)], [self.tp + self.fn, sum(self)]

    @classmethod
    def from_columns(cls, prediction: Sequence[float], reference: Sequence[int]) -> ConfusionCounts:
        """The counts of two records from :meth:`to_columns` (its inverse).

        Args:
            prediction: ``[tp, fp]`` (numbers that are whole).
            reference: ``[polyp pixels, all pixels]``.

        Returns:
            The counts; ``fn`` and ``tn`` are derived from the reference's totals.

        Example:
            >>> ConfusionCounts.from_columns([1.0, 1.0], [1, 4])
            ConfusionCounts(tp=1, fp=1, fn=0, tn=2)
        """
        tp, fp = int(prediction[0]), int(prediction[1])
        polyp, pixels = int(reference[0]), int(reference[1])
        return cls(tp, fp, polyp - tp, pixels - polyp - fp)


def confusion_counts(predicted: np.ndarray, reference: np.ndarray) -> ConfusionCounts:
    """The confusion counts of a predicted bool mask against a bool reference.

    Counted by :func:`~kvasir_seg.scores.kernel.confusion`, as every way of scoring does.

    Args:
        predicted: The bool mask of predicted polyp (e.g. from
            :func:`~kvasir_seg.scores.inputs.binarize_prediction`).
        reference: The bool reference mask, same shape.

    Returns:
        The four counts, as Python ints.

    Example:
        >>> confusion_counts(np.array([True, True, False]), np.array([True, False, False]))
        ConfusionCounts(tp=1, fp=1, fn=0, tn=1)
    """
    counts = kernel.confusion(np, predicted, reference, reference.size)
    return ConfusionCounts(*(int(count) for count in counts))


def scores_from_counts(counts: np.ndarray) -> dict[str, np.ndarray]:
    """The default-protocol scores of confusion counts, for one image, many, or pooled sums.

    Zero denominators give scikit-learn's values (see the module doc).

    Args:
        counts: Integers shaped (..., 4) as (tp, fp, fn, tn): one image (4,), N images
            (N, 4) or counts summed over images.

    Returns:
        ``{score: float64 array of shape (...)}`` for the names of :data:`SCORE_NAMES`.

    Example:
        >>> scores_from_counts(np.array([[1, 1, 0, 2], [0, 0, 0, 4]]))["dice"].round(4).tolist()
        [0.6667, 0.0]
        >>> float(scores_from_counts(np.array([0, 0, 0, 10]))["precision"])  # no positives
        1.0
    """
    counts = np.asarray(counts, dtype=np.float64)  # exact: counts stay far below 2**53
    return kernel.scores(np, *(counts[..., i] for i in range(4)))


def mean_in_order(values: np.ndarray) -> float:
    """The mean of per-image scores, summed one image after the other in image order.

    Not numpy's pairwise ``mean``: a metric that streams batches (the Keras metrics) adds
    in this order too, so every way of scoring gives the same float, not one a few ulps apart.

    Args:
        values: One score per image, in the order the images came (at least one).

    Returns:
        Their sum, added left to right, divided by their number.

    Example:
        >>> mean_in_order(np.array([0.1, 0.2, 0.3]))
        0.20000000000000004
    """
    return float(np.add.accumulate(values)[-1] / len(values))


def two_class_mean_iou(pooled: np.ndarray) -> float:
    """Hugging Face ``evaluate``'s ``mean_iou`` with two labels, from pooled counts.

    The IoU of the background and the IoU of the polyp, averaged; a class absent from both
    the predictions and the references is left out (``evaluate`` uses ``nanmean``).

    Args:
        pooled: ``(tp, fp, fn, tn)`` summed over all images (at least one pixel).

    Returns:
        The mean of the two IoUs, in [0, 1].

    Example:
        >>> two_class_mean_iou(np.array([3, 1, 0, 4]))  # polyp 3/4, background 4/5
        0.775
        >>> two_class_mean_iou(np.array([0, 0, 0, 4]))  # no polyp anywhere: background only
        1.0
    """
    tp, fp, fn, tn = (int(v) for v in pooled)
    # (intersection, union) of background and polyp; a class absent from both is skipped.
    classes = [(tn, tn + fp + fn), (tp, tp + fp + fn)]
    ious = [intersection / union for intersection, union in classes if union]
    return sum(ious) / len(ious)


class DefaultAccumulator(ScoreAccumulator[ConfusionCounts]):
    """The default protocol's scores, image by image: the dataset authors' convention.

    Keeps four counts per image, never the masks (see the module doc for the conventions).
    As input, :meth:`update` takes one image at a time:

    - ``prediction``: an H x W mask (numpy array, PIL image, nested lists, a CPU tensor;
      H x W x 1 and 1 x H x W too): probabilities in [0, 1], an 8-bit map (integers in
      0..255, read as value / 255), or a binary mask (bool, or integers all 0 or 1);
    - ``reference``: its binary ground truth, bool, {0, 1} or {0, 255}
      (:mod:`kvasir_seg.scores.inputs`).

    :meth:`result` returns floats in [0, 1]: ``dice``, ``iou``, ``precision``, ``recall``,
    ``specificity``, ``accuracy``, ``f2`` (means over images), ``pooled_dice`` ...
    ``pooled_f2`` (counts summed over images), ``two_class_mean_iou``, and the int
    ``num_images``.

    Args:
        threshold: A probability strictly above it is polyp (an 8-bit map: value / 255
            above it), in [0, 1]; binary predictions are used as they are.
        resize: The Pillow filter (``"nearest"``, ``"bilinear"``, ``"bicubic"``) applied
            first to a prediction whose size differs from its reference's
            (:mod:`kvasir_seg.scores.resize`); ``"none"`` refuses a size mismatch.

    Raises:
        MetricInputError: If ``threshold`` is not in [0, 1] or ``resize`` is unknown.

    Example:
        >>> scores = DefaultAccumulator(threshold=0.5)
        >>> scores.update(np.array([[0.9, 0.2], [0.8, 0.1]]), np.array([[1, 0], [1, 1]]))
        >>> scores.update(np.zeros((2, 2)), np.zeros((2, 2), bool))  # empty pair: Dice 0
        >>> result = scores.result()
        >>> result["dice"], result["pooled_dice"], result["two_class_mean_iou"]
        (0.4, 0.8, 0.75)
    """

    protocol = "default"

    def __init__(self, threshold: float = DEFAULT_THRESHOLD, resize: str = "none") -> None:
        super().__init__(resize)
        self.threshold = check_threshold(threshold)
        self._counts = Rows(4, np.int64)

    def measure(self, prediction: Any, reference: Any) -> ConfusionCounts:
        """The confusion counts of one pair, after every input check.

        Args:
            prediction: The predicted mask (:mod:`kvasir_seg.scores.inputs`).
            reference: Its binary ground-truth mask.

        Returns:
            The image's counts; the accumulator's state is not changed.

        Raises:
            MetricInputError: If a mask is refused (values, shape, size mismatch).

        Example:
            >>> DefaultAccumulator().measure(np.array([[0.9, 0.1]]), np.array([[1, 1]]))
            ConfusionCounts(tp=1, fp=0, fn=1, tn=0)
        """
        prediction, reference = coerce_pair(prediction, reference, self.resize)
        return confusion_counts(binarize_prediction(prediction, self.threshold), reference)

    def add_columns(
        self, prediction: Sequence[float], reference: Sequence[int], **kwargs: Any
    ) -> None:
        """Keep one image's counts given as records from :meth:`ConfusionCounts.to_columns`.

        The torch metric and the ``evaluate`` module store these records and fold them back
        here to compute.

        Args:
            prediction: The record's prediction side, ``[tp, fp]``.
            reference: Its reference side, ``[polyp pixels, all pixels]``.
            **kwargs: ``image_id`` and ``inference_time``, as :meth:`add` takes them.

        Raises:
            MetricInputError: If :meth:`add` refuses the id or time.

        Example:
            >>> scores = DefaultAccumulator()
            >>> scores.add_columns([1.0, 1.0], [1, 4])
            >>> scores.result()["dice"]
            0.6666666666666666
        """
        self.add(ConfusionCounts.from_columns(prediction, reference), **kwargs)

    def _fold(self, statistics: ConfusionCounts) -> None:
        self._counts.append(statistics)

    def _reduce(self) -> dict[str, float]:
        counts = self._counts.view()
        per_image = scores_from_counts(counts)
        pooled_counts = counts.sum(axis=0)
        pooled = scores_from_counts(pooled_counts)
        result = {name: mean_in_order(per_image[name]) for name in SCORE_NAMES}
        result.update({f"pooled_{name}": float(pooled[name]) for name in SCORE_NAMES})
        result["two_class_mean_iou"] = two_class_mean_iou(pooled_counts)
        return result

    def _per_image_rows(self) -> list[dict[str, float]]:
        counts = self._counts.view()
        per_image = scores_from_counts(counts)
        columns = {name: per_image[name].tolist() for name in SCORE_NAMES}
        columns.update(
            {name: counts[:, i].tolist() for i, name in enumerate(ConfusionCounts._fields)}
        )
        names = list(columns)
        return [
            dict(zip(names, values, strict=True)) for values in zip(*columns.values(), strict=True)
        ]
