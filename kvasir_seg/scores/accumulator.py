"""What every streaming score accumulator shares: image ids, inference times, per-image rows.

A concrete accumulator (:class:`~kvasir_seg.scores.confusion.DefaultAccumulator`,
:class:`~kvasir_seg.scores.pranet.PraNetAccumulator`) measures one image into a small
statistics object (``measure``), folds it in (``add``), and reduces on ``result()``. Only
those statistics are kept, never the masks. With ``num_workers`` > 1 the measuring runs
in that many worker processes while ``update`` returns at once (at most a few images per
worker in flight), and every result is folded in the order of the updates: the same floats
as one process.

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
from collections.abc import Hashable, Iterable, Iterator, Sequence
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from contextlib import closing
from typing import Any, Generic, TypeVar

import numpy as np

from kvasir_seg.errors import KvasirSegError, MetricInputError
from kvasir_seg.scores.inputs import about_image, image_of_batch
from kvasir_seg.scores.parallel import OrderedPool, check_jobs
from kvasir_seg.scores.resize import check_resize
from kvasir_seg.scores.timing import fps

Statistics = TypeVar("Statistics")


class Rows:
    """A growing 2-D numpy table (amortised appends, compact storage)."""

    def __init__(self, width: int, dtype: Any) -> None:
        self._data = np.empty((16, width), dtype=dtype)
        self._count = 0

    def append(self, row: Sequence[float]) -> None:
        if self._count == len(self._data):
            self._data = np.concatenate([self._data, np.empty_like(self._data)])
        self._data[self._count] = row
        self._count += 1

    def view(self) -> np.ndarray:
        """The rows appended so far (a view, do not keep it across appends)."""
        return self._data[: self._count]

    def __len__(self) -> int:
        return self._count


class ScoreAccumulator(ABC, Generic[Statistics]):
    """Base class: bookkeeping of image ids and inference times; subclasses do the maths."""

    #: Name of the protocol, as ``compute_scores(protocol=...)`` spells it.
    protocol: str = ""

    def __init__(self, resize: str = "none", num_workers: int = 1) -> None:
        #: Pillow filter applied to a prediction of another size than its reference
        #: (:mod:`kvasir_seg.scores.resize`); ``"none"`` refuses a size mismatch.
        self.resize = check_resize(resize)
        #: Processes that measure the images (1: this one, no pool is started).
        self.num_workers = check_jobs(num_workers)
        self._image_ids: list[Hashable] = []
        self._seen_ids: set[Hashable] = set()
        self._times = array.array("d")
        self._registered = 0  # images whose id and time are kept (folded or in flight)
        self._count = 0  # images folded
        self._pool: OrderedPool[tuple[Any, Any], Statistics] | None = None
        self._interrupted = 0  # images lost in flight when an update was interrupted

    def __len__(self) -> int:
        """Number of images measured so far (waiting for those still in the workers)."""
        self._fold_in_flight()
        return self._count

    @abstractmethod
    def settings(self) -> dict[str, Any]:
        """The constructor's keywords (but ``num_workers``): what a worker's copy needs."""

    def _workers(self) -> OrderedPool[tuple[Any, Any], Statistics]:
        self._check_usable()
        if self._pool is None:
            self._pool = OrderedPool(
                _measure_in_worker,
                jobs=self.num_workers,
                initializer=_start_worker,
                initargs=(type(self), self.settings()),
            )
        return self._pool

    def close(self) -> None:
        """Fold what is still in the workers and stop them (a later update starts new
        ones). Use the accumulator as a context manager to close it when done."""
        self._fold_in_flight()
        if self._pool is not None:
            pool, self._pool = self._pool, None
            pool.close()

    def __enter__(self) -> ScoreAccumulator[Statistics]:
        return self

    def __exit__(self, error_type: type[BaseException] | None, *rest: object) -> None:
        if error_type is None:
            self.close()
        else:
            self._abandon_workers(lost=0)

    def _abandon_workers(self, *, lost: int) -> None:
        """Stop the workers, cancelling what is in flight; with images lost (``lost`` of
        them taken and not folded, or any still in flight) the accumulator refuses to go
        on, since their ids and times are kept but their statistics are not."""
        if self._pool is None:
            return
        pool, self._pool = self._pool, None
        lost += len(pool)
        pool.close(cancel=True)
        if lost:
            self._interrupted = lost

    def __getstate__(self) -> dict[str, Any]:
        """Picklable (and copyable) once what is in the workers is folded; without them."""
        self._fold_in_flight()
        state = dict(self.__dict__)
        state["_pool"] = None
        return state

    # -- the per-image part -------------------------------------------------------------
    @abstractmethod
    def measure(self, prediction: Any, reference: Any) -> Statistics:
        """Check one prediction/reference pair and return its per-image statistics."""

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

        ``image_id`` keys the image in per-image output; ``inference_time`` (seconds)
        feeds ``fps``. Give each for every image or for none. An image that cannot be
        measured raises :class:`MetricInputError` naming it (its id, else its place in
        the order of updates); with ``num_workers`` > 1 that error is raised by a later
        call (``update``, ``result``, ``len``, ``close``), and the images after it are
        kept, as one process keeps those updated after a failed one.
        """
        if self.num_workers == 1:
            self._check_usable()
            position = self._registered
            try:
                statistics = self.measure(prediction, reference)
            except MetricInputError as error:
                raise _about_image(error, image_id, position) from None
            self.add(statistics, image_id=image_id, inference_time=inference_time)
            return
        pool = self._workers()
        position = self._registered
        self._register(image_id, inference_time)
        pool.put((prediction, reference), tag=(image_id, position))
        self._fold_in_flight(everything=False)

    def measure_many(self, pairs: Iterable[tuple[Any, Any]]) -> Iterator[Statistics]:
        """:meth:`measure` of each ``(prediction, reference)`` pair, in order, in the
        workers when there are several (a few pairs per worker in flight); nothing is
        folded. An error is the one :meth:`measure` raises, at that pair."""
        if self.num_workers == 1:
            self._check_usable()
            yield from (self.measure(prediction, reference) for prediction, reference in pairs)
            return
        self._fold_in_flight()
        yield from self._workers().map(pairs)

    def measure_batch(
        self, predictions: Sequence[Any], references: Sequence[Any]
    ) -> list[Statistics]:
        """:meth:`measure_many` of one batch (equal lengths), its error naming the image's
        place in the batch ("Image 3 of the batch: ...")."""
        measured = self.measure_many(zip(predictions, references, strict=True))
        statistics: list[Statistics] = []
        with closing(measured):
            for index in range(len(predictions)):
                with image_of_batch(index):
                    statistics.append(next(measured))
        return statistics

    def _fold_in_flight(self, *, everything: bool = True) -> None:
        """Fold the results that are ready to be taken: beyond the window of images in
        flight, or, with ``everything``, all of them (waiting for the workers)."""
        self._check_usable()
        if self._pool is None:
            return
        try:
            for (image_id, position), future in self._pool.take(everything=everything):
                self._fold_future(future, image_id, position)
        except MetricInputError:
            raise  # an image that cannot be measured: named, forgotten, the rest kept
        except BaseException as error:  # Ctrl-C, a worker that died: what is in flight is lost
            self._abandon_workers(lost=1)
            if isinstance(error, BrokenProcessPool):
                raise KvasirSegError(
                    f"A worker process measuring images died ({error}); was it killed or out "
                    "of memory? Score again with fewer workers (num_workers)."
                ) from None
            raise

    def _fold_future(
        self, future: Future[Statistics], image_id: Hashable | None, position: int
    ) -> None:
        try:
            statistics = future.result()
        except MetricInputError as error:
            self._forget(self._count)  # its id and time, registered when it was sent
            raise _about_image(error, image_id, position) from None
        self._fold(statistics)
        self._count += 1

    def _check_usable(self) -> None:
        if self._interrupted:
            raise MetricInputError(
                f"This accumulator was interrupted while images were in its workers (up to "
                f"{self._interrupted}); they are lost: start a new accumulator."
            )

    def add(
        self,
        statistics: Statistics,
        *,
        image_id: Hashable | None = None,
        inference_time: float | None = None,
    ) -> None:
        """Fold statistics from :meth:`measure` (e.g. computed in another process)."""
        self._fold_in_flight()
        self._register(image_id, inference_time)
        self._fold(statistics)
        self._count += 1

    def _register(self, image_id: Hashable | None, inference_time: float | None) -> None:
        if self._registered and (image_id is None) != (not self._image_ids):
            raise MetricInputError(
                "image_id was given for some images but not for others; give one for every "
                "image or for none."
            )
        if image_id is not None:
            if image_id in self._seen_ids:
                raise MetricInputError(
                    f"image_id {image_id!r} was given twice; ids must be unique."
                )
            self._seen_ids.add(image_id)
            self._image_ids.append(image_id)
        if self._registered and (inference_time is None) != (not self._times):
            raise MetricInputError(
                "inference_time was given for some images but not for others; give one for "
                "every image or for none."
            )
        if inference_time is not None:
            seconds = float(inference_time)
            if not (math.isfinite(seconds) and seconds > 0):
                raise MetricInputError(
                    f"inference_time must be a positive number of seconds, got {inference_time!r}."
                )
            self._times.append(seconds)
        self._registered += 1

    def _forget(self, index: int) -> None:
        """Drop the id and time of the ``index``-th registered image (it failed)."""
        if self._image_ids:
            self._seen_ids.discard(self._image_ids.pop(index))
        if self._times:
            del self._times[index]
        self._registered -= 1

    # -- reductions ---------------------------------------------------------------------
    def fps(self) -> float | None:
        """Frames per second, ``1 / mean(inference_time)``; ``None`` without times."""
        self._fold_in_flight()
        return fps(self._times) if self._times else None

    def per_image(self) -> dict[Hashable, dict[str, float]]:
        """Scores of each image, keyed by its ``image_id`` (or its position when none)."""
        self._fold_in_flight()
        rows = self._per_image_rows()
        keys: Sequence[Hashable] = self._image_ids or range(len(rows))
        if self._times:
            for row, seconds in zip(rows, self._times, strict=True):
                row["inference_time"] = seconds
        return dict(zip(keys, rows, strict=True))

    def result(self, *, per_image: bool = False) -> dict[str, Any]:
        """The summary scores; with ``per_image=True`` also a ``per_image`` dict.

        Raises :class:`MetricInputError` if no image was added.
        """
        if not len(self):
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


def _about_image(
    error: MetricInputError, image_id: Hashable | None, position: int
) -> MetricInputError:
    """``error`` naming the image it is about: its id, else its place among the updates."""
    if image_id is not None:
        return about_image(error, f"Image {image_id!r}")
    return about_image(error, f"Image {position} (counting from 0)")


#: A worker's own accumulator, whose ``measure`` it runs (set by :func:`_start_worker`).
_worker_engine: ScoreAccumulator | None = None


def _start_worker(kind: type[ScoreAccumulator], settings: dict[str, Any]) -> None:
    global _worker_engine
    _worker_engine = kind(**settings)


def _measure_in_worker(pair: tuple[Any, Any]) -> Any:
    assert _worker_engine is not None
    return _worker_engine.measure(*pair)
