"""FPS: one over the mean per-image inference time, measured after a warm-up."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from kvasir_seg import MetricInputError
from kvasir_seg.scores import DefaultAccumulator, fps, time_inference, timed_predictions


class FakeClock:
    """A clock read twice per timed call (start, end); each call lasts the next duration."""

    def __init__(self, durations: list[float]) -> None:
        ends = itertools.accumulate(durations)
        starts = itertools.accumulate([0.0, *durations[:-1]])
        self._readings = itertools.chain.from_iterable(zip(starts, ends, strict=True))

    def __call__(self) -> float:
        return next(self._readings)


def test_fps_is_one_over_the_mean_time() -> None:
    assert fps([0.02, 0.03, 0.05]) == pytest.approx(30.0)
    with pytest.raises(MetricInputError):
        fps([])
    for refused in (-0.1, 0.0, float("nan"), float("inf")):  # as the accumulators refuse them
        with pytest.raises(MetricInputError):
            fps([0.1, refused])


def test_warmup_calls_are_not_timed_and_outputs_are_yielded() -> None:
    calls: list[int] = []

    def predict(image: int) -> int:
        calls.append(image)
        return image * 10

    clock = FakeClock([0.5, 0.25, 0.125])
    results = list(timed_predictions(predict, [1, 2, 3], warmup=2, clock=clock))
    assert [output for output, _ in results] == [10, 20, 30]
    assert [seconds for _, seconds in results] == [0.5, 0.25, 0.125]
    assert calls == [1, 1, 1, 2, 3]  # two warm-up calls on the first image


def test_time_inference_is_lazy_over_images_and_times_every_one() -> None:
    images = (np.zeros((4, 4)) for _ in range(5))
    seconds = time_inference(lambda image: image + 1, images, warmup=0)
    assert len(seconds) == 5
    assert all(s >= 0 for s in seconds)
    with pytest.raises(MetricInputError, match="warmup"):
        time_inference(lambda image: image, [1], warmup=-1)


def test_timed_predictions_feed_an_accumulator_in_one_pass() -> None:
    reference = np.zeros((6, 6), bool)
    reference[2:4, 2:4] = True
    images = [reference.astype(float)] * 3
    clock = FakeClock([0.1] * 3)
    scores = DefaultAccumulator()
    for (prediction, seconds), image_id in zip(
        timed_predictions(lambda image: image, images, warmup=0, clock=clock),
        ["a", "b", "c"],
        strict=True,
    ):
        scores.update(prediction, reference, image_id=image_id, inference_time=seconds)
    result = scores.result()
    assert result["fps"] == pytest.approx(10.0)
    assert result["dice"] == 1.0
