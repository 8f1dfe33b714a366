"""Every door with worker processes gives the floats and the errors of one process.

The accumulator (``new_accumulator(num_workers=2)``), ``compute_scores``, the ``evaluate``
module (``num_workers`` given to ``evaluate.load`` or to ``compute``) and the torchmetrics
metric, on both protocols, with ``resize``: compared with ``==``, not "close".
"""

from __future__ import annotations

import copy
import multiprocessing
import os
import pickle
from pathlib import Path

import numpy as np
import pytest

from kvasir_seg.errors import KvasirSegError, MetricInputError
from kvasir_seg.scores import compute_scores, new_accumulator

evaluate = pytest.importorskip("evaluate")
torch = pytest.importorskip("torch")
pytest.importorskip("torchmetrics")

from kvasir_seg.scores.torch import KvasirSegMetric  # noqa: E402

MODULE = str(Path(__file__).resolve().parents[1] / "metrics" / "kvasir_seg")
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
def no_children_left():
    yield
    assert multiprocessing.active_children() == []


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_streaming_accumulator_with_workers_folds_the_floats_of_one(protocol, no_children_left):
    predictions, references = _pairs()
    ids = [f"frame-{i}" for i in range(len(predictions))]
    times = [0.01 * (i + 1) for i in range(len(predictions))]
    expected = compute_scores(
        predictions,
        references,
        protocol=protocol,
        resize="bilinear",
        image_ids=ids,
        inference_times=times,
        per_image=True,
    )
    with new_accumulator(protocol, resize="bilinear", num_workers=2) as scores:
        for prediction, reference, image_id, seconds in zip(
            predictions, references, ids, times, strict=True
        ):
            scores.update(prediction, reference, image_id=image_id, inference_time=seconds)
            assert len(scores._pool) < 2 * 4  # never more than the window in flight
        half = scores.result()  # a partial result waits for the workers, keeps them
        assert half == {k: v for k, v in expected.items() if k != "per_image"}
        assert scores.result(per_image=True) == expected
    assert list(expected["per_image"]) == ids


def test_an_image_a_worker_refuses_is_named_and_the_others_are_kept(no_children_left):
    predictions, references = _pairs(9)
    predictions[4] = np.full((12, 15), np.nan)
    one, two = new_accumulator(resize="bilinear"), new_accumulator(resize="bilinear", num_workers=2)
    errors = {}
    for scores in (one, two):
        with scores:
            for index, pair in enumerate(zip(predictions, references, strict=True)):
                try:
                    scores.update(*pair, image_id=f"frame-{index}")
                except MetricInputError as error:
                    errors[scores.num_workers] = str(error)
            try:
                result = scores.result(per_image=True)
            except MetricInputError as error:  # with workers, raised by a later call
                errors[scores.num_workers] = str(error)
                result = scores.result(per_image=True)
        assert "frame-4" not in result["per_image"] and result["num_images"] == 8
    assert errors[1] == errors[2]
    assert errors[1].startswith("Image 'frame-4': The prediction contains NaN")
    assert one.result(per_image=True) == two.result(per_image=True)


def test_an_id_given_twice_is_refused_at_once_with_workers(no_children_left):
    with new_accumulator(num_workers=2) as scores:
        scores.update(np.ones((3, 3)), np.ones((3, 3), bool), image_id="a")
        with pytest.raises(MetricInputError, match="given twice"):
            scores.update(np.ones((3, 3)), np.ones((3, 3), bool), image_id="a")
        assert scores.result()["num_images"] == 1


def test_an_accumulator_with_workers_pickles_and_copies_with_what_is_in_flight(no_children_left):
    predictions, references = _pairs(6)
    with new_accumulator("pranet", resize="nearest", num_workers=2) as scores:
        for pair in zip(predictions, references, strict=True):
            scores.update(*pair)
        copied = copy.deepcopy(scores)
        unpickled = pickle.loads(pickle.dumps(scores))
        expected = scores.result()
    assert copied.result() == unpickled.result() == expected
    assert copied.num_workers == 2  # its own workers start if it is updated again
    with copied:
        copied.update(predictions[0], references[0])
        assert copied.result()["num_images"] == 7


