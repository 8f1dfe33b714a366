"""The dataset authors' scores as Keras 3 metrics, for ``model.compile(metrics=[...])``.

Each metric is the default protocol of :mod:`kvasir_seg.scores`: per image, ``y_pred >
threshold`` against ``y_true > 0.5`` (0/1 and 0/255 masks alike), that image's score, then
the mean over images (NanoNet's convention), with the empty-mask values that
:mod:`kvasir_seg.scores.confusion` documents (an empty prediction on an empty reference
scores dice 0, iou 0, recall 0, precision 1, specificity 1, accuracy 1, f2 1). After
``model.evaluate`` they equal ``compute_scores`` on the same masks (within 1e-5).

    >>> import keras
    >>> from kvasir_seg_tfds.keras import DiceScore, IoUScore, PerImageScores
    >>> metrics = [DiceScore(), IoUScore(), PerImageScores()]
    >>> model.compile("adam", "binary_crossentropy", metrics=metrics)  # doctest: +SKIP

``DiceScore`` logs ``dice``, ``IoUScore`` ``iou``, and ``PerImageScores`` ``precision``,
``recall``, ``specificity``, ``accuracy`` and ``f2``. Inputs are batches (N x H x W x 1 or
N x H x W) whose first axis is the image; predictions are probabilities (or logits with
``from_logits=True``): inside a compiled graph they cannot be range-checked. A
``sample_weight`` weighs whole images (shape N). Needs Keras 3, not ``datasets``.
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from kvasir_seg.scores.confusion import SCORE_NAMES
from kvasir_seg.scores.inputs import check_threshold
from kvasir_seg.scores.kernel import score_ratios

__all__ = ["DiceScore", "IoUScore", "PerImageScores"]


@keras.saving.register_keras_serializable(package="kvasir_seg")
class PerImageScores(keras.metrics.Metric):
    """Mean over images of per-image default-protocol scores (see the module doc).

    ``scores`` picks the names (by default the five that :class:`DiceScore` and
    :class:`IoUScore` leave); ``result()`` is a dict of them, which Keras logs by name.

        >>> metric = PerImageScores(scores=("recall",))
        >>> metric.update_state([[[1.0, 0.0]]], [[[0.9, 0.8]]])
        >>> float(metric.result()["recall"])
        1.0
    """

    def __init__(
        self,
        scores: tuple[str, ...] = ("precision", "recall", "specificity", "accuracy", "f2"),
        threshold: float = 0.5,
        from_logits: bool = False,
        name: str = "per_image_scores",
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name, **kwargs)
        unknown = sorted(set(scores) - set(SCORE_NAMES))
        if unknown or not scores:
            raise ValueError(
                f"Unknown scores {unknown or list(scores)}; choose from {', '.join(SCORE_NAMES)}."
            )
        self.scores = tuple(scores)
        self.threshold = check_threshold(threshold)
        self.from_logits = bool(from_logits)
        # float64 sums: a mean over thousands of images keeps the engine's precision.
        self.totals = self.add_variable(
            shape=(len(self.scores),), initializer="zeros", dtype="float64", name="totals"
        )
        self.images = self.add_variable(
            shape=(), initializer="zeros", dtype="float64", name="images"
        )

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Add the per-image scores of a batch."""
        y_pred = ops.convert_to_tensor(y_pred)
        if self.from_logits:
            y_pred = ops.sigmoid(y_pred)
        predicted = ops.cast(ops.greater(y_pred, self.threshold), "int32")
        reference = ops.cast(ops.greater(ops.cast(y_true, "float32"), 0.5), "int32")
        axes = tuple(range(1, len(predicted.shape)))
        tp = ops.sum(predicted * reference, axis=axes)
        positives, polyp = ops.sum(predicted, axis=axes), ops.sum(reference, axis=axes)
        pixels = ops.sum(ops.ones_like(reference), axis=axes)
        fp, fn = positives - tp, polyp - tp
        counts = (ops.cast(c, "float64") for c in (tp, fp, fn, pixels - tp - fp - fn))
        ratios = score_ratios(*counts)
        per_image = ops.stack([_ratio(*ratios[name]) for name in self.scores], axis=1)
        weights = ops.ones_like(per_image[:, 0])
        if sample_weight is not None:
            weights = ops.cast(ops.reshape(sample_weight, (-1,)), "float64") * weights
        self.totals.assign_add(ops.sum(per_image * weights[:, None], axis=0))
        self.images.assign_add(ops.sum(weights))

    def result(self) -> Any:
        means = ops.divide_no_nan(self.totals, self.images)
        return {name: means[i] for i, name in enumerate(self.scores)}

    def reset_state(self) -> None:
        self.totals.assign(ops.zeros_like(self.totals))
        self.images.assign(ops.zeros_like(self.images))

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "scores": list(self.scores),
            "threshold": self.threshold,
            "from_logits": self.from_logits,
        }


class _OneScore(PerImageScores):
    """One score of :class:`PerImageScores`, logged as a plain number."""

    score: str = ""

    def __init__(
        self,
        threshold: float = 0.5,
        from_logits: bool = False,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.pop("scores", None)  # in configs saved by get_config
        super().__init__((self.score,), threshold, from_logits, name=name or self.score, **kwargs)

    def result(self) -> Any:
        return super().result()[self.score]


@keras.saving.register_keras_serializable(package="kvasir_seg")
class DiceScore(_OneScore):
    """Mean over images of the per-image Dice (F1); logged as ``dice``.

    >>> metric = DiceScore()
    >>> metric.update_state([[[1.0, 0.0]], [[0.0, 0.0]]], [[[0.9, 0.2]], [[0.1, 0.1]]])
    >>> float(metric.result())  # (1 + 0) / 2: an empty pair scores 0
    0.5
    """

    score = "dice"


@keras.saving.register_keras_serializable(package="kvasir_seg")
class IoUScore(_OneScore):
    """Mean over images of the per-image IoU (Jaccard); logged as ``iou``.

    >>> metric = IoUScore()
    >>> metric.update_state([[[1.0, 1.0]]], [[[0.9, 0.2]]])
    >>> float(metric.result())
    0.5
    """

    score = "iou"


def _ratio(numerator: Any, denominator: Any, when_zero: float) -> Any:
    """``numerator / denominator``, ``when_zero`` where the denominator is 0."""
    defined = ops.greater(denominator, 0)
    quotient = numerator / ops.where(defined, denominator, ops.ones_like(denominator))
    return ops.where(defined, quotient, ops.full_like(quotient, when_zero))
