"""Worker processes give the floats and the errors of one process; the metrics start none.

``compute_scores(num_workers=2)`` (its workers forked, or started from a fork server) on
both protocols, with ``resize``, ids and times, compared with ``==``, not "close". The
accumulator, the torchmetrics metric and the ``evaluate`` module are plain state: they
start no process, and an accumulator copied or pickled mid-stream goes on as the original.
The command line's ``--jobs`` is tested in tests/cli/test_cli_jobs.py.
"""

from __future__ import annotations

import copy
import multiprocessing
import os
import pickle

import numpy as np
import pytest

from kvasir_seg.errors import KvasirSegError, MetricInputError
from kvasir_seg.scores import compute_scores, evaluate_module_path, new_accumulator, parallel

PROTOCOLS = ("default", "pranet")


def _pairs(count: int = 12, seed: int = 7) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """8-bit maps at half size (resized) and 0/255 references of 24 x 30."""
    rng = np.random.default_rng(seed)
    predictions, references = [], []
    for index in range(count):
        reference = np.zeros((24, 30), np.uint8)
        reference[3 : 6 + index, 4 : 9 + index] = 255
        noisy = np.clip(reference[::2, ::2] / 255 * 0.7 + rng.random((12, 15)) * 0.4, 0, 1)
        predictions.append(np.rint(noisy * 255).astype(np.uint8))
        references.append(reference)
    return predictions, references


