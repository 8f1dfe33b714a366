"""``kvasir_seg_tfds.keras``: Keras metrics after ``model.evaluate`` against ``compute_scores``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")
tfds = pytest.importorskip("tensorflow_datasets")
keras = pytest.importorskip("keras")

import kvasir_seg_tfds  # noqa: E402, F401  (registers the builders)
from kvasir_seg.errors import MetricInputError  # noqa: E402
from kvasir_seg.scores import compute_scores  # noqa: E402
from kvasir_seg.scores.confusion import SCORE_NAMES  # noqa: E402
from kvasir_seg_tfds.keras import DiceScore, IoUScore, PerImageScores  # noqa: E402

SIZE = 64
TOLERANCE = 1e-5


def _metrics(**kwargs: object) -> list[keras.metrics.Metric]:
    return [DiceScore(**kwargs), IoUScore(**kwargs), PerImageScores(**kwargs)]


def _model(activation: str | None = "sigmoid") -> keras.Model:
    """A small convolution with fixed weights: a prediction somewhat like the mask."""
    keras.utils.set_random_seed(3)
    return keras.Sequential(
        [
            keras.Input((SIZE, SIZE, 3)),
            keras.layers.Conv2D(1, 5, padding="same", activation=activation),
        ]
    )


def _tfds_load(folder: Path, data_dir: Path) -> Callable[..., tf.data.Dataset]:
    """``tfds.load`` reading the synthetic folder as the user's manual download."""
    load = tfds.load

    def from_folder(*args: object, **kwargs: object) -> tf.data.Dataset:
        config = tfds.download.DownloadConfig(manual_dir=folder)
        kwargs.setdefault("download_and_prepare_kwargs", {"download_config": config})
        return load(*args, data_dir=data_dir, **kwargs)

    return from_folder


@pytest.fixture(scope="module")
def tfds_pairs(kvasir_seg_folder: Path, tmp_path_factory: pytest.TempPathFactory):
    """(images, masks) of all 12 examples as TFDS serves them (masks HxWx1 uint8 0/1),
    resized to SIZE the way a Keras pipeline does."""
    load = _tfds_load(kvasir_seg_folder, tmp_path_factory.mktemp("tfds"))
    images, masks = [], []
    for split in ("train", "validation"):
        for image, mask in load("kvasir_seg", split=split, as_supervised=True):
            assert mask.dtype == tf.uint8 and mask.shape[-1] == 1
            images.append(tf.image.resize(image, (SIZE, SIZE)).numpy() / 255.0)
            masks.append(tf.image.resize(mask, (SIZE, SIZE), method="nearest").numpy())
    return np.stack(images).astype(np.float32), np.stack(masks)


def test_evaluate_equals_compute_scores_on_tfds_masks(tfds_pairs) -> None:
    images, masks = tfds_pairs
    assert masks.dtype == np.uint8 and set(np.unique(masks)) == {0, 1}
    model = _model()
    model.compile(loss="binary_crossentropy", metrics=_metrics())
    logged = model.evaluate(images, masks, batch_size=5, return_dict=True, verbose=0)
    predictions = model.predict(images, batch_size=5, verbose=0)
    expected = compute_scores(list(predictions), list(masks))  # HxWx1 read as the engine reads it
    assert set(logged) == {"loss", *SCORE_NAMES}
    for name in SCORE_NAMES:
        assert logged[name] == expected[name], name  # the same kernel, the same order
    assert 0.0 < logged["dice"] < 1.0  # not a degenerate case


def test_evaluate_logs_nan_for_masks_the_engine_refuses_and_eagerly_raises_its_error(
    tfds_pairs,
) -> None:
    images, masks = tfds_pairs
    noisy = masks[:5] * np.uint8(255)
    noisy[1, 0, 0] = 3  # a JPEG mask's stray value
    with pytest.raises(MetricInputError) as engine:
        compute_scores(list(np.zeros(noisy.shape, np.float32)), list(noisy))
    assert str(engine.value).startswith("Image 1 (counting from 0): ")
    message = str(engine.value).removeprefix("Image 1 (counting from 0): ")
    model = _model()
    model.compile(loss="binary_crossentropy", metrics=_metrics())  # a compiled graph
    logged = model.evaluate(images[:5], noisy, batch_size=5, return_dict=True, verbose=0)
    assert all(np.isnan(logged[name]) for name in SCORE_NAMES), logged
    model.compile(loss="binary_crossentropy", metrics=_metrics(), run_eagerly=True)
    with pytest.raises(MetricInputError) as refused:
        model.evaluate(images[:5], noisy, batch_size=5, verbose=0)
    assert str(refused.value) == f"Image 1 of the batch: {message}"


