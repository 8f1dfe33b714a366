"""The scores inside PyTorch training and validation loops: :class:`KvasirSegMetric`.

A ``torchmetrics.Metric`` over batches of masks whose ``compute()`` returns what
:func:`kvasir_seg.scores.compute_scores` returns on the same masks (same names, equal
values), as 0-d tensors:

    >>> import torch
    >>> from kvasir_seg.scores.torch import KvasirSegMetric
    >>> metric = KvasirSegMetric()  # protocol="pranet" for the benchmark tables
    >>> target = torch.zeros(2, 1, 8, 8); target[:, :, 2:6, 2:6] = 1
    >>> metric.update(target * 0.9, target)
    >>> float(metric.compute()["dice"])
    1.0

With ``resize`` the predictions may be at the network's size and the references at their
own, as ``kvasir-seg evaluate --resize`` scores them (each image's prediction resized to its
reference's size by Pillow, then scored): a validation loop at 352 x 352 reports the
papers' numbers at the references' sizes. The references of a batch may then be a list of
masks of different sizes:

    >>> metric = KvasirSegMetric(resize="bilinear")
    >>> masks = [torch.ones(5, 7, dtype=torch.bool), torch.zeros(6, 4, dtype=torch.bool)]
    >>> metric.update(torch.stack([torch.ones(8, 8), torch.zeros(8, 8)]), masks)
    >>> float(metric.compute()["dice"])  # (1 + 0) / 2: an empty pair scores 0
    0.5

How it works, and why:

- State: per image, the record the accumulators of :mod:`kvasir_seg.scores` define
  (``ConfusionCounts.to_columns`` / ``PraNetImageStatistics.to_columns``), as list states
  with ``dist_reduce_fx="cat"``. torchmetrics' own sync gathers them across DDP processes
  (``merge_state`` concatenates them too); ``compute()`` folds every record into an
  accumulator (``add_columns``), so the reductions are the ones ``compute_scores`` runs.
- Both protocols measure each image with the accumulators' ``measure``
  (``DefaultAccumulator.measure``, ``PraNetAccumulator.measure``): the code
  ``compute_scores`` runs, on the host. A CPU tensor is read in place (a numpy view, no
  copy); a batch on a GPU is copied to the host once per ``update``. Only the records stay
  in the state: four numbers per image with the default protocol, 518 with the PraNet one.
- Why no torch ops on the GPU for the default protocol: they would be a second copy of
  its rules (:mod:`kvasir_seg.scores.kernel`) to keep equal to the numpy code, and they
  could not be measured faster here (forced onto the CPU they took 9x the numpy code's
  time; there is no GPU on the machines this project is tested on). Copying masks to the
  host costs a transfer a device route avoids; the numbers are the same either way.
- Inputs are read as :mod:`kvasir_seg.scores.inputs` reads them: logits, NaN or
  out-of-range values are refused, references must be binary; the error is the one
  ``compute_scores`` gives, prefixed with the image's place in the batch. ``resize`` is
  :mod:`kvasir_seg.scores.resize`'s too, so the numbers equal ``compute_scores(...,
  resize=...)`` and ``kvasir-seg evaluate --resize``.

This module imports PyTorch and torchmetrics (``pip install ".[torch]"`` in a checkout); the
rest of :mod:`kvasir_seg.scores` does not.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from kvasir_seg.extras import missing

try:
    import torch
    from torchmetrics import Metric
    from torchmetrics.utilities.data import dim_zero_cat
except ModuleNotFoundError as error:
    raise missing("torch", error, __name__) from error

from kvasir_seg.errors import MetricInputError
from kvasir_seg.score_settings import DEFAULT_THRESHOLD, check_threshold
from kvasir_seg.scores import new_accumulator
from kvasir_seg.scores.accumulator import ScoreAccumulator
from kvasir_seg.scores.inputs import check_same_length, check_same_shape

__all__ = ["KvasirSegMetric", "as_mask_batch"]

#: The two list states: per image, the (prediction-side, reference-side) record.
_STATES = ("prediction_columns", "reference_columns")


class KvasirSegMetric(Metric):
    """The default or PraNet protocol of :mod:`kvasir_seg.scores` as a ``torchmetrics.Metric``.

    As input to ``update`` (and ``forward``) the metric takes a batch:

    - ``preds``: a tensor (or numpy array, or list of equal-size masks such as PIL images)
      shaped N x 1 x H x W, N x H x W or N x H x W x 1, on any device: probabilities in
      [0, 1] (float16, bfloat16, float32, float64; run logits through ``torch.sigmoid``
      first), 8-bit maps (integers in 0..255, read as value / 255) or binary masks (bool,
      or integers all 0 or 1);
    - ``target``: the binary reference masks (bool, or integers or floats in {0, 1} or
      {0, 255}), shaped as ``preds``; with ``resize``, also a list of N masks of any sizes
      (H x W, 1 x H x W or H x W x 1), and ``preds`` may then be a list too.

    As output of ``compute`` (and ``forward``, for the batch alone) the metric returns what
    :func:`kvasir_seg.scores.compute_scores` returns on the same masks (same names, equal
    values) as 0-d tensors on the metric's device: float64 scores in [0, 1] (the
    E-measures reach N / (N - 1) on an image of N pixels) and the int64 ``num_images``.
    With the default protocol: ``dice``, ``iou``, ``precision``, ``recall``,
    ``specificity``, ``accuracy``, ``f2`` (means over images), ``pooled_dice`` ...
    ``pooled_f2`` and ``two_class_mean_iou``; with the PraNet protocol: ``mdice``,
    ``miou``, ``max_dice``, ``max_iou``, ``s_measure``, ``mean_e_measure``,
    ``max_e_measure``, ``adaptive_e_measure``, ``weighted_f_measure``, ``mae``.

    Args:
        protocol: ``"default"`` or ``"pranet"`` (the benchmark tables).
        threshold: The default protocol's, in [0, 1]: ``prediction > threshold`` is polyp
            (an 8-bit map: ``value / 255 > threshold``).
        resize: ``"nearest"``, ``"bilinear"`` or ``"bicubic"``: each prediction is resized
            to its reference's size with Pillow's filter before it is scored, as
            ``compute_scores(..., resize=...)`` and ``kvasir-seg evaluate --resize`` do;
            ``"none"`` (the default) refuses a size mismatch.
        kwargs: Passed to ``torchmetrics.Metric`` (e.g. ``dist_sync_on_step``).

    Raises:
        MetricInputError: If the protocol, threshold or resize filter is refused (at
            construction), or a batch is (at ``update``: the message ``compute_scores``
            gives, prefixed with the image's place in the batch).

    Example:
        >>> target = torch.zeros(2, 1, 4, 4); target[:, :, 1:3, 1:3] = 1  # 4 polyp pixels
        >>> preds = target * 0.9; preds[0, :, 1:3, 3] = 0.8  # 6 pixels above 0.5 in the first
        >>> scores = KvasirSegMetric()(preds, target)  # forward: this batch's scores
        >>> round(float(scores["dice"]), 4), round(float(scores["pooled_dice"]), 4)
        (0.9, 0.8889)
        >>> metric = KvasirSegMetric(protocol="pranet")
        >>> target = torch.zeros(1, 16, 16, dtype=torch.bool); target[0, 4:12, 4:12] = True
        >>> metric.update(target.float(), target)
        >>> round(float(metric.compute()["s_measure"]), 6)
        1.0
    """

    is_differentiable = False
    higher_is_better = None  # mae falls as the others rise
    full_state_update = False

    def __init__(
        self,
        protocol: str = "default",
        threshold: float = DEFAULT_THRESHOLD,
        resize: str = "none",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        #: Measures images on the host (its own state stays empty); checks the arguments.
        self._engine = new_accumulator(protocol, threshold, resize)
        self.protocol = protocol
        self.threshold = check_threshold(threshold)
        self.resize = self._engine.resize
        for name in _STATES:
            self.add_state(name, default=[], dist_reduce_fx="cat")

    def update(self, preds: Any, target: Any) -> None:
        """Measure a batch of predictions against their reference masks and keep the records.

        Args:
            preds: The batch's predictions, N masks (see the class docstring for shapes and
                values).
            target: Their N reference masks.

        Raises:
            MetricInputError: If the batch is refused (shapes, sizes, counts, values); the
                message names the image's place in the batch, and nothing of the batch is
                kept.

        Example:
            >>> metric = KvasirSegMetric()
            >>> metric.update(torch.tensor([[[0.9, 0.2]]]), torch.tensor([[[1, 0]]]))
            >>> metric.update(torch.tensor([[[0.9, 0.2]]]), torch.tensor([[[1, 1]]]))
            >>> float(metric.compute()["dice"]), int(metric.compute()["num_images"])
            (0.8333333333333333, 2)
        """
        if self.resize == "none":
            predictions = _host(as_mask_batch(preds, "prediction"))
            references = _host(as_mask_batch(target, "reference"))
            if predictions.shape != references.shape:
                _raise_shape_mismatch(predictions, references)
        else:  # the sizes may differ: image by image, as compute_scores resizes them
            predictions, references = _images(preds, "prediction"), _images(target, "reference")
        columns = _engine_columns(self._engine, predictions, references)
        for name, values in zip(_STATES, columns, strict=True):
            getattr(self, name).append(values.to(self.device))

    def compute(self) -> dict[str, torch.Tensor]:
        """The scores over every image seen (in all processes, once synced).

        Returns:
            ``{score: 0-d tensor}`` on the metric's device, the names and values of
            :func:`kvasir_seg.scores.compute_scores`: float64 scores, int64 ``num_images``.

        Raises:
            MetricInputError: If no image was seen.

        Example:
            >>> metric = KvasirSegMetric()
            >>> metric.update(torch.ones(1, 2, 2), torch.ones(1, 2, 2, dtype=torch.bool))
            >>> metric.compute()["iou"]
            tensor(1., dtype=torch.float64)
        """
        accumulator = new_accumulator(self.protocol)
        rows = (_state_rows(getattr(self, name)) for name in _STATES)
        for prediction, reference in zip(*rows, strict=True):
            accumulator.add_columns(prediction, reference)
        return {
            name: torch.tensor(
                value,
                dtype=torch.int64 if isinstance(value, int) else torch.float64,
                device=self.device,
            )
            for name, value in accumulator.result().items()
        }


def as_mask_batch(value: Any, role: str) -> torch.Tensor:
    """Read a batch of masks as an N x H x W tensor (on its own device; no copy when possible).

    The values are not checked here: :mod:`kvasir_seg.scores.inputs` checks each image.

    Args:
        value: A tensor, numpy array or nested lists shaped N x 1 x H x W, N x H x W or
            N x H x W x 1, or a list of N masks of one size (tensors, arrays, PIL images).
        role: ``"prediction"`` or ``"reference"``: how the error messages name the batch.

    Returns:
        The N x H x W tensor, of the value's dtype (a tensor given is returned as a view).

    Raises:
        MetricInputError: If it cannot be made a tensor (masks of different sizes, ragged
            lists), or is not N x H x W after dropping an axis of length 1 (e.g. a single
            H x W mask, a multi-channel batch) or holds no pixel.

    Example:
        >>> as_mask_batch(torch.zeros(4, 1, 5, 6), "reference").shape
        torch.Size([4, 5, 6])
        >>> as_mask_batch([[[0, 1], [1, 0]]], "reference").tolist()
        [[[0, 1], [1, 0]]]
    """
    if not isinstance(value, torch.Tensor):
        try:
            if isinstance(value, list | tuple):
                value = torch.stack([_tensor(item) for item in value])
            else:
                value = _tensor(value)
        except (TypeError, ValueError, RuntimeError) as error:
            raise MetricInputError(
                f"The {role} batch cannot be read as a tensor ({error}); give a tensor of "
                "shape N x 1 x H x W or N x H x W, or a list of masks of one size."
            ) from None
    if value.ndim == 4 and 1 in (value.shape[1], value.shape[-1]):
        value = value[:, 0] if value.shape[1] == 1 else value[..., 0]
    if value.ndim != 3 or not value.numel():
        raise MetricInputError(
            f"The {role} batch has shape {tuple(value.shape)}; expected N x 1 x H x W, "
            "N x H x W or N x H x W x 1 with N, H, W > 0. One mask is a batch of one: "
            "mask[None]."
        )
    return value


def _tensor(value: Any) -> torch.Tensor:
    """A tensor of ``value`` (a PIL image, an array, nested lists); tensors are kept."""
    if isinstance(value, torch.Tensor):
        return value
    return torch.tensor(np.asarray(value))


def _images(value: Any, role: str) -> Sequence[Any]:
    """A batch as a sequence of single masks, each of its own size: a list's items as they
    are (tensors on the host), or the images of a batch tensor or array."""
    if isinstance(value, list | tuple):
        if not value:
            raise MetricInputError(f"The {role} batch is empty: give at least one mask.")
        return [_host(item) if isinstance(item, torch.Tensor) else item for item in value]
    return _host(as_mask_batch(value, role))


def _raise_shape_mismatch(predictions: np.ndarray, references: np.ndarray) -> None:
    check_same_length(predictions, references)
    # compute_scores' message, on zero-size stand-ins for one image of each.
    check_same_shape(
        *(np.broadcast_to(np.empty(()), b.shape[1:]) for b in (predictions, references))
    )


def _host(masks: torch.Tensor) -> np.ndarray:
    """Masks as a numpy array: a view of a CPU tensor, else a copy on the host
    (bfloat16 widened: numpy has no such dtype)."""
    masks = masks.detach().cpu()
    return (masks.float() if masks.dtype == torch.bfloat16 else masks).numpy()


def _engine_columns(
    engine: ScoreAccumulator, predictions: Sequence[Any], references: Sequence[Any]
) -> tuple[torch.Tensor, torch.Tensor]:
    """Each image measured by the accumulator: its (float64, int64) ``to_columns`` records."""
    statistics = engine.measure_batch(predictions, references)
    records = [image.to_columns() for image in statistics]
    prediction_side, reference_side = zip(*records, strict=True)
    return (
        torch.tensor(prediction_side, dtype=torch.float64),
        torch.tensor(reference_side, dtype=torch.int64),
    )


def _state_rows(state: list[torch.Tensor] | torch.Tensor) -> list[list[Any]]:
    """A list state (or the tensor torchmetrics' sync leaves in its place) as host rows."""
    if isinstance(state, list) and not state:
        return []
    return dim_zero_cat(state).cpu().tolist()
