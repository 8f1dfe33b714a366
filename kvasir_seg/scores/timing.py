"""Frames per second the way the dataset authors report it: ``1 / mean per-image time``.

Time the model alone (decoding and scoring excluded), image by image, after a warm-up:

    >>> import numpy as np
    >>> images = [np.zeros((8, 8), np.float32) for _ in range(3)]
    >>> seconds = time_inference(lambda image: image > 0.5, images, warmup=1)
    >>> len(seconds), all(s > 0 for s in seconds)
    (3, True)
    >>> fps([0.02, 0.03, 0.05])
    30.0

For a GPU model the callable must return only when the result is ready (e.g. copy it to the
host or synchronise), or the times measure the launch, not the inference.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

from kvasir_seg.errors import MetricInputError

Output = TypeVar("Output")


def fps(inference_times: Sequence[float]) -> float:
    """``1 / mean(inference_times)``; times are seconds per image."""
    if not inference_times:
        raise MetricInputError("fps needs at least one inference time.")
    if any(not (math.isfinite(seconds) and seconds > 0) for seconds in inference_times):
        raise MetricInputError("Inference times must be positive numbers of seconds.")
    return len(inference_times) / sum(inference_times)


def timed_predictions(
    predict: Callable[[Any], Output],
    images: Iterable[Any],
    *,
    warmup: int = 3,
    clock: Callable[[], float] = time.perf_counter,
) -> Iterator[tuple[Output, float]]:
    """Yield ``(predict(image), seconds)`` for each image, lazily.

    The first image is first predicted ``warmup`` extra times, untimed (caches, lazy
    initialisation, JIT). Feed the pairs straight to an accumulator to score and time in
    one pass without holding the predictions:

        >>> from kvasir_seg.scores import DefaultAccumulator
        >>> import numpy as np
        >>> scores = DefaultAccumulator()
        >>> pairs = [(np.ones((4, 4)), np.ones((4, 4), bool))] * 2
        >>> timed = timed_predictions(lambda x: x, (image for image, _ in pairs), warmup=0)
        >>> for (prediction, seconds), (_, reference) in zip(timed, pairs):
        ...     scores.update(prediction, reference, inference_time=seconds)
        >>> sorted(scores.result())[:2]
        ['accuracy', 'dice']
    """
    if warmup < 0:
        raise MetricInputError(f"warmup must be >= 0, got {warmup}.")
    warmed = warmup == 0
    for image in images:
        if not warmed:
            for _ in range(warmup):
                predict(image)
            warmed = True
        start = clock()
        output = predict(image)
        yield output, clock() - start


def time_inference(
    predict: Callable[[Any], Any], images: Iterable[Any], *, warmup: int = 3
) -> list[float]:
    """Seconds per image of ``predict`` over ``images`` (predictions discarded).

    ``fps(time_inference(model, images))`` is the FPS the dataset authors report.
    """
    return [seconds for _, seconds in timed_predictions(predict, images, warmup=warmup)]
