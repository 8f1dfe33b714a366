"""Segmentation scores of predicted polyp masks against reference masks, under two protocols.

The torch metric (:mod:`kvasir_seg.scores.torch`) and the ``evaluate`` module measure
images with the accumulators defined here, and the Keras metrics count with the same
functions (:mod:`kvasir_seg.scores.kernel`), so every way of scoring gives equal numbers.

Two protocols, each following the convention of the papers that report it:

- ``"default"`` (:class:`DefaultAccumulator`): thresholded masks, per-image Dice, IoU,
  precision, recall, specificity, accuracy and F2 averaged over images as the dataset
  authors (NanoNet) report them, the same pooled over all pixels, and ``evaluate``'s
  two-class ``mean_iou``;
- ``"pranet"`` (:class:`PraNetAccumulator`): the benchmark tables' mDice, mIoU, S-measure,
  E-measure, weighted F-measure and MAE, equal to the PraNet toolbox / ``pysodmetrics``.

Stream images through an accumulator (only per-image statistics are kept), or score lists
at once:

    >>> import numpy as np
    >>> reference = np.zeros((6, 6), np.uint8); reference[1:4, 1:4] = 255
    >>> prediction = (reference / 255.0) * 0.9
    >>> scores = compute_scores([prediction], [reference], image_ids=["img-1"], per_image=True)
    >>> scores["dice"], scores["per_image"]["img-1"]["tp"]
    (1.0, 9)
"""

from __future__ import annotations

import logging
from collections.abc import Hashable, Iterable, Iterator
from pathlib import Path
from typing import Any

from kvasir_seg.errors import MetricInputError
from kvasir_seg.logs import warn_once
from kvasir_seg.score_settings import (
    DEFAULT_THRESHOLD,
    PROTOCOLS,
    RESIZE_METHODS,
    check_protocol,
    check_threshold,
)
from kvasir_seg.scores.accumulator import ScoreAccumulator
from kvasir_seg.scores.confusion import ConfusionCounts, DefaultAccumulator
from kvasir_seg.scores.parallel import available_cores, update_all, worker_count
from kvasir_seg.scores.pranet import PraNetAccumulator, PraNetImageStatistics
from kvasir_seg.scores.timing import fps, time_inference, timed_predictions

__all__ = [
    "PROTOCOLS",
    "RESIZE_METHODS",
    "ConfusionCounts",
    "DefaultAccumulator",
    "PraNetAccumulator",
    "PraNetImageStatistics",
    "ScoreAccumulator",
    "available_cores",
    "compute_scores",
    "evaluate_module_path",
    "fps",
    "new_accumulator",
    "time_inference",
    "timed_predictions",
]

_SCRIPT = "kvasir_seg.py"

logger = logging.getLogger(__name__)


def new_accumulator(
    protocol: str = "default", threshold: float = DEFAULT_THRESHOLD, resize: str = "none"
) -> ScoreAccumulator:
    """Make an empty accumulator of one protocol's scores, to feed image by image.

    Args:
        protocol: ``"default"`` (:class:`DefaultAccumulator`) or ``"pranet"``
            (:class:`PraNetAccumulator`).
        threshold: The default protocol's, in [0, 1]: a probability strictly above it is
            polyp. The PraNet protocol scores 256 thresholds; another value than 0.5 is
            checked, then logged as ignored (once per value in a process).
        resize: The Pillow filter (``"nearest"``, ``"bilinear"``, ``"bicubic"``) that
            brings a prediction to its reference's size first; ``"none"`` refuses a size
            mismatch (:mod:`kvasir_seg.scores.resize`).

    Returns:
        The accumulator: ``update`` it with each image, then read its ``result()``.

    Raises:
        MetricInputError: If the protocol is unknown, the threshold not in [0, 1] or the
            resize filter unknown.

    Example:
        >>> import numpy as np
        >>> scores = new_accumulator("pranet", resize="bilinear")
        >>> scores.update(np.ones((2, 2)), np.ones((4, 4), bool))
        >>> scores.result()["s_measure"]
        1.0
    """
    if check_protocol(protocol) == "default":
        return DefaultAccumulator(threshold=threshold, resize=resize)
    if check_threshold(threshold) != DEFAULT_THRESHOLD:
        # Once per value and process: the evaluate module and the metrics make an
        # accumulator per batch, and the user's setting is the same each time.
        warn_once(
            logger,
            ("pranet threshold", threshold),
            "threshold=%s is ignored: the PraNet protocol scores 256 thresholds.",
            threshold,
        )
    return PraNetAccumulator(resize=resize)


def _length(values: Any) -> int | None:
    try:
        return len(values)
    except TypeError:
        return None


def _check_lengths(**columns: Any) -> None:
    lengths = {name: _length(values) for name, values in columns.items() if values is not None}
    known = {name: n for name, n in lengths.items() if n is not None}
    if len(set(known.values())) > 1:
        found = ", ".join(f"{n} {name}" for name, n in known.items())
        raise MetricInputError(f"Lists of unequal length: {found}; give one entry per image.")


