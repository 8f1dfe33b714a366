"""What every streaming score accumulator shares: image ids, inference times, per-image rows.

A concrete accumulator (:class:`~kvasir_seg.scores.confusion.DefaultAccumulator`,
:class:`~kvasir_seg.scores.pranet.PraNetAccumulator`) measures one image into a small
statistics object (``measure``), folds it in (``add``), and reduces on ``result()``. Only
those statistics are kept, never the masks:

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

    def __init__(self, resize: str = "none") -> None:
        #: Pillow filter applied to a prediction of another size than its reference
        #: (:mod:`kvasir_seg.scores.resize`); ``"none"`` refuses a size mismatch.
        self.resize = check_resize(resize)
        self._image_ids: list[Hashable] = []
        self._seen_ids: set[Hashable] = set()
        self._times = array.array("d")
        self._count = 0

    def __len__(self) -> int:
        """Number of images measured so far."""
        return self._count

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
        feeds ``fps``. Give each for every image or for none.
        """
        self.add(
            self.measure(prediction, reference), image_id=image_id, inference_time=inference_time
        )

    def add(
        self,
        statistics: Statistics,
        *,
        image_id: Hashable | None = None,
        inference_time: float | None = None,
    ) -> None:
        """Fold statistics from :meth:`measure` (e.g. computed in another process)."""
        self._register(image_id, inference_time)
        self._fold(statistics)
        self._count += 1

    def _register(self, image_id: Hashable | None, inference_time: float | None) -> None:
        if self._count and (image_id is None) != (not self._image_ids):
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
        if self._count and (inference_time is None) != (not self._times):
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

    # -- reductions ---------------------------------------------------------------------
    def fps(self) -> float | None:
        """Frames per second, ``1 / mean(inference_time)``; ``None`` without times."""
        return fps(self._times) if self._times else None

    def per_image(self) -> dict[Hashable, dict[str, float]]:
        """Scores of each image, keyed by its ``image_id`` (or its position when none)."""
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
