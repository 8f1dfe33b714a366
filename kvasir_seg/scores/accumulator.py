"""What every score accumulator shares: measure one image, add its statistics, reduce.

An accumulator is plain state, as pysodmetrics' metrics (``step`` / ``get_results``) and
torchmetrics' (``update`` / ``compute``) are:

- :meth:`~ScoreAccumulator.measure` turns one prediction/reference pair into that image's
  statistics (a few numbers, never the masks). It reads nothing of the state, so it may
  run anywhere, e.g. in another process (:mod:`kvasir_seg.scores.parallel`);
- :meth:`~ScoreAccumulator.add` keeps those statistics, with the image's id and inference
  time; :meth:`~ScoreAccumulator.update` is both steps;
- :meth:`~ScoreAccumulator.result` reduces what was added.

The concrete accumulators are :class:`~kvasir_seg.scores.confusion.DefaultAccumulator` and
:class:`~kvasir_seg.scores.pranet.PraNetAccumulator`.

    >>> from kvasir_seg.scores import DefaultAccumulator
    >>> import numpy as np
    >>> scores = DefaultAccumulator()
    >>> scores.update(np.ones((2, 2)), np.ones((2, 2), bool), image_id="a", inference_time=0.02)
    >>> scores.result()["fps"]
    50.0
"""

from __future__ import annotations

import array
import math
from abc import ABC, abstractmethod
from collections.abc import Hashable, Sequence
from typing import Any, Generic, TypeVar

import numpy as np

from kvasir_seg.errors import MetricInputError
from kvasir_seg.score_settings import check_resize
from kvasir_seg.scores.inputs import check_same_length, image_of_batch, naming_image
from kvasir_seg.scores.timing import fps

Statistics = TypeVar("Statistics")


class Rows:
    """A growing 2-D numpy table: rows appended one at a time, stored compactly.

    The storage doubles when full, so appending N rows costs O(N) in all.

    Args:
        width: Values per row.
        dtype: Their numpy dtype.

    Example:
        >>> rows = Rows(2, np.int64)
        >>> rows.append([1, 2]); rows.append([3, 4])
        >>> rows.view().tolist(), len(rows)
        ([[1, 2], [3, 4]], 2)
    """

    def __init__(self, width: int, dtype: Any) -> None:
        self._data = np.empty((16, width), dtype=dtype)
        self._count = 0

    def append(self, row: Sequence[float]) -> None:
        """Add one row at the end.

        Args:
            row: ``width`` values, cast to the table's dtype.

        Example:
            >>> rows = Rows(3, np.float64)
            >>> rows.append([0.5, 1, 2]); rows.view().tolist()
            [[0.5, 1.0, 2.0]]
        """
        if self._count == len(self._data):
            self._data = np.concatenate([self._data, np.empty_like(self._data)])
        self._data[self._count] = row
        self._count += 1

    def view(self) -> np.ndarray:
        """The rows appended so far.

        Returns:
            A (rows, width) view of the storage: read it now, since an append may move the
            storage and the view would then show stale rows.

        Example:
            >>> rows = Rows(1, np.int64)
            >>> rows.view().shape
            (0, 1)
        """
        return self._data[: self._count]

    def __len__(self) -> int:
        return self._count


def image_name(image_id: Hashable | None, position: int) -> str:
    """How an error names an image: by its id, else by its place among the images.

    Args:
        image_id: The id given with the image, or ``None``.
        position: Its place among the images of the accumulator, counting from 0.

    Returns:
        ``"Image 'frame-3'"`` or ``"Image 3 (counting from 0)"``.

    Example:
        >>> image_name("frame-3", 3), image_name(None, 3)
        ("Image 'frame-3'", 'Image 3 (counting from 0)')
    """
    return f"Image {image_id!r}" if image_id is not None else f"Image {position} (counting from 0)"


