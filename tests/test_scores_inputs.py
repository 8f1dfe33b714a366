"""How kvasir_seg.scores reads predictions and references, and the errors it gives."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from kvasir_seg import MetricInputError
from kvasir_seg.score_settings import check_threshold
from kvasir_seg.scores import compute_scores, evaluate_module_path, new_accumulator
from kvasir_seg.scores.inputs import (
    as_mask_array,
    as_reference,
    binarize_prediction,
    coerce_pair,
    prediction_to_uint8,
)

POLYP = np.array([[0, 1, 1], [0, 1, 0]], dtype=bool)


@pytest.mark.parametrize(
    "reference",
    [
        POLYP,
        POLYP.astype(np.uint8),
        POLYP.astype(np.uint8) * 255,
        POLYP.astype(np.int64),
        POLYP.astype(np.int64) * 255,
        POLYP.astype(np.float32),
        POLYP.astype(np.float64) * 255,
        POLYP.astype(np.uint8)[..., None],  # TFDS builders: HxWx1, 0/1
        POLYP.astype(np.uint8)[..., None] * 255,  # HxWx1, 0/255
        POLYP.astype(np.uint8)[None],  # 1xHxW
        Image.fromarray(POLYP),  # HF builders: mode "1"
        Image.fromarray(POLYP.astype(np.uint8) * 255),  # mode "L"
        POLYP.astype(int).tolist(),
    ],
    ids=lambda value: (
        type(value).__name__ + str(getattr(value, "dtype", getattr(value, "mode", "")))
    ),
)
def test_references_are_read_by_their_value_set(reference: object) -> None:
    np.testing.assert_array_equal(as_reference(reference), POLYP)


def test_predictions_may_come_as_hxwx1_like_the_masks() -> None:
    probabilities = np.where(POLYP, 0.9, 0.1)[..., None]
    scores = compute_scores([probabilities], [POLYP.astype(np.uint8)[..., None]])
    assert scores["dice"] == 1.0


def test_a_01_and_a_0255_reference_are_never_confused() -> None:
    ones = as_reference(np.array([[0, 1]], dtype=np.uint8))
    full = as_reference(np.array([[0, 255]], dtype=np.uint8))
    np.testing.assert_array_equal(ones, full)
    # All-foreground masks in either encoding are all polyp; all-zero is empty.
    assert as_reference(np.full((2, 2), 255, np.uint8)).all()
    assert as_reference(np.ones((2, 2), np.uint8)).all()
    assert not as_reference(np.zeros((2, 2), np.uint8)).any()


@pytest.mark.parametrize(
    "reference, found",
    [
        (np.array([[0, 7], [255, 0]], dtype=np.uint8), "{0, 7, 255}"),
        (np.array([[0, 1], [255, 0]], dtype=np.uint8), "{0, 1, 255}"),
        (np.array([[0.0, 0.5]]), "{0, 0.5}"),
        (np.array([[0, 3]], dtype=np.int32), "{0, 3}"),
        (np.array([[-1, 1]], dtype=np.int8), "{-1, 1}"),
    ],
)
def test_a_reference_that_is_not_binary_says_so_and_suggests_thresholding(
    reference: np.ndarray, found: str
) -> None:
    with pytest.raises(MetricInputError, match="not a binary mask") as error:
        as_reference(reference)
    assert found in str(error.value)
    assert "threshold_mask" in str(error.value)


def test_a_jpeg_like_reference_is_refused() -> None:
    noisy = np.where(POLYP, 250, 4).astype(np.uint8)
    with pytest.raises(MetricInputError, match="threshold"):
        coerce_pair(POLYP, noisy)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("bad", [np.nan, -np.nan, np.inf, -np.inf])
def test_nan_and_inf_are_refused(bad: float, dtype: type) -> None:
    prediction = np.zeros((2, 3), dtype=dtype)
    prediction[1, 1] = bad
    with pytest.raises(MetricInputError, match="NaN or infinite"):
        coerce_pair(prediction, POLYP)
    reference = POLYP.astype(float)
    reference[0, 0] = bad
    with pytest.raises(MetricInputError, match="NaN or infinite|not a binary"):
        coerce_pair(np.zeros((2, 3)), reference)


@pytest.mark.parametrize(
    "prediction, message",
    [
        (np.full((2, 3), 1.5), "sigmoid"),
        (np.full((2, 3), -0.1, dtype=np.float32), "sigmoid"),
        (np.full((2, 3), 300, dtype=np.int32), "0..255"),
        (np.full((2, 3), -2, dtype=np.int16), "0..255"),
    ],
)
def test_predictions_out_of_range_are_refused(prediction: np.ndarray, message: str) -> None:
    with pytest.raises(MetricInputError, match=message):
        coerce_pair(prediction, POLYP)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_probabilities_in_the_closed_unit_interval_are_accepted(dtype: type) -> None:
    prediction = np.array([[-0.0, 0.0, 1e-30, 0.5], [1.0, 0.25, 0.75, 0.999]], dtype=dtype)
    checked, _ = coerce_pair(prediction, np.zeros((2, 4), bool))
    assert checked is prediction


def test_shape_mismatch_names_both_shapes() -> None:
    with pytest.raises(MetricInputError, match=r"\(3, 2\).*\(2, 3\)"):
        coerce_pair(np.zeros((3, 2)), POLYP)


@pytest.mark.parametrize(
    "value",
    [
        np.zeros((2, 3, 3), dtype=np.uint8),
        Image.new("RGB", (3, 2)),
        np.zeros((2, 2, 2, 2)),
        np.zeros(6),
    ],
    ids=["HxWx3", "PIL-RGB", "4-D", "1-D"],
)
def test_multi_channel_and_wrong_rank_masks_are_refused(value: object) -> None:
    with pytest.raises(MetricInputError, match="one mask of shape HxW"):
        as_mask_array(value, "reference")


def test_a_single_mask_instead_of_a_list_gets_a_hint() -> None:
    with pytest.raises(MetricInputError, match="list of masks"):
        compute_scores(np.zeros((3, 4)), np.zeros((3, 4), bool))


def test_a_threshold_given_to_the_pranet_protocol_is_reported(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Once per value and process, not once per batch (the evaluate module makes an
    accumulator for each batch it is given)."""
    evaluate = pytest.importorskip("evaluate")
    metric = evaluate.load(evaluate_module_path(), "pranet", threshold=0.3)
    for _ in range(3):
        metric.add_batch(predictions=[np.full((4, 4), 0.6)], references=[np.eye(4, dtype=bool)])
    metric.compute()
    new_accumulator("pranet", 0.3)
    said = [r.getMessage() for r in caplog.records if "is ignored" in r.getMessage()]
    assert said == ["threshold=0.3 is ignored: the PraNet protocol scores 256 thresholds."]
    new_accumulator("pranet", 0.7)
    assert sum("threshold=0.7 is ignored" in r.getMessage() for r in caplog.records) == 1


