"""The dataset authors' scores as Keras 3 metrics, for ``model.compile(metrics=[...])``.

Each metric is the default protocol of :mod:`kvasir_seg.scores`, counted by the same
kernel (:mod:`kvasir_seg.scores.kernel`, here with ``keras.ops``): per image, the
prediction thresholded as the engine thresholds it (probabilities ``> threshold``, 8-bit
maps ``value / 255 > threshold``, binary masks as they are) against a binary reference
(bool, 0/1 or 0/255), that image's score, then the mean over images in image order
(NanoNet's convention), with the empty-mask values that :mod:`kvasir_seg.scores.confusion`
documents (an empty prediction on an empty reference scores dice 0, iou 0, recall 0,
precision 1, specificity 1, accuracy 1, f2 1). On the same masks they equal
``compute_scores`` exactly, eagerly, in a graph (``model.fit``, ``model.evaluate``) and
under XLA.

Example:
    >>> import keras
    >>> from kvasir_seg_tfds.keras import DiceScore, IoUScore, PerImageScores
    >>> metrics = [DiceScore(), IoUScore(), PerImageScores()]
    >>> model.compile("adam", "binary_crossentropy", metrics=metrics)  # doctest: +SKIP

``DiceScore`` logs ``dice``, ``IoUScore`` ``iou``, and ``PerImageScores`` ``precision``,
``recall``, ``specificity``, ``accuracy`` and ``f2``. Inputs are batches (N x H x W x 1,
N x 1 x H x W or N x H x W) whose first axis is the image; predictions are probabilities
(or logits with ``from_logits=True``), binary masks or 8-bit maps. A ``sample_weight``
weighs whole images (shape N). Needs Keras 3, not ``datasets``.

``resize="nearest" | "bilinear" | "bicubic"`` scores predictions at the network's size
against references at another size as ``compute_scores(..., resize=...)`` and
``kvasir-seg evaluate --resize`` do: each prediction is resized to its reference's size by
the engine (Pillow, on the host: ``tf.numpy_function`` in a TensorFlow graph, a callback
under JAX). Every reference of a batch has one size (a batch tensor). XLA cannot call the
host: with ``resize``, compile with ``jit_compile=False`` (Keras compiles with XLA by
default on a GPU), or resize the predictions in the pipeline.

Inputs that ``compute_scores`` refuses (a reference that is not binary, NaN, logits given
as probabilities, integers above 255) are refused here too. Run eagerly (``update_state``
called directly, or ``run_eagerly=True``), the error is the engine's, prefixed with the
image's place in the batch. A compiled graph cannot raise on values: there the batch makes
the metric NaN until ``reset_state``, so the log shows ``nan`` rather than a number made
of refused masks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
import numpy as np
from keras import ops

from kvasir_seg.errors import MetricInputError
from kvasir_seg.score_settings import DEFAULT_THRESHOLD, check_resize, check_threshold
from kvasir_seg.scores import kernel
from kvasir_seg.scores.confusion import SCORE_NAMES
from kvasir_seg.scores.inputs import image_of_batch, prediction_problem, reference_problem
from kvasir_seg.scores.resize import resize_prediction

__all__ = ["DiceScore", "IoUScore", "PerImageScores"]


@keras.saving.register_keras_serializable(package="kvasir_seg")
class PerImageScores(keras.metrics.Metric):
    """Mean over images of per-image default-protocol scores (see the module doc).

    ``result()`` is a dict of the ``scores``, which Keras logs by name.

    Args:
        scores: The names to keep (by default the five that :class:`DiceScore` and
            :class:`IoUScore` leave), of ``dice``, ``iou``, ``precision``, ``recall``,
            ``specificity``, ``accuracy``, ``f2``.
        threshold: A probability above it is polyp (8-bit maps: value / 255).
        from_logits: ``y_pred`` holds logits: a sigmoid is applied first.
        resize: ``"none"`` (sizes must match), or the Pillow filter that resizes each
            prediction to its reference's size first (see the module doc).
        name: The metric's name.
        kwargs: Passed to ``keras.metrics.Metric``.

    Raises:
        ValueError: If a name of ``scores`` is unknown.
        MetricInputError: If ``threshold`` or ``resize`` is refused.

    Example:
        >>> metric = PerImageScores(scores=("recall",))
        >>> metric.update_state([[[1.0, 0.0]]], [[[0.9, 0.8]]])
        >>> float(metric.result()["recall"])
        1.0
        >>> resized = PerImageScores(scores=("recall",), resize="nearest")
        >>> resized.update_state(np.ones((1, 4, 4)), np.ones((1, 2, 2), np.float32))
        >>> float(resized.result()["recall"])
        1.0
    """

    def __init__(
        self,
        scores: tuple[str, ...] = ("precision", "recall", "specificity", "accuracy", "f2"),
        threshold: float = DEFAULT_THRESHOLD,
        from_logits: bool = False,
        resize: str = "none",
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
        self.resize = check_resize(resize)
        # float64 sums: a mean over thousands of images keeps the engine's precision.
        self.totals = self.add_variable(
            shape=(len(self.scores),), initializer="zeros", dtype="float64", name="totals"
        )
        self.images = self.add_variable(
            shape=(), initializer="zeros", dtype="float64", name="images"
        )

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Add the per-image scores of a batch (see the module doc for refused inputs).

        Args:
            y_true: The reference masks, N x H x W x 1, N x 1 x H x W or N x H x W.
            y_pred: The predictions, shaped as ``y_true`` (with ``resize``, of any H x W).
            sample_weight: One weight per image (shape N), or ``None``.

        Raises:
            MetricInputError: Eagerly, for a batch the engine refuses (in a graph the
                scores become NaN instead).

        Example:
            >>> metric = PerImageScores(scores=("precision",))
            >>> metric.update_state(np.ones((2, 3, 3)), np.full((2, 3, 3), 0.9, np.float32))
            >>> metric.update_state(np.ones((1, 3, 3)), np.zeros((1, 3, 3), np.float32))
            >>> float(metric.result()["precision"])  # (1 + 1 + 1) / 3: empty predictions score 1
            1.0
        """
        y_pred = ops.convert_to_tensor(y_pred)
        if self.from_logits:
            y_pred = ops.sigmoid(y_pred)
        predictions, references = _images(y_pred, "y_pred"), _images(y_true, "y_true")
        if self.resize == "none" and (
            None not in (sizes := (predictions.shape[1], references.shape[1]))
            and len(set(sizes)) > 1
        ):
            raise MetricInputError(
                f"y_true has {sizes[1]} pixels per image and y_pred {sizes[0]}: give one "
                "prediction of its mask's size per mask."
            )
        prediction_type, reference_type = _dtype(predictions), _dtype(references)
        prediction_ok = kernel.prediction_valid(ops, predictions, prediction_type, axis=1)
        polyp, reference_ok = kernel.reference_mask(ops, references, reference_type, axis=1)
        checks = [
            (valid, batch, problem)
            for valid, batch, problem in (
                (prediction_ok, predictions, prediction_problem),
                (reference_ok, references, reference_problem),
            )
            if valid is not None  # None: the dtype alone makes every image valid
        ]
        if checks and _concrete(checks[0][0]):
            _raise_for_refused(checks)
        if self.resize != "none":  # after the checks, as the engine resizes checked values
            predictions = _images(_resized(y_pred, y_true, self.resize), "y_pred")
            prediction_type = _dtype(predictions)
        predicted = kernel.prediction_mask(
            ops, predictions, prediction_type, self.threshold, axis=1
        )
        counts = kernel.confusion(ops, predicted, polyp, ops.shape(references)[1], axis=1)
        scores = kernel.scores(ops, *(ops.cast(count, "float64") for count in counts))
        per_image = ops.stack([scores[name] for name in self.scores], axis=1)
        weights = ops.ones_like(per_image[:, 0])
        if sample_weight is not None:
            weights = ops.cast(ops.reshape(sample_weight, (-1,)), "float64") * weights

        def add_image(index: Any, sums: tuple[Any, Any]) -> tuple[Any, Any]:
            # One image after the other, as compute_scores sums them: the same float.
            totals, images = sums
            return totals + per_image[index] * weights[index], images + weights[index]

        start = (ops.convert_to_tensor(self.totals), ops.convert_to_tensor(self.images))
        totals, images = ops.fori_loop(0, ops.shape(per_image)[0], add_image, start)
        if checks:  # reached with a refused batch only in a graph: the scores become NaN
            valid = ops.all(ops.stack([valid for valid, _, _ in checks]))
            totals = ops.where(valid, totals, ops.full_like(totals, np.nan))
        self.totals.assign(totals)
        self.images.assign(images)

    def result(self) -> Any:
        """The mean of each score over the images added so far (0 before any image).

        Returns:
            ``{score name: scalar tensor}``, which Keras logs by name.

        Example:
            >>> metric = PerImageScores(scores=("dice", "iou"))
            >>> metric.update_state([[[1.0, 1.0]]], [[[0.9, 0.2]]])
            >>> {name: round(float(value), 4) for name, value in metric.result().items()}
            {'dice': 0.6667, 'iou': 0.5}
        """
        # The kernel's division (0 before any image): keras.ops.divide_no_nan gives float32
        # under the torch backend.
        totals, images = ops.convert_to_tensor(self.totals), ops.convert_to_tensor(self.images)
        means = kernel.ratio(ops, totals, images, 0.0)
        return {name: means[i] for i, name in enumerate(self.scores)}

    def reset_state(self) -> None:
        """Forget the images added so far (Keras calls it at the start of each epoch).

        Example:
            >>> metric = PerImageScores(scores=("recall",))
            >>> metric.update_state([[[1.0, 1.0]]], [[[0.9, 0.2]]])
            >>> metric.reset_state()
            >>> float(metric.result()["recall"])
            0.0
        """
        self.totals.assign(ops.zeros_like(self.totals))
        self.images.assign(ops.zeros_like(self.images))

    def get_config(self) -> dict[str, Any]:
        """The arguments that make this metric again (Keras saves them with a model).

        Returns:
            Keras' config of the metric, plus ``scores``, ``threshold``, ``from_logits``
            and ``resize``.

        Example:
            >>> config = PerImageScores(scores=("f2",), threshold=0.3).get_config()
            >>> PerImageScores.from_config(config).threshold
            0.3
        """
        return {
            **super().get_config(),
            "scores": list(self.scores),
            "threshold": self.threshold,
            "from_logits": self.from_logits,
            "resize": self.resize,
        }


