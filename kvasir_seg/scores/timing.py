"""Frames per second the way the dataset authors report it: ``1 / mean per-image time``.

Time the model alone (decoding and scoring excluded), image by image, after a warm-up:

    >>> import numpy as np
    >>> images = [np.zeros((8, 8), np.float32) for _ in range(3)]
    >>> seconds = time_inference(lambda image: image > 0.5, images, warmup=1)
    >>> len(seconds)
    3
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
    """Frames per second of per-image inference times: ``1 / mean(inference_times)``.

    Args:
        inference_times: Seconds the model took on each image (finite, positive floats),
            e.g. from :func:`time_inference`.

    Returns:
        The images per second, ``len(inference_times) / sum(inference_times)``.

    Raises:
        MetricInputError: If there is no time, or a time is not a finite positive number.

    Example:
        >>> fps([0.02, 0.03, 0.05])
        30.0
    """
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
    """Run ``predict`` on each image and yield its output with the seconds it took, lazily.

    Only the call to ``predict`` is timed. Before the first image is timed it is predicted
    ``warmup`` more times, untimed (caches, lazy initialisation, JIT compilation). Feed the
    pairs to an accumulator (``update(prediction, reference, inference_time=seconds)``) to
    score and time in one pass without holding the predictions.

    Args:
        predict: The model: takes one image, returns its prediction. For a GPU model it
            must return only when the result is ready (copy it to the host or
            synchronise), else the time is the launch's.
        images: The images, read one at a time as the pairs are consumed.
        warmup: Untimed calls on the first image, ``>= 0``.
        clock: Seconds as a float, read before and after each timed call
            (``time.perf_counter`` by default).

    Yields:
        ``(predict(image), seconds)`` for each image, in order.

    Raises:
        MetricInputError: If ``warmup`` is negative (when the first pair is asked for).

    Example:
        >>> readings = iter([10.0, 10.5, 20.0, 20.25])  # start and end of each timed call
        >>> clock = lambda: next(readings)
        >>> list(timed_predictions(lambda x: x * 2, [1, 2], warmup=1, clock=clock))
        [(2, 0.5), (4, 0.25)]
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
    """Seconds ``predict`` takes on each image, after a warm-up; the predictions are dropped.

    ``fps(time_inference(model, images))`` is the FPS the dataset authors report.

    Args:
        predict: The model, as :func:`timed_predictions` takes it.
        images: The images, read one at a time.
        warmup: Untimed calls on the first image, ``>= 0``.

    Returns:
        The seconds of each image, in order (``time.perf_counter`` differences).

    Raises:
        MetricInputError: If ``warmup`` is negative.

    Example:
        >>> seconds = time_inference(lambda image: image > 0.5, [0.2, 0.7, 0.9], warmup=1)
        >>> len(seconds)
        3
    """
    return [seconds for _, seconds in timed_predictions(predict, images, warmup=warmup)]