@pytest.fixture
def every_image_worth_a_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two workers even for a dozen images (the tests' masks are few and small)."""
    monkeypatch.setattr(parallel, "MIN_IMAGES_PER_WORKER", 1)


@pytest.fixture(params=["fork", "forkserver"])
def start_method(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Workers forked from this process, or started from a fork server (as where it runs
    other threads): the same floats either way."""
    if request.param not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {request.param} here")
    real = parallel.worker_context

    def chosen() -> multiprocessing.context.BaseContext:
        context = real()
        if request.param == "fork":
            return multiprocessing.get_context("fork")
        if context.get_start_method() != "forkserver":
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["kvasir_seg.scores"])
        return context

    monkeypatch.setattr(parallel, "worker_context", chosen)
    yield request.param
    assert multiprocessing.active_children() == []


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_compute_scores_with_workers_gives_the_floats_of_one(
    protocol: str, start_method: str, every_image_worth_a_worker: None
) -> None:
    predictions, references = _pairs()
    options = {
        "protocol": protocol,
        "resize": "bilinear",
        "image_ids": [f"frame-{i}" for i in range(len(predictions))],
        "inference_times": [0.01 * (i + 1) for i in range(len(predictions))],
        "per_image": True,
    }
    one = compute_scores(predictions, references, **options)
    two = compute_scores(iter(predictions), iter(references), num_workers=2, **options)
    assert two == one  # bit-identical: == on every float, per image too
    assert list(two["per_image"]) == options["image_ids"]


@pytest.mark.parametrize("ids", [True, False])
def test_an_image_a_worker_refuses_is_named_as_one_process_names_it(
    ids: bool, start_method: str, every_image_worth_a_worker: None
) -> None:
    predictions, references = _pairs(9)
    predictions[4] = np.full((12, 15), np.nan)
    image_ids = [f"frame-{i}" for i in range(9)] if ids else None
    raised = []
    for workers in (1, 2):
        with pytest.raises(MetricInputError) as caught:
            compute_scores(
                predictions, references, resize="bilinear", image_ids=image_ids, num_workers=workers
            )
        raised.append(str(caught.value))
    assert raised[0] == raised[1]
    name = "Image 'frame-4'" if ids else "Image 4 (counting from 0)"
    assert raised[0].startswith(f"{name}: The prediction contains NaN")


def test_an_id_given_twice_is_refused_with_workers_as_without(
    every_image_worth_a_worker: None,
) -> None:
    predictions, references = _pairs(4)
    raised = []
    for workers in (1, 2):
        with pytest.raises(MetricInputError, match="'b' was given twice") as caught:
            compute_scores(
                predictions,
                references,
                resize="nearest",
                image_ids=["a", "b", "c", "b"],
                num_workers=workers,
            )
        raised.append(str(caught.value))
    assert raised[0] == raised[1]


class _KillsTheWorker:
    """Unpickled in a worker, it ends that process at once (as the OOM killer would)."""

    def __reduce__(self):
        return (os._exit, (3,))


def test_a_worker_that_dies_is_our_error_saying_what_to_do(
    every_image_worth_a_worker: None,
) -> None:
    predictions, references = _pairs(4)
    predictions[2] = _KillsTheWorker()
    with pytest.raises(KvasirSegError, match="worker process died.*fewer worker processes"):
        compute_scores(predictions, references, resize="nearest", num_workers=2)
    assert multiprocessing.active_children() == []


def test_too_few_images_for_the_workers_to_pay_off_are_scored_here(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_pool(*args, **kwargs):
        raise AssertionError("a pool was started")

    monkeypatch.setattr(parallel, "ProcessPoolExecutor", no_pool)
    count = 2 * parallel.MIN_IMAGES_PER_WORKER - 1
    predictions, references = _pairs(count)
    scores = compute_scores(predictions, references, resize="nearest", num_workers=4)
    assert scores["num_images"] == count
    assert parallel.worker_count(4, count + 1) == 2
    assert parallel.worker_count(4, 100 * parallel.MIN_IMAGES_PER_WORKER) == 4
    assert parallel.worker_count(4, None) == 4  # an iterator of unknown length


def test_the_metrics_start_no_process(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    """The accumulator, the torchmetrics metric and the evaluate module measure here."""
    evaluate = pytest.importorskip("evaluate")
    torch = pytest.importorskip("torch")
    pytest.importorskip("torchmetrics")
    from kvasir_seg.scores.torch import KvasirSegMetric

    def no_pool(*args, **kwargs):
        raise AssertionError("a pool was started")

    monkeypatch.setattr(parallel, "ProcessPoolExecutor", no_pool)
    predictions, references = _pairs()
    expected = compute_scores(predictions, references, resize="bilinear")
    accumulator = new_accumulator(resize="bilinear")
    for pair in zip(predictions, references, strict=True):
        accumulator.update(*pair)
    assert accumulator.result() == expected
    module = evaluate.load(evaluate_module_path(), cache_dir=str(tmp_path), resize="bilinear")
    assert module.compute(predictions=predictions, references=references) == expected
    metric = KvasirSegMetric()
    metric.update(
        torch.from_numpy(np.stack(references) // 255), torch.from_numpy(np.stack(references))
    )
    assert metric.compute()["dice"].item() == 1.0
    for make in (new_accumulator, KvasirSegMetric):
        with pytest.raises((TypeError, ValueError), match="num_workers"):
            make(num_workers=2)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_an_accumulator_is_plain_state_that_copies_and_pickles_mid_stream(protocol: str) -> None:
    predictions, references = _pairs(6)
    scores = new_accumulator(protocol, resize="nearest")
    for index, pair in enumerate(zip(predictions[:3], references[:3], strict=True)):
        scores.update(*pair, image_id=index)
    copies = [copy.deepcopy(scores), pickle.loads(pickle.dumps(scores)), scores]
    for accumulator in copies:
        for index, pair in enumerate(zip(predictions[3:], references[3:], strict=True), 3):
            # measured elsewhere (e.g. in a worker), added here: the same as update
            accumulator.add(accumulator.measure(*pair), image_id=index)
    expected = compute_scores(
        predictions, references, protocol=protocol, resize="nearest", per_image=True
    )
    assert [a.result(per_image=True) for a in copies] == [expected] * 3


def test_a_refused_id_or_time_keeps_nothing_of_the_image() -> None:
    scores = new_accumulator()
    mask = np.ones((2, 2), bool)
    scores.update(mask, mask, image_id="a", inference_time=0.1)
    for keywords in ({"image_id": "b", "inference_time": -1.0}, {"image_id": "a"}):
        with pytest.raises(MetricInputError):
            scores.update(mask, mask, **keywords)
    scores.update(mask, mask, image_id="b", inference_time=0.2)
    assert list(scores.result(per_image=True)["per_image"]) == ["a", "b"]
