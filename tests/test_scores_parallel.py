"""``kvasir_seg.scores.parallel``: ``ordered_map`` keeps the order, bounds the window and
raises as ``map`` does; one worker starts no pool. (compute_scores with workers:
tests/test_workers_agree.py.)"""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from kvasir_seg import errors
from kvasir_seg.errors import KvasirSegError, MetricInputError
from kvasir_seg.scores import available_cores, compute_scores, parallel


def _masks(count: int = 14, seed: int = 0) -> tuple[list, list]:
    """Probability maps (some smaller than their mask) and bool references of mixed sizes."""
    rng = np.random.default_rng(seed)
    predictions, references = [], []
    for index in range(count):
        height, width = 30 + index, 41 - index
        reference = np.zeros((height, width), bool)
        reference[5 : 5 + index + 3, 4 : 4 + 2 * index + 3] = True
        noise = rng.random((height, width))
        prediction = np.clip(reference * 0.7 + noise * 0.5, 0, 1)
        if index % 3 == 0:
            prediction = (prediction[::2, ::2] * 255).astype(np.uint8)  # to be resized
        predictions.append(prediction)
        references.append(reference)
    return predictions, references


def test_one_worker_starts_no_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_pool(*args, **kwargs):
        raise AssertionError("a pool was started")

    monkeypatch.setattr(parallel, "ProcessPoolExecutor", no_pool)
    predictions, references = _masks(3)
    compute_scores(predictions, references, resize="nearest", num_workers=1)
    assert list(parallel.ordered_map(abs, [-1, -2], num_workers=1)) == [1, 2]


@pytest.mark.parametrize("workers", [0, -1, 1.5, True])
def test_the_number_of_workers_is_checked(workers: object) -> None:
    with pytest.raises(MetricInputError, match="positive integer"):
        compute_scores([np.ones((2, 2))], [np.ones((2, 2), bool)], num_workers=workers)


def test_the_window_of_pending_images_is_bounded() -> None:
    produced, consumed = [], []

    def items():
        for value in range(40):
            produced.append(value)
            yield value

    for value in parallel.ordered_map(abs, items(), num_workers=2, ahead=2):
        consumed.append(value)
        assert len(produced) - len(consumed) <= 2 * 2
    assert consumed == list(range(40))


@pytest.mark.parametrize("chunk", [3, 8])
def test_chunks_keep_the_order_and_bound_the_window(chunk: int) -> None:
    produced, consumed = [], []

    def items():
        for value in range(-40, 0):
            produced.append(value)
            yield value

    for value in parallel.ordered_map(abs, items(), num_workers=2, ahead=2, chunk=chunk):
        consumed.append(value)
        assert len(produced) - len(consumed) <= 2 * 2 * chunk
    assert consumed == list(range(40, 0, -1))


@pytest.mark.parametrize(("workers", "chunk"), [(1, 1), (2, 1), (2, 4), (2, 16)])
def test_an_error_comes_after_the_results_before_it_as_with_map(workers: int, chunk: int) -> None:
    # The work is a function of the package: a worker of the installed package (as in CI)
    # cannot import this test module. check_workers refuses the 0 at place 5.
    items = [1, 2, 3, 4, 5, 0, 7, 8, 9, 10, 11, 12]
    consumed = []
    with pytest.raises(MetricInputError, match="positive integer, got 0") as caught:
        for value in parallel.ordered_map(
            parallel.check_workers, items, num_workers=workers, chunk=chunk
        ):
            consumed.append(value)
    assert consumed == [1, 2, 3, 4, 5]
    if workers > 1:  # the worker's traceback is the cause, as a raise in the worker shows it
        assert "check_workers" in str(caught.value.__cause__)


@pytest.mark.parametrize("chunk", [0, -1, 2.0, True])
def test_the_chunk_is_checked(chunk: object) -> None:
    with pytest.raises(MetricInputError, match="chunk must be a positive integer"):
        list(parallel.ordered_map(abs, [1], num_workers=2, chunk=chunk))


def test_available_cores_is_a_positive_count() -> None:
    assert 1 <= available_cores() <= (__import__("os").cpu_count() or 1)


def test_our_errors_pickle_as_they_are() -> None:
    from kvasir_seg.app.options import UsageError
    from kvasir_seg.app.pairing import PredictionMismatch, PredictionProblems

    classes = [
        value
        for value in vars(errors).values()
        if isinstance(value, type) and issubclass(value, KvasirSegError)
    ]
    for error in [cls("what to do") for cls in classes] + [UsageError("what to do")]:
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error) and str(copy) == str(error)
    mismatch = PredictionMismatch({"": PredictionProblems(missing=["a"])})
    copy = pickle.loads(pickle.dumps(mismatch))
    assert type(copy) is PredictionMismatch and copy.lines() == mismatch.lines()


def test_ctrl_c_stops_the_workers() -> None:
    import multiprocessing

    def items():
        yield from range(6)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        for _ in parallel.ordered_map(abs, items(), num_workers=2):
            pass
    assert multiprocessing.active_children() == []
