"""The doors of the default protocol give the same numbers and refuse the same inputs; with
``resize``, every door gives the numbers of ``kvasir-seg evaluate --resize``.

``compute_scores``, the ``evaluate`` module, the torchmetrics metric and the Keras metrics
(eagerly, in a graph, under XLA) are fed the very same arrays; their scores must be equal
(``==``, not close): they count with one kernel (:mod:`kvasir_seg.scores.kernel`) and sum
the per-image scores in image order.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

evaluate = pytest.importorskip("evaluate")
torch = pytest.importorskip("torch")
pytest.importorskip("torchmetrics")
tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

from kvasir_seg.errors import MetricInputError  # noqa: E402
from kvasir_seg.scores import compute_scores, evaluate_module_path, new_accumulator  # noqa: E402
from kvasir_seg.scores.confusion import SCORE_NAMES  # noqa: E402
from kvasir_seg.scores.torch import KvasirSegMetric  # noqa: E402
from kvasir_seg_tfds.keras import DiceScore, PerImageScores  # noqa: E402

BATCH = 4  # 10 images: batches of 4, 4 and 2


def _images() -> tuple[np.ndarray, np.ndarray]:
    """(float64 probabilities, bool references) of 10 images of 12 x 10: image 0 has an empty
    reference and an empty prediction, image 1 a prediction of exactly 0.5 and 128/255."""
    rng = np.random.default_rng(18)
    references = np.zeros((10, 12, 10), dtype=bool)
    for index in range(1, 10):
        top, left = rng.integers(0, 6, size=2)
        references[index, top : top + rng.integers(2, 7), left : left + rng.integers(2, 5)] = True
    noise = rng.uniform(-0.45, 0.45, references.shape)
    probabilities = np.clip(np.roll(references, 1, axis=2) * 0.6 + 0.2 + noise, 0, 1)
    probabilities[0] = 0.0
    probabilities[1, :2] = 0.5
    probabilities[1, 2:4] = 128 / 255
    return probabilities, references


_PROBABILITIES, _REFERENCES = _images()

PREDICTION_KINDS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "float32 probabilities": lambda p: p.astype(np.float32),
    "float64 probabilities": lambda p: p,
    "uint8 0..255 map": lambda p: np.rint(p * 255).astype(np.uint8),
    "bool mask": lambda p: p > 0.5,
    "uint8 0/1 mask": lambda p: (p > 0.5).astype(np.uint8),
}
REFERENCE_KINDS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "bool": lambda r: r,
    "uint8 0/1": lambda r: r.astype(np.uint8),
    "uint8 0/255": lambda r: r.astype(np.uint8) * np.uint8(255),
    "float32 0/1": lambda r: r.astype(np.float32),
    "float32 0/255": lambda r: r.astype(np.float32) * np.float32(255),
}
CASES = [(kind, "uint8 0/255", 0.5) for kind in PREDICTION_KINDS]
CASES += [("float32 probabilities", kind, 0.5) for kind in REFERENCE_KINDS if kind != "uint8 0/255"]
CASES += [("uint8 0..255 map", "uint8 0/1", 0.3), ("float32 probabilities", "bool", 0.3)]

#: How a Keras metric is run: as model.fit/evaluate run it (a graph; XLA on a GPU) or not.
KERAS_MODES = ("eager", "graph", "xla")


@pytest.fixture(scope="module")
def evaluate_cache(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("evaluate-cache"))


def _batches(array: np.ndarray) -> list[np.ndarray]:
    return [array[start : start + BATCH] for start in range(0, len(array), BATCH)]


def evaluate_door(predictions: np.ndarray, references: np.ndarray, threshold: float, cache: str):
    metric = evaluate.load(evaluate_module_path(), cache_dir=cache, threshold=threshold)
    for batch in zip(_batches(predictions), _batches(references), strict=True):
        metric.add_batch(predictions=list(batch[0]), references=list(batch[1]))
    return metric.compute()


def torch_door(predictions: np.ndarray, references: np.ndarray, threshold: float) -> dict:
    metric = KvasirSegMetric(threshold=threshold)
    for batch in zip(_batches(predictions), _batches(references), strict=True):
        metric.update(*(torch.from_numpy(np.array(b))[:, None] for b in batch))
    return {name: value.item() for name, value in metric.compute().items()}


def _keras_update(metric: keras.metrics.Metric, mode: str) -> Callable[..., Any]:
    if mode == "eager":
        return metric.update_state
    return tf.function(metric.update_state, jit_compile=mode == "xla", autograph=False)


def keras_door(predictions: np.ndarray, references: np.ndarray, threshold: float, mode: str):
    metric = PerImageScores(scores=SCORE_NAMES, threshold=threshold)
    update = _keras_update(metric, mode)
    for batch in zip(_batches(predictions), _batches(references), strict=True):
        update(*(tf.constant(b[..., None]) for b in reversed(batch)))  # y_true, y_pred
    return {name: float(value) for name, value in metric.result().items()}


@pytest.mark.parametrize(("prediction_kind", "reference_kind", "threshold"), CASES)
def test_every_door_gives_the_same_numbers(
    prediction_kind: str, reference_kind: str, threshold: float, evaluate_cache: str
) -> None:
    predictions = PREDICTION_KINDS[prediction_kind](_PROBABILITIES)
    references = REFERENCE_KINDS[reference_kind](_REFERENCES)
    expected = compute_scores(list(predictions), list(references), threshold=threshold)
    assert 0.2 < expected["dice"] < 0.9  # neither degenerate nor trivial
    assert evaluate_door(predictions, references, threshold, evaluate_cache) == expected
    assert torch_door(predictions, references, threshold) == expected
    for mode in KERAS_MODES:
        keras_scores = keras_door(predictions, references, threshold, mode)
        assert keras_scores == {name: expected[name] for name in SCORE_NAMES}, mode


def test_an_8_bit_map_is_value_over_255_in_every_door() -> None:
    """128/255 > 0.5 but 127/255 is not: not the raw value against 0.5."""
    references = np.ones((1, 1, 3), np.uint8)
    predictions = np.array([[[1, 127, 128]]], np.uint8)  # 1 of 3 positive, not 3 of 3
    assert compute_scores(list(predictions), list(references))["recall"] == 1 / 3
    for mode in KERAS_MODES:
        dice = DiceScore()
        _keras_update(dice, mode)(references, predictions)
        assert float(dice.result()) == 0.5, mode


def _refused(case: str) -> tuple[np.ndarray, np.ndarray]:
    """Three images of which the second is refused for ``case``."""
    predictions = _PROBABILITIES[:3].astype(np.float32)
    references = _REFERENCES[:3].astype(np.uint8) * np.uint8(255)
    if case == "JPEG mask not thresholded":
        references[1, 0, 0], references[1, 5, 5] = 3, 250
    elif case == "soft reference":
        references = references.astype(np.float32) / 255
        references[1, 0, 0] = 0.5
    elif case == "labels 0, 1, 2":
        references = references // 255
        references[1, 0, 0] = 2
    elif case == "NaN reference":
        references = references.astype(np.float32)
        references[1, 0, 0] = np.nan
    elif case == "NaN prediction":
        predictions[1, 0, 0] = np.nan
    elif case == "logits":
        predictions[1] = (predictions[1] - 0.5) * 8
    elif case == "integers above 255":
        predictions = np.rint(predictions * 255).astype(np.int64)
        predictions[1, 0, 0] = 300
    return predictions, references


REFUSED = [
    "JPEG mask not thresholded",
    "soft reference",
    "labels 0, 1, 2",
    "NaN reference",
    "NaN prediction",
    "logits",
    "integers above 255",
]


@pytest.mark.parametrize("case", REFUSED)
def test_every_door_refuses_the_same_inputs(case: str, evaluate_cache: str) -> None:
    predictions, references = _refused(case)
    with pytest.raises(MetricInputError) as engine:
        new_accumulator().measure(predictions[1], references[1])
    message = str(engine.value)
    with pytest.raises(MetricInputError) as refused:
        compute_scores(list(predictions), list(references))
    assert str(refused.value) == f"Image 1 (counting from 0): {message}"
    with pytest.raises(MetricInputError) as refused:
        evaluate_door(predictions, references, 0.5, evaluate_cache)
    assert str(refused.value) == f"Image 1 of the batch: {message}"
    with pytest.raises(MetricInputError) as refused:
        torch_door(predictions, references, 0.5)
    assert str(refused.value) == f"Image 1 of the batch: {message}"
    with pytest.raises(MetricInputError) as refused:
        keras_door(predictions, references, 0.5, "eager")
    assert str(refused.value) == f"Image 1 of the batch: {message}"


@pytest.mark.parametrize("mode", ["graph", "xla"])
@pytest.mark.parametrize("case", REFUSED)
def test_in_a_compiled_graph_a_refused_batch_makes_the_scores_nan(case: str, mode: str) -> None:
    """A graph cannot raise on values: the batch the engine refuses turns the metric NaN
    until ``reset_state``, so the log shows it instead of a number made of it."""
    predictions, references = _refused(case)
    scores = keras_door(predictions, references, 0.5, mode)
    assert all(np.isnan(value) for value in scores.values()), scores


# --------------------------------------------------------------------------- resize


def _resize_case() -> tuple[list[np.ndarray], list[np.ndarray]]:
    """8-bit maps at a network's size (16 x 16) and 0/255 references of two other sizes,
    two of each (a Keras batch holds references of one size)."""
    rng = np.random.default_rng(25)
    predictions, references = [], []
    for height, width in ((21, 27), (21, 27), (30, 24), (30, 24)):
        reference = np.zeros((height, width), np.uint8)
        top, left = rng.integers(2, 8, size=2)
        reference[top : top + rng.integers(6, 12), left : left + rng.integers(6, 12)] = 255
        small = np.asarray(Image.fromarray(reference).resize((16, 16)), np.float64) / 255
        noisy = np.clip(np.roll(small, 1, axis=1) * 0.8 + rng.uniform(0, 0.3, small.shape), 0, 1)
        predictions.append(np.rint(noisy * 255).astype(np.uint8))
        references.append(reference)
    return predictions, references


def _command_line_scores(folder: Path, protocol: str, method: str) -> dict[str, Any]:
    """``kvasir-seg evaluate --resize`` on the masks written as PNG files: its JSON scores."""
    from kvasir_seg.app.cli import main

    printed = io.StringIO()
    argv = ["evaluate", "--references", str(folder / "references"), "--predictions"]
    argv += [str(folder / "predictions"), "--protocol", protocol, "--resize", method]
    with contextlib.redirect_stdout(printed):
        assert main([*argv, "--json", "-q", "--jobs", "1"]) == 0
    return json.loads(printed.getvalue())["scores"]


@pytest.mark.parametrize("method", ["nearest", "bilinear", "bicubic"])
@pytest.mark.parametrize("protocol", ["default", "pranet"])
def test_with_resize_every_door_gives_the_numbers_of_evaluate_resize(
    protocol: str, method: str, evaluate_cache: str, tmp_path: Path
) -> None:
    predictions, references = _resize_case()
    for name, masks in (("references", references), ("predictions", predictions)):
        (tmp_path / name).mkdir()
        for index, mask in enumerate(masks):
            Image.fromarray(mask, "L").save(tmp_path / name / f"image-{index}.png")
    expected = compute_scores(predictions, references, protocol=protocol, resize=method)
    command_line = _command_line_scores(tmp_path, protocol, method)
    assert command_line == {name: expected[name] for name in command_line}
    assert len(command_line) >= 10
    module = evaluate.load(evaluate_module_path(), protocol, cache_dir=evaluate_cache)
    assert module.compute(predictions=predictions, references=references, resize=method) == (
        expected
    )
    metric = KvasirSegMetric(protocol, resize=method)
    for start in (0, 2):  # a 2 x 1 x 16 x 16 batch; its references a list of two masks
        batch = torch.from_numpy(np.stack(predictions[start : start + 2]))[:, None]
        metric.update(batch, [torch.from_numpy(r) for r in references[start : start + 2]])
    assert {name: value.item() for name, value in metric.compute().items()} == expected
    if protocol == "pranet":
        return
    for mode in ("eager", "graph"):
        scores = PerImageScores(scores=SCORE_NAMES, resize=method)
        update = _keras_update(scores, mode)
        for start in (0, 2):
            pair = (
                np.stack(references[start : start + 2]),
                np.stack(predictions[start : start + 2]),
            )
            update(*(tf.constant(b[..., None]) for b in pair))
        found = {name: float(value) for name, value in scores.result().items()}
        assert found == {name: expected[name] for name in SCORE_NAMES}, mode


def test_with_resize_a_refused_image_is_named_as_without() -> None:
    predictions, references = _resize_case()
    bad = [p.astype(np.float32) / 255 for p in predictions[:2]]
    bad[1][0, 0] = np.nan
    with pytest.raises(MetricInputError) as engine:
        new_accumulator(resize="bilinear").measure(bad[1], references[1])
    message = f"Image 1 of the batch: {engine.value}"
    with pytest.raises(MetricInputError) as refused:
        KvasirSegMetric(resize="bilinear").update(torch.from_numpy(np.stack(bad)), references[:2])
    assert str(refused.value) == message
    with pytest.raises(MetricInputError) as refused:
        PerImageScores(resize="bilinear").update_state(np.stack(references[:2]), np.stack(bad))
    assert str(refused.value) == message
    with pytest.raises(MetricInputError, match="2 predictions and 1 references"):
        KvasirSegMetric(resize="bilinear").update(torch.from_numpy(np.stack(bad)), references[:1])