def test_empty_masks_follow_the_engine_s_conventions() -> None:
    references = np.zeros((3, 6, 6, 1), np.float32)
    references[0, 1:4, 1:4] = 1.0
    predictions = np.zeros_like(references)
    predictions[0, 2:5, 2:5] = 0.9  # image 0 overlaps; 1 is empty on empty; 2 empty too
    predictions[2, 0, 0] = 0.7  # a false positive on an empty reference
    expected = compute_scores(list(predictions), list(references))
    for metric in _metrics():
        metric.update_state(references, predictions)
        result = metric.result()
        values = result if isinstance(result, dict) else {metric.name: result}
        for name, value in values.items():
            assert float(value) == expected[name], name
    empty = PerImageScores(scores=SCORE_NAMES)
    empty.update_state(references[1:2], predictions[1:2])
    values = {name: float(v) for name, v in empty.result().items()}
    assert values == {
        "dice": 0.0,
        "iou": 0.0,
        "precision": 1.0,
        "recall": 0.0,
        "specificity": 1.0,
        "accuracy": 1.0,
        "f2": 1.0,
    }


def test_references_in_every_binary_encoding_and_logits_agree(tfds_pairs) -> None:
    images, masks = tfds_pairs
    model = _model(activation=None)  # logits
    logits = model.predict(images[:6], verbose=0)
    probabilities = 1 / (1 + np.exp(-logits))
    expected = compute_scores(list(probabilities), list(masks[:6]), threshold=0.4)
    for references in (masks[:6], masks[:6] * 255, masks[:6].astype(bool), masks[:6, ..., 0]):
        dice = DiceScore(threshold=0.4, from_logits=True)
        dice.update_state(references, logits if references.ndim == 4 else logits[..., 0])
        assert float(dice.result()) == pytest.approx(expected["dice"], abs=TOLERANCE)


def test_sample_weight_weighs_whole_images(tfds_pairs) -> None:
    images, masks = tfds_pairs
    predictions = _model().predict(images[:4], verbose=0)
    weights = np.array([1.0, 0.0, 2.0, 1.0])
    per_image = compute_scores(list(predictions), list(masks[:4]), per_image=True)["per_image"]
    expected = np.average([per_image[i]["iou"] for i in range(4)], weights=weights)
    iou = IoUScore()
    iou.update_state(masks[:4], predictions, sample_weight=weights)
    assert float(iou.result()) == pytest.approx(expected, abs=TOLERANCE)
    iou.reset_state()
    assert float(iou.result()) == 0.0


def test_metrics_round_trip_through_their_config() -> None:
    for metric in (*_metrics(threshold=0.3, from_logits=True), PerImageScores(scores=("f2",))):
        config = keras.saving.serialize_keras_object(metric)
        again = keras.saving.deserialize_keras_object(config)
        assert type(again) is type(metric) and again.get_config() == metric.get_config()


def test_bad_arguments_say_what_to_do() -> None:
    with pytest.raises(ValueError, match="choose from dice, iou"):
        PerImageScores(scores=("mdice",))
    with pytest.raises(MetricInputError, match="threshold must be in"):
        DiceScore(threshold=2)


def test_the_module_does_not_need_datasets(fresh_python: Callable[[str], str]) -> None:
    script = "import sys, kvasir_seg_tfds.keras\nprint('datasets' in sys.modules)\n"
    assert fresh_python(script).strip().splitlines()[-1] == "False"


def test_the_keras_guide_snippet_runs(
    snippets: Callable[[str, str], list[str]],
    kvasir_seg_folder: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """docs/tfds.md's Keras calls, verbatim; only the archive comes from the synthetic folder."""
    monkeypatch.setattr(tfds, "load", _tfds_load(kvasir_seg_folder, tmp_path))
    (code,) = snippets("docs/tfds.md", "Keras")
    namespace: dict = {}
    exec(compile(code, "docs/tfds.md: Keras", "exec"), namespace)
    history = namespace["history"].history
    assert {"dice", "iou", "f2", "val_dice", "val_iou", "val_precision"} <= set(history)
    assert all(0.0 <= history[name][0] <= 1.0 for name in ("val_dice", "val_f2"))