class ScoreAccumulator(ABC, Generic[Statistics]):
    """Base class of the accumulators: image ids, inference times, update and result.

    A subclass defines :meth:`measure` (one image's statistics) and how the statistics are
    kept and reduced; :func:`kvasir_seg.scores.new_accumulator` makes the concrete ones.

    Args:
        resize: The Pillow filter (``"nearest"``, ``"bilinear"``, ``"bicubic"``) that brings
            a prediction to its reference's size before it is measured; ``"none"`` refuses
            a size mismatch (:mod:`kvasir_seg.scores.resize`).

    Raises:
        MetricInputError: If ``resize`` is not one of those.

    Example:
        >>> from kvasir_seg.scores import new_accumulator
        >>> scores = new_accumulator("default")
        >>> type(scores).__name__, scores.protocol, len(scores)
        ('DefaultAccumulator', 'default', 0)
    """

    #: Name of the protocol, as ``compute_scores(protocol=...)`` spells it.
    protocol: str = ""

    def __init__(self, resize: str = "none") -> None:
        #: Pillow filter applied to a prediction of another size than its reference
        #: (:mod:`kvasir_seg.scores.resize`); ``"none"`` refuses a size mismatch.
        self.resize = check_resize(resize)
        self._image_ids: list[Hashable] = []
        self._seen_ids: set[Hashable] = set()
        self._times = array.array("d")
        self._count = 0

    def __len__(self) -> int:
        """Number of images added so far."""
        return self._count

    # -- the per-image part -------------------------------------------------------------
    @abstractmethod
    def measure(self, prediction: Any, reference: Any) -> Statistics:
        """Check one prediction/reference pair and return its per-image statistics.

        The state is neither read nor changed (so this may run in another process):
        :meth:`add` keeps the statistics.

        Args:
            prediction: The predicted mask (:mod:`kvasir_seg.scores.inputs`).
            reference: Its binary ground-truth mask.

        Returns:
            The protocol's statistics of the image (a few numbers, never the masks).

        Raises:
            MetricInputError: If a mask is refused (values, shape, size mismatch).

        Example:
            >>> from kvasir_seg.scores import new_accumulator
            >>> new_accumulator().measure(np.array([[0.9, 0.1]]), np.array([[1, 1]]))
            ConfusionCounts(tp=1, fp=0, fn=1, tn=0)
        """

    @abstractmethod
    def _fold(self, statistics: Statistics) -> None:
        """Fold one image's statistics into the running state."""

    @abstractmethod
    def _reduce(self) -> dict[str, float]:
        """The protocol's summary scores over all images folded so far."""

    @abstractmethod
    def _per_image_rows(self) -> list[dict[str, float]]:
        """One dict of scores per image, in the order they were added."""

    def update(
        self,
        prediction: Any,
        reference: Any,
        *,
        image_id: Hashable | None = None,
        inference_time: float | None = None,
    ) -> None:
        """Measure one image and keep its statistics (never the masks).

        Args:
            prediction: The predicted mask (:mod:`kvasir_seg.scores.inputs`).
            reference: Its ground-truth mask.
            image_id: Keys the image in :meth:`per_image`; give one for every image or none.
            inference_time: Seconds the model took on it, for :meth:`fps`; for every
                image or none.

        Raises:
            MetricInputError: If the image cannot be measured (the message names it: its
                id, else its place counting from 0; nothing is kept), or the id or time is
                refused as :meth:`add` says.

        Example:
            >>> from kvasir_seg.scores import new_accumulator
            >>> scores = new_accumulator()
            >>> scores.update(np.zeros((2, 2)), np.zeros((2, 2), bool), image_id="a")
            >>> list(scores.per_image())
            ['a']
        """
        with naming_image(image_name(image_id, len(self))):
            statistics = self.measure(prediction, reference)
        self.add(statistics, image_id=image_id, inference_time=inference_time)

    def measure_batch(
        self, predictions: Sequence[Any], references: Sequence[Any]
    ) -> list[Statistics]:
        """:meth:`measure` of each pair of a batch, in order; nothing is kept.

        Args:
            predictions: The batch's predicted masks.
            references: Their ground-truth masks, as many.

        Returns:
            The statistics of each image, in order.

        Raises:
            MetricInputError: If the two lists are not as long, or at the first image that
                cannot be measured, naming its place in the batch (``"Image 3 of the batch:
                ..."``).

        Example:
            >>> from kvasir_seg.scores import new_accumulator
            >>> masks = [np.eye(3, dtype=bool)] * 2
            >>> len(new_accumulator().measure_batch(masks, masks))
            2
        """
        check_same_length(predictions, references)
        statistics = []
        for index, (prediction, reference) in enumerate(zip(predictions, references, strict=True)):
            with image_of_batch(index):
                statistics.append(self.measure(prediction, reference))
        return statistics

    def add(
        self,
        statistics: Statistics,
        *,
        image_id: Hashable | None = None,
        inference_time: float | None = None,
    ) -> None:
        """Keep the statistics :meth:`measure` returned (e.g. in another process).

        Args:
            statistics: One image's statistics from :meth:`measure` of an accumulator of
                the same protocol and settings.
            image_id: As :meth:`update` takes it.
            inference_time: As :meth:`update` takes it.

        Raises:
            MetricInputError: If ``image_id`` was given before, or given for some images
                and not others; the same for ``inference_time``, or if it is not a positive
                number of seconds. Nothing is kept then.

        Example:
            >>> from kvasir_seg.scores import new_accumulator
            >>> scores = new_accumulator()
            >>> scores.add(scores.measure(np.ones((2, 2)), np.ones((2, 2), bool)))
            >>> len(scores)
            1
        """
        seconds = self._check_keys(image_id, inference_time)
        if image_id is not None:
            self._seen_ids.add(image_id)
            self._image_ids.append(image_id)
        if seconds is not None:
            self._times.append(seconds)
        self._fold(statistics)
        self._count += 1

    def _check_keys(self, image_id: Hashable | None, inference_time: float | None) -> float | None:
        """The inference time as seconds, once both keys are known to be acceptable."""
        if self._count and (image_id is None) != (not self._image_ids):
            raise MetricInputError(
                "image_id was given for some images but not for others; give one for every "
                "image or for none."
            )
        if image_id is not None and image_id in self._seen_ids:
            raise MetricInputError(f"image_id {image_id!r} was given twice; ids must be unique.")
        if self._count and (inference_time is None) != (not self._times):
            raise MetricInputError(
                "inference_time was given for some images but not for others; give one for "
                "every image or for none."
            )
        if inference_time is None:
            return None
        seconds = float(inference_time)
        if not (math.isfinite(seconds) and seconds > 0):
            raise MetricInputError(
                f"inference_time must be a positive number of seconds, got {inference_time!r}."
            )
        return seconds

    # -- reductions ---------------------------------------------------------------------
    def fps(self) -> float | None:
        """Frames per second of the images added, ``1 / mean(inference_time)``.

        Returns:
            The frames per second, or ``None`` when no inference time was given.

        Example:
            >>> from kvasir_seg.scores import new_accumulator
            >>> scores = new_accumulator()
            >>> for seconds in (0.02, 0.03, 0.05):
            ...     scores.update(np.ones((2, 2)), np.ones((2, 2), bool), inference_time=seconds)
            >>> scores.fps()
            30.0
        """
        return fps(self._times) if self._times else None

    def per_image(self) -> dict[Hashable, dict[str, float]]:
        """The scores of each image, in the order they were added.

        Returns:
            ``{image_id: {score: value}}`` (keyed by position, counting from 0, when no id
            was given), with ``inference_time`` when times were given. The default protocol
            adds each image's ``tp``, ``fp``, ``fn`` and ``tn``.

        Example:
            >>> from kvasir_seg.scores import new_accumulator
            >>> scores = new_accumulator()
            >>> scores.update(np.array([[0.9, 0.1]]), np.array([[1, 1]]))
            >>> scores.per_image()[0]["dice"], scores.per_image()[0]["fn"]
            (0.6666666666666666, 1)
        """
        rows = self._per_image_rows()
        keys: Sequence[Hashable] = self._image_ids or range(len(rows))
        if self._times:
            for row, seconds in zip(rows, self._times, strict=True):
                row["inference_time"] = seconds
        return dict(zip(keys, rows, strict=True))

    def result(self, *, per_image: bool = False) -> dict[str, Any]:
        """The summary scores of every image added.

        Args:
            per_image: Also return :meth:`per_image` under the key ``"per_image"``.

        Returns:
            The protocol's scores (floats, see :class:`~kvasir_seg.scores.DefaultAccumulator`
            and :class:`~kvasir_seg.scores.PraNetAccumulator`), ``num_images`` (int), and
            ``fps`` when times were given.

        Raises:
            MetricInputError: If no image was added.

        Example:
            >>> from kvasir_seg.scores import new_accumulator
            >>> scores = new_accumulator()
            >>> scores.update(np.array([[0.9, 0.1]]), np.array([[1, 0]]), image_id="a")
            >>> result = scores.result(per_image=True)
            >>> result["dice"], result["num_images"], list(result["per_image"])
            (1.0, 1, ['a'])
        """
        if not self._count:
            raise MetricInputError(
                "No image was scored: add at least one prediction/reference pair."
            )
        scores: dict[str, Any] = self._reduce()
        scores["num_images"] = self._count
        fps = self.fps()
        if fps is not None:
            scores["fps"] = fps
        if per_image:
            scores["per_image"] = self.per_image()
        return scores