def _strict_rows(*columns: Iterable[Any]) -> Iterator[tuple[Any, ...]]:
    """``zip(*columns, strict=True)`` whose length mismatch is a :class:`MetricInputError`."""
    rows = zip(*columns, strict=True)
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except ValueError as error:
            if not str(error).startswith("zip()"):
                raise
            raise MetricInputError(
                f"Lists of unequal length ({error}); give one entry per image."
            ) from None
        yield row


def compute_scores(
    predictions: Iterable[Any],
    references: Iterable[Any],
    *,
    protocol: str = "default",
    threshold: float = DEFAULT_THRESHOLD,
    resize: str = "none",
    image_ids: Iterable[Hashable] | None = None,
    inference_times: Iterable[float] | None = None,
    per_image: bool = False,
    num_workers: int = 1,
) -> dict[str, Any]:
    """Score predicted masks against their references in one call.

    The same as feeding each pair to :func:`new_accumulator`'s ``update`` and reading its
    ``result``; with ``num_workers`` > 1 the images are measured in worker processes and
    added in order, which gives the same floats.

    Args:
        predictions: The predicted masks, one per image (a list, or any iterable, read
            lazily). Each is H x W (numpy array, PIL image, nested lists, a CPU tensor;
            H x W x 1 and 1 x H x W too): probabilities in [0, 1], an 8-bit map (integers
            in 0..255), or a binary mask (bool, or integers all 0 or 1). Logits, NaN and
            values out of range are refused (:mod:`kvasir_seg.scores.inputs`).
        references: Their binary ground-truth masks, as many and each of its prediction's
            size (unless ``resize``): bool, {0, 1} or {0, 255}; sizes may differ between
            images.
        protocol: ``"default"`` or ``"pranet"`` (:func:`new_accumulator`).
        threshold: The default protocol's threshold.
        resize: ``"nearest"``, ``"bilinear"`` or ``"bicubic"`` resizes each prediction to
            its reference's size first (:mod:`kvasir_seg.scores.resize`); ``"none"``
            refuses a size mismatch.
        image_ids: One id per image (hashable, unique); they key the ``per_image`` output.
        inference_times: Seconds per image (finite, positive); they add ``fps``.
        per_image: Also return each image's scores under ``"per_image"``.
        num_workers: Processes that measure the images (the masks are sent to them, a few
            per worker at a time); the scores are the floats of one process. 1, the
            default, starts none, and so do fewer than 32 images
            (:func:`kvasir_seg.scores.parallel.worker_count`); ``available_cores()`` is
            how many this process may use.

    Returns:
        A dict: the protocol's scores as floats (see :class:`DefaultAccumulator`,
        :class:`PraNetAccumulator`), ``num_images`` (int), ``fps`` when
        ``inference_times`` are given, and ``per_image`` (``{image id or position:
        {score: value}}``) when asked for.

    Raises:
        MetricInputError: If an argument is refused, the lists are empty or of unequal
            lengths, or an image cannot be measured (the message names it).
        KvasirSegError: If a worker process died.

    Example:
        >>> import numpy as np
        >>> reference = np.zeros((4, 4), np.uint8); reference[1:3, 1:3] = 255  # 4 polyp pixels
        >>> prediction = np.zeros((4, 4)); prediction[1:3, 1:4] = 0.8  # 6 pixels above 0.5
        >>> scores = compute_scores([prediction, reference], [reference, reference],
        ...                         image_ids=["a", "b"], per_image=True)
        >>> scores["dice"], scores["pooled_dice"], scores["per_image"]["a"]["dice"]
        (0.9, 0.8888888888888888, 0.8)
        >>> compute_scores([prediction], [reference], protocol="pranet")["max_dice"]
        0.8
        >>> compute_scores([np.ones((2, 2))], [np.ones((5, 5), bool)], resize="bilinear")["dice"]
        1.0
    """
    _check_lengths(
        predictions=predictions,
        references=references,
        image_ids=image_ids,
        inference_times=inference_times,
    )
    accumulator = new_accumulator(protocol, threshold, resize)
    workers = worker_count(num_workers, _length(predictions))
    extras = {"image_id": image_ids, "inference_time": inference_times}
    given = {name: values for name, values in extras.items() if values is not None}
    rows = (
        (prediction, reference, dict(zip(given, values, strict=True)))
        for prediction, reference, *values in _strict_rows(predictions, references, *given.values())
    )
    update_all(accumulator, rows, num_workers=workers)
    logger.debug("Scored %d images with the %s protocol.", len(accumulator), protocol)
    if not len(accumulator):
        raise MetricInputError("No predictions and references were given: the lists are empty.")
    return accumulator.result(per_image=per_image)


def evaluate_module_path() -> str:
    """The path of the ``evaluate`` metric script, ready for ``evaluate.load(...)``.

    The module is ``kvasir_seg/evaluate_module/kvasir_seg.py`` (with its card, ``README.md``)
    in a checkout, an editable install and a wheel alike. The script's own path is returned
    rather than its folder because ``evaluate.load`` on a folder looks for a script named
    after the folder, which ``evaluate_module/`` is not; and a ``str`` because
    ``evaluate.load`` does not take ``pathlib.Path``.

    Returns:
        The script's absolute path.

    Example:
        >>> evaluate_module_path().endswith("evaluate_module/kvasir_seg.py")
        True
    """
    return str(Path(__file__).resolve().parent.parent / "evaluate_module" / _SCRIPT)
