"""The default protocol against NanoNet's scikit-learn computation and a plain mean_iou."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from kvasir_seg import MetricInputError
from kvasir_seg.scores import DefaultAccumulator, compute_scores

from oracles import (
    mean_over_images,
    nanonet_calculate_metrics,
    plain_two_class_mean_iou,
    sklearn_specificity,
)

SCORES = ("iou", "dice", "recall", "precision", "accuracy", "f2", "specificity")
DETERMINISTIC = settings(derandomize=True, database=None, max_examples=60, deadline=None)


def nanonet_scores(prediction: np.ndarray, mask: np.ndarray) -> dict[str, float]:
    """NanoNet's per-image scores, and specificity (not NanoNet's) from scikit-learn."""
    return {
        **nanonet_calculate_metrics(mask, prediction),
        "specificity": sklearn_specificity(mask, prediction),
    }


def nanonet_means(predictions: list, masks: list) -> dict[str, float]:
    return mean_over_images([nanonet_scores(p, m) for p, m in zip(predictions, masks, strict=True)])


def random_pairs(seed: int, count: int) -> tuple[list, list]:
    """Probability maps and 0/255 masks of odd, differing sizes, some empty."""
    rng = np.random.default_rng(seed)
    predictions, masks = [], []
    for index in range(count):
        shape = tuple(rng.integers(1, 40, size=2) * 2 + 1)
        coverage = [0.0, 0.05, 0.3, 0.7, 1.0][index % 5]
        masks.append(((rng.random(shape) < coverage) * 255).astype(np.uint8))
        predictions.append(rng.random(shape, dtype=np.float32))
    return predictions, masks


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_mean_over_images_equals_nanonet_sklearn(seed: int) -> None:
    predictions, masks = random_pairs(seed, 25)
    ours = compute_scores(predictions, masks)
    expected = nanonet_means(predictions, [m / 255.0 for m in masks])
    for name in SCORES:
        assert ours[name] == pytest.approx(expected[name], abs=1e-12), name


@DETERMINISTIC
@given(
    st.integers(1, 9).flatmap(
        lambda h: st.integers(1, 9).flatmap(
            lambda w: st.tuples(
                hnp.arrays(np.float64, (h, w), elements=st.floats(0, 1)),
                hnp.arrays(np.bool_, (h, w)),
            )
        )
    )
)
def test_every_small_mask_pair_matches_sklearn(pair: tuple[np.ndarray, np.ndarray]) -> None:
    prediction, mask = pair
    ours = DefaultAccumulator()
    ours.update(prediction, mask)
    scores = ours.per_image()[0]
    for name, value in nanonet_scores(prediction, mask.astype(float)).items():
        assert scores[name] == pytest.approx(value, abs=1e-12), name


def test_pooled_scores_equal_sklearn_on_all_pixels_at_once() -> None:
    predictions, masks = random_pairs(3, 12)
    ours = compute_scores(predictions, masks)
    everything = nanonet_scores(
        np.concatenate([p.ravel() for p in predictions]),
        np.concatenate([m.ravel() / 255.0 for m in masks]),
    )
    for name, value in everything.items():
        assert ours[f"pooled_{name}"] == pytest.approx(value, abs=1e-12), name


@pytest.mark.parametrize("seed", [4, 5])
def test_two_class_mean_iou_equals_a_confusion_matrix_mean_iou(seed: int) -> None:
    predictions, masks = random_pairs(seed, 15)
    ours = compute_scores(predictions, masks)["two_class_mean_iou"]
    expected = plain_two_class_mean_iou([p > 0.5 for p in predictions], [m > 0 for m in masks])
    assert ours == pytest.approx(expected, abs=1e-12)


def test_two_class_mean_iou_skips_a_class_absent_everywhere() -> None:
    empty = np.zeros((3, 3), bool)
    assert compute_scores([empty], [empty])["two_class_mean_iou"] == 1.0
    assert plain_two_class_mean_iou([empty], [empty]) == 1.0


@pytest.mark.parametrize(
    "reference, prediction, expected",
    [
        # dice, iou, precision, recall, specificity, accuracy, f2 (documented in the card)
        ("empty", "empty", (0, 0, 1, 0, 1, 1, 1)),
        ("empty", "half", (0, 0, 0, 0, 0.5, 0.5, 0)),
        ("half", "empty", (0, 0, 1, 0, 1, 0.5, 0)),
        ("full", "full", (1, 1, 1, 1, 0, 1, 1)),
    ],
)
def test_edge_cases(reference: str, prediction: str, expected: tuple) -> None:
    masks = {
        "empty": np.zeros((2, 4), bool),
        "half": np.array([[1, 1, 0, 0]] * 2, bool),
        "full": np.ones((2, 4), bool),
    }
    scores = compute_scores([masks[prediction]], [masks[reference]])
    names = ("dice", "iou", "precision", "recall", "specificity", "accuracy", "f2")
    assert tuple(scores[name] for name in names) == pytest.approx(expected)
    nanonet = nanonet_scores(masks[prediction], masks[reference] * 1.0)
    assert tuple(nanonet[name] for name in names) == pytest.approx(expected)


def test_threshold_applies_to_probabilities_only() -> None:
    reference = np.array([[1, 1, 0, 0]], bool)
    probabilities = np.array([[0.9, 0.6, 0.6, 0.1]])
    assert compute_scores([probabilities], [reference], threshold=0.5)["precision"] == 2 / 3
    assert compute_scores([probabilities], [reference], threshold=0.7)["precision"] == 1.0
    binary = np.array([[1, 0, 1, 0]], np.uint8)
    assert compute_scores([binary], [reference], threshold=0.99)["dice"] == 0.5


def test_streaming_equals_one_shot_and_keeps_no_masks() -> None:
    predictions, masks = random_pairs(6, 20)
    accumulator = DefaultAccumulator()
    for prediction, mask in zip(predictions, masks, strict=True):
        accumulator.update(prediction, mask)
    assert accumulator.result() == compute_scores(predictions, masks)
    assert compute_scores(iter(predictions), (m for m in masks)) == compute_scores(
        predictions, masks
    )
    # What it holds is a few numbers per image, nothing the size of a mask.
    mask_bytes = sum(p.nbytes + m.nbytes for p, m in zip(predictions, masks, strict=True))
    assert len(pickle.dumps(accumulator)) < 3000 < mask_bytes / 20


def test_statistics_from_another_process_fold_in_the_same() -> None:
    predictions, masks = random_pairs(7, 6)
    direct = DefaultAccumulator()
    relayed = DefaultAccumulator()
    for prediction, mask in zip(predictions, masks, strict=True):
        direct.update(prediction, mask)
        relayed.add_columns(*direct.measure(prediction, mask).to_columns())
    assert relayed.result() == direct.result()


def test_per_image_scores_are_keyed_by_image_id() -> None:
    predictions, masks = random_pairs(8, 5)
    ids = [f"frame-{n}" for n in range(5)]
    scores = compute_scores(predictions, masks, image_ids=ids, per_image=True)
    assert list(scores["per_image"]) == ids
    row = scores["per_image"]["frame-3"]
    single = compute_scores([predictions[3]], [masks[3]])
    assert row["dice"] == single["dice"]
    assert row["tp"] + row["fp"] + row["fn"] + row["tn"] == masks[3].size
    worst = min(scores["per_image"], key=lambda key: scores["per_image"][key]["dice"])
    assert worst in ids
    positional = compute_scores(predictions, masks, per_image=True)["per_image"]
    assert list(positional) == [0, 1, 2, 3, 4]
    assert "per_image" not in compute_scores(predictions, masks)


def test_image_ids_must_be_unique_and_given_for_all_or_none() -> None:
    with pytest.raises(MetricInputError, match="twice"):
        compute_scores([np.ones((2, 2))] * 2, [np.ones((2, 2), bool)] * 2, image_ids=["a", "a"])
    accumulator = DefaultAccumulator()
    accumulator.update(np.ones((2, 2)), np.ones((2, 2), bool), image_id="a")
    with pytest.raises(MetricInputError, match="some images but not for others"):
        accumulator.update(np.ones((2, 2)), np.ones((2, 2), bool))


def test_fps_is_one_over_the_mean_inference_time() -> None:
    predictions, masks = random_pairs(9, 4)
    times = [0.01, 0.02, 0.03, 0.04]
    scores = compute_scores(predictions, masks, inference_times=times, per_image=True)
    assert scores["fps"] == pytest.approx(40.0)
    assert scores["per_image"][2]["inference_time"] == 0.03
    assert "fps" not in compute_scores(predictions, masks)
    with pytest.raises(MetricInputError, match="positive"):
        compute_scores(predictions, masks, inference_times=[0.01, 0.0, 0.02, 0.01])


def test_result_of_nothing_is_an_error() -> None:
    with pytest.raises(MetricInputError, match="No image"):
        DefaultAccumulator().result()