@pytest.mark.parametrize(
    "value, message",
    [
        (np.zeros((0, 4)), "empty"),
        ([[0, 1], [1]], "cannot be read"),
        (np.array([["a", "b"]]), "dtype"),
    ],
)
def test_unreadable_masks_are_refused(value: object, message: str) -> None:
    with pytest.raises(MetricInputError, match=message):
        as_mask_array(value, "prediction")


def test_errors_are_value_errors_too() -> None:
    with pytest.raises(ValueError):
        as_reference(np.array([[0, 2]]))


@pytest.mark.parametrize("threshold", [-0.1, 1.5, "high", None])
def test_bad_thresholds_are_refused(threshold: object) -> None:
    with pytest.raises(MetricInputError, match="threshold"):
        check_threshold(threshold)
    for protocol in ("default", "pranet"):  # as KvasirSegMetric refuses it
        with pytest.raises(MetricInputError, match="threshold"):
            new_accumulator(protocol, threshold)


def test_a_batch_of_unequal_lists_is_refused_before_any_image_is_measured() -> None:
    masks = [np.ones((2, 2), bool)] * 2
    with pytest.raises(MetricInputError, match="2 predictions and 1 references"):
        new_accumulator().measure_batch(masks, masks[:1])


def test_empty_input_and_unequal_lists_are_refused() -> None:
    with pytest.raises(MetricInputError, match="empty"):
        compute_scores([], [])
    with pytest.raises(MetricInputError, match="unequal length.*2 predictions, 1 references"):
        compute_scores([POLYP, POLYP], [POLYP])
    with pytest.raises(MetricInputError, match="unequal length"):
        compute_scores([POLYP], [POLYP], image_ids=["a", "b"])
    with pytest.raises(MetricInputError, match="unequal length"):
        compute_scores(iter([POLYP, POLYP]), iter([POLYP]))
    with pytest.raises(MetricInputError, match="protocol"):
        compute_scores([POLYP], [POLYP], protocol="nanonet")


def test_probabilities_are_positive_strictly_above_the_threshold() -> None:
    prediction = np.array([[0.5, 0.50001, 0.2, 1.0]])
    np.testing.assert_array_equal(
        binarize_prediction(prediction, 0.5), [[False, True, False, True]]
    )
    np.testing.assert_array_equal(binarize_prediction(prediction, 0.0), [[True, True, True, True]])
    assert not binarize_prediction(prediction, 1.0).any()


@pytest.mark.parametrize("threshold", [0.0, 0.25, 0.5, 127 / 255, 128 / 255, 0.999, 1.0])
def test_8bit_maps_compare_as_value_over_255(threshold: float) -> None:
    levels = np.arange(256, dtype=np.uint8).reshape(16, 16)
    expected = levels / 255 > threshold
    np.testing.assert_array_equal(binarize_prediction(levels, threshold), expected)
    wide = levels.astype(np.int64)
    np.testing.assert_array_equal(binarize_prediction(wide, threshold), expected)


def test_integer_predictions_of_only_0_and_1_are_binary_masks() -> None:
    """The documented rule for the one ambiguous case: values <= 1 mean a 0/1 mask."""
    mask = np.array([[0, 1], [1, 0]], dtype=np.uint8)
    np.testing.assert_array_equal(binarize_prediction(mask, 0.5), mask.astype(bool))
    np.testing.assert_array_equal(binarize_prediction(mask, 0.9), mask.astype(bool))
    np.testing.assert_array_equal(prediction_to_uint8(mask), mask * 255)
    # As soon as one value exceeds 1 the map is 8-bit probabilities.
    scaled = np.array([[0, 1], [200, 0]], dtype=np.uint8)
    np.testing.assert_array_equal(binarize_prediction(scaled, 0.5), [[False, False], [True, False]])


def test_predictions_become_the_8bit_maps_the_pranet_toolbox_reads() -> None:
    np.testing.assert_array_equal(prediction_to_uint8(POLYP), POLYP * 255)
    probabilities = np.array([[0.0, 0.5, 1 / 255, 0.998, 1.0]])
    np.testing.assert_array_equal(prediction_to_uint8(probabilities), [[0, 128, 1, 254, 255]])
    levels = np.array([[3, 200]], dtype=np.int32)
    assert prediction_to_uint8(levels).dtype == np.uint8