class _OneScore(PerImageScores):
    """One score of :class:`PerImageScores`, logged as a plain number."""

    score: str = ""

    def __init__(
        self,
        threshold: float = DEFAULT_THRESHOLD,
        from_logits: bool = False,
        resize: str = "none",
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.pop("scores", None)  # in configs saved by get_config
        super().__init__(
            (self.score,), threshold, from_logits, resize, name=name or self.score, **kwargs
        )

    def result(self) -> Any:
        return super().result()[self.score]


@keras.saving.register_keras_serializable(package="kvasir_seg")
class DiceScore(_OneScore):
    """Mean over images of the per-image Dice (F1); logged as ``dice``.

    ``result()`` is a scalar; the rest is as :class:`PerImageScores`.

    Args:
        threshold: A probability above it is polyp (8-bit maps: value / 255).
        from_logits: ``y_pred`` holds logits: a sigmoid is applied first.
        resize: ``"none"`` (sizes must match), or the Pillow filter that resizes each
            prediction to its reference's size first.
        name: The metric's name (by default ``dice``).
        kwargs: Passed to ``keras.metrics.Metric``.

    Raises:
        MetricInputError: If ``threshold`` or ``resize`` is refused.

    Example:
        >>> metric = DiceScore()
        >>> metric.update_state([[[1.0, 0.0]], [[0.0, 0.0]]], [[[0.9, 0.2]], [[0.1, 0.1]]])
        >>> float(metric.result())  # (1 + 0) / 2: an empty pair scores 0
        0.5
    """

    score = "dice"


@keras.saving.register_keras_serializable(package="kvasir_seg")
class IoUScore(_OneScore):
    """Mean over images of the per-image IoU (Jaccard); logged as ``iou``.

    ``result()`` is a scalar; the rest is as :class:`PerImageScores`.

    Args:
        threshold: A probability above it is polyp (8-bit maps: value / 255).
        from_logits: ``y_pred`` holds logits: a sigmoid is applied first.
        resize: ``"none"`` (sizes must match), or the Pillow filter that resizes each
            prediction to its reference's size first.
        name: The metric's name (by default ``iou``).
        kwargs: Passed to ``keras.metrics.Metric``.

    Raises:
        MetricInputError: If ``threshold`` or ``resize`` is refused.

    Example:
        >>> metric = IoUScore()
        >>> metric.update_state([[[1.0, 1.0]]], [[[0.9, 0.2]]])
        >>> float(metric.result())
        0.5
    """

    score = "iou"


def _images(batch: Any, role: str) -> Any:
    """A batch of masks as an N x pixels tensor (one row per image, any unit axis dropped)."""
    batch = ops.convert_to_tensor(batch)
    if len(batch.shape) < 2:
        raise MetricInputError(
            f"{role} has shape {tuple(batch.shape)}; expected a batch: N x H x W x 1, "
            "N x 1 x H x W or N x H x W."
        )
    return ops.reshape(batch, (ops.shape(batch)[0], -1))


def _spatial(batch: Any, role: str) -> Any:
    """A batch of masks as N x H x W (its unit channel axis dropped)."""
    batch = ops.convert_to_tensor(batch)
    shape = batch.shape
    if len(shape) == 4 and 1 in (shape[1], shape[-1]):
        return batch[..., 0] if shape[-1] == 1 else batch[:, 0]
    if len(shape) != 3:
        raise MetricInputError(
            f"{role} has shape {tuple(shape)}; with resize, expected a batch of images: "
            "N x H x W x 1, N x 1 x H x W or N x H x W."
        )
    return batch


def _resized(y_pred: Any, y_true: Any, method: str) -> Any:
    """Each prediction resized to its reference's size by the engine, on the host.

    The engine thresholds a resized map as float32 (floats) or uint8 (8-bit maps and
    binary masks, whose nearest resize is returned as 0/1); a batch already at the
    references' size is returned unchanged, as the engine leaves it.
    """
    predictions, references = _spatial(y_pred, "y_pred"), _spatial(y_true, "y_true")
    known = [size for size in (*predictions.shape[1:], *references.shape[1:]) if size is not None]
    if len(known) == 4 and tuple(predictions.shape[1:]) == tuple(references.shape[1:]):
        return predictions
    kind = kernel.dtype_kind(_dtype(predictions))
    dtype = "float32" if kind == "f" else "uint8"
    if kind == "f" and _dtype(predictions) != "float32" and len(known) < 4:
        raise MetricInputError(
            f"resize on {_dtype(predictions)} predictions needs image sizes known when the "
            "graph is built (the engine scores a map at its own size in its own dtype, a "
            "resized one as float32): give float32 predictions, or fixed sizes."
        )

    def resize_all(batch: np.ndarray, size: np.ndarray) -> np.ndarray:
        shape = (int(size[0]), int(size[1]))
        return np.stack([resize_prediction(image, shape, method).astype(dtype) for image in batch])

    if _concrete(predictions):
        size = np.asarray(ops.shape(references)[1:3])
        return ops.convert_to_tensor(resize_all(_host(predictions), size))
    return _on_host(resize_all, predictions, references, dtype)


def _on_host(
    function: Callable[[np.ndarray, np.ndarray], np.ndarray],
    predictions: Any,
    references: Any,
    dtype: str,
) -> Any:
    """``function(predictions, references' H x W)`` called on the host from a graph."""
    shape = tuple(references.shape)
    if keras.backend.backend() == "jax":
        import jax

        return jax.pure_callback(
            lambda batch: function(np.asarray(batch), np.asarray(shape[1:])),
            jax.ShapeDtypeStruct(shape, dtype),
            predictions,
        )
    import tensorflow as tf  # the other backends (torch, numpy) run eagerly

    size = tf.shape(references)[1:3]
    resized = tf.numpy_function(function, [predictions, size], Tout=dtype, stateful=False)
    resized.set_shape(shape)
    return resized


def _dtype(tensor: Any) -> str:
    return keras.backend.standardize_dtype(tensor.dtype)


def _concrete(value: Any) -> bool:
    """Whether ``value`` holds numbers now (eager), not a symbol of a graph being traced."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        return tf.executing_eagerly()
    if backend == "jax":
        import jax

        return not isinstance(value, jax.core.Tracer)
    return True  # torch and numpy run eagerly


def _host(image: Any) -> np.ndarray:
    """One image as numpy, for the engine's words on it (bfloat16 widened: numpy has none)."""
    array = ops.convert_to_numpy(image)
    return array if array.dtype.kind in "biuf" else array.astype(np.float32)


def _raise_for_refused(checks: list[tuple[Any, Any, Callable[[np.ndarray], str]]]) -> None:
    """Raise the engine's error for the first image a check refused, if any.

    Each check is (the kernel's per-image verdict, the batch, the engine's description of
    what is wrong: ``prediction_problem`` or ``reference_problem``).
    """
    verdicts = [ops.convert_to_numpy(valid) for valid, _, _ in checks]
    for index in range(len(verdicts[0])):
        for valid, (_, batch, problem) in zip(verdicts, checks, strict=True):
            if not valid[index]:
                with image_of_batch(index):
                    raise MetricInputError(problem(_host(batch[index])))