def test_ctrl_c_while_waiting_for_the_workers_stops_them(no_children_left, monkeypatch):
    scores = new_accumulator(num_workers=2)
    scores.update(np.ones((3, 3)), np.ones((3, 3), bool))

    def interrupted(**_):
        raise KeyboardInterrupt
        yield

    monkeypatch.setattr(scores._pool, "take", interrupted)
    with pytest.raises(KeyboardInterrupt):
        scores.result()
    assert multiprocessing.active_children() == []
    with pytest.raises(MetricInputError, match="interrupted.*start a new accumulator"):
        scores.update(np.ones((3, 3)), np.ones((3, 3), bool))


class _KillsTheWorker:
    """Unpickled in a worker, it ends that process at once (as the OOM killer would)."""

    def __reduce__(self):
        return (os._exit, (3,))


def test_a_worker_that_dies_is_our_error_saying_what_to_do(no_children_left):
    scores = new_accumulator(num_workers=2)
    scores.update(_KillsTheWorker(), np.ones((3, 3), bool))
    with pytest.raises(KvasirSegError, match="worker process .* died.*fewer workers"):
        scores.close()


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_the_evaluate_module_with_workers_gives_the_floats_of_one(
    protocol, tmp_path, no_children_left
):
    predictions, references = _pairs()
    expected = compute_scores(predictions, references, protocol=protocol, resize="bilinear")
    at_load = evaluate.load(
        MODULE, protocol, cache_dir=str(tmp_path), resize="bilinear", num_workers=2
    )
    for start in range(0, len(predictions), 5):  # batches of 5, 5 and 2: one pool for all
        at_load.add_batch(
            predictions=predictions[start : start + 5], references=references[start : start + 5]
        )
    assert at_load.compute() == expected
    at_compute = evaluate.load(MODULE, protocol, cache_dir=str(tmp_path), resize="bilinear")
    assert (
        at_compute.compute(predictions=predictions, references=references, num_workers=2)
        == expected
    )
    at_load._measurer.close()
    at_compute._measurer.close()


def test_the_evaluate_module_names_a_refused_image_as_without_workers(tmp_path):
    predictions, references = _pairs(5)
    references[3] = references[3] // 2  # values 0 and 127: not a binary mask
    raised = []
    for workers in (1, 2):
        metric = evaluate.load(MODULE, cache_dir=str(tmp_path), resize="bilinear")
        with pytest.raises(MetricInputError) as caught:
            metric.compute(predictions=predictions, references=references, num_workers=workers)
        raised.append(str(caught.value))
        metric._measurer.close()
    assert raised[0] == raised[1]
    assert raised[0].startswith("Image 3 of the batch: The reference is not a binary mask")


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_the_torch_metric_with_workers_gives_the_floats_of_one(protocol, no_children_left):
    predictions, references = _pairs()
    targets = torch.from_numpy(np.stack(references))[:, None]
    maps = torch.from_numpy(np.stack([np.kron(p, np.ones((2, 2), np.uint8)) for p in predictions]))
    expected = compute_scores(list(maps.numpy()), references, protocol=protocol)
    metric = KvasirSegMetric(protocol, num_workers=2)
    for start in range(0, len(predictions), 5):
        metric.update(maps[start : start + 5, None], targets[start : start + 5])
    computed = {name: value.item() for name, value in metric.compute().items()}
    assert computed == expected
    bad = maps[:3].float() / 255
    bad[2, 0, 0] = float("nan")
    with pytest.raises(
        MetricInputError, match="^Image 2 of the batch: The prediction contains NaN"
    ):
        metric.update(bad[:, None], targets[:3])
    assert len(metric.prediction_columns) == 3  # nothing of the refused batch was kept
    metric._engine.close()


def test_leaving_a_with_block_on_an_error_refuses_what_it_lost(no_children_left):
    predictions, references = _pairs(6)
    with pytest.raises(RuntimeError), new_accumulator(num_workers=2) as scores:
        for pair in zip(predictions, references, strict=True):
            scores.update(*pair)
        raise RuntimeError("the caller's own error, images still in flight")
    with pytest.raises(MetricInputError, match="interrupted.*start a new accumulator"):
        scores.result()
