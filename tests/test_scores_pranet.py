"""The PraNet protocol against pysodmetrics 1.6.2, fed the uint8 0..255 maps it expects."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from kvasir_seg.scores import PraNetAccumulator, compute_scores

from oracles import pranet_toolbox_scores

TOLERANCE = 1e-6
DETERMINISTIC = settings(derandomize=True, database=None, max_examples=60, deadline=None)


def assert_same_as_toolbox(maps: list[np.ndarray], masks: list[np.ndarray]) -> None:
    ours = compute_scores(maps, masks, protocol="pranet")
    expected = pranet_toolbox_scores(maps, masks)
    for name, value in expected.items():
        if name == "s_measure" and math.isnan(value):
            # Documented deviation: the toolbox's NaN for an empty quadrant.
            assert 0.0 <= ours[name] <= 1.0
            continue
        assert ours[name] == pytest.approx(value, abs=TOLERANCE, rel=1e-9), name
    assert ours["num_images"] == len(maps)


def blob_pair(rng: np.random.Generator, height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """A round polyp (0/255) and a blurred, noisy 8-bit prediction of it."""
    rows, columns = np.mgrid[:height, :width]
    centre = rng.random(2) * (height, width)
    radius = min(height, width) * rng.uniform(0.1, 0.45)
    distance = np.hypot(rows - centre[0], columns - centre[1])
    mask = (distance < radius).astype(np.uint8) * 255
    soft = 1 / (1 + np.exp((distance - radius * rng.uniform(0.7, 1.3)) / rng.uniform(1, 6)))
    noisy = np.clip(soft + rng.normal(0, rng.uniform(0, 0.2), soft.shape), 0, 1)
    return (noisy * rng.uniform(0.3, 1.0) * 255).astype(np.uint8), mask


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_dataset_scores_equal_pysodmetrics(seed: int) -> None:
    rng = np.random.default_rng(seed)
    sizes = rng.integers(3, 90, size=(12, 2)) | 1  # odd sizes
    pairs = [blob_pair(rng, int(h), int(w)) for h, w in sizes]
    assert_same_as_toolbox([p for p, _ in pairs], [m for _, m in pairs])


def test_a_kvasir_sized_image_equals_pysodmetrics() -> None:
    prediction, mask = blob_pair(np.random.default_rng(11), 531, 622)
    assert_same_as_toolbox([prediction], [mask])


@DETERMINISTIC
@given(
    st.integers(2, 12).flatmap(
        lambda h: st.integers(2, 12).flatmap(
            lambda w: st.tuples(
                hnp.arrays(np.uint8, (h, w)),
                hnp.arrays(np.bool_, (h, w)),
            )
        )
    )
)
def test_any_small_map_equals_pysodmetrics(pair: tuple[np.ndarray, np.ndarray]) -> None:
    prediction, mask = pair
    assume(prediction.max() > 1)  # all-0/1 integer maps are binary masks here (documented)
    assert_same_as_toolbox([prediction], [mask.astype(np.uint8) * 255])


@pytest.mark.parametrize(
    "case",
    [
        "empty reference",
        "empty prediction",
        "both empty",
        "full reference",
        "constant prediction",
        "binary prediction",
        "one-pixel polyp",
        "polyp in a corner",
    ],
)
def test_edge_cases_equal_pysodmetrics(case: str) -> None:
    rng = np.random.default_rng(5)
    prediction = rng.integers(0, 256, size=(15, 17), dtype=np.uint8)
    mask = np.zeros((15, 17), np.uint8)
    mask[4:9, 6:12] = 255
    if case in ("empty reference", "both empty"):
        mask[:] = 0
    if case in ("empty prediction", "both empty"):
        prediction[:] = 0
    if case == "full reference":
        mask[:] = 255
    if case == "constant prediction":
        prediction[:] = 77
    if case == "binary prediction":
        prediction = np.where(rng.random((15, 17)) < 0.4, 255, 0).astype(np.uint8)
    if case == "one-pixel polyp":
        mask[:] = 0
        mask[7, 3] = 255
    if case == "polyp in a corner":
        mask[:] = 0
        mask[-3:, -4:] = 255
    assert_same_as_toolbox([prediction], [mask])


def tie_case(case: str) -> tuple[np.ndarray, np.ndarray]:
    """A mask whose background pixels have several nearest polyp pixels, and a map whose
    values differ between those pixels (so the error taken from the nearest one differs)."""
    rng = np.random.default_rng(17)
    mask = np.zeros((23, 29), bool)
    if case == "two pixels, a midpoint between":
        mask[11, 8] = mask[11, 20] = True
    if case == "four pixels, a centre between":
        mask[6, 9] = mask[6, 19] = mask[16, 9] = mask[16, 19] = True
    if case == "a lattice":
        mask[1::4, 2::4] = True
    if case == "a ring":
        rows, columns = np.mgrid[:23, :29]
        mask = np.abs(np.hypot(rows - 11, columns - 14) - 7) < 0.5
    if case == "on the border":
        mask[0, 3] = mask[0, 25] = mask[22, 14] = True
    if case == "two blobs apart":
        mask[4:9, 3:8] = mask[14:19, 21:26] = True
    prediction = rng.integers(0, 256, size=mask.shape, dtype=np.uint8)
    if case == "a lattice":
        prediction = (prediction // 64 * 85).astype(np.uint8)  # many equal values
    return prediction, mask.astype(np.uint8) * 255


@pytest.mark.parametrize(
    "case",
    [
        "two pixels, a midpoint between",
        "four pixels, a centre between",
        "a lattice",
        "a ring",
        "on the border",
        "two blobs apart",
    ],
)
def test_ties_between_nearest_polyp_pixels_equal_pysodmetrics(case: str) -> None:
    # Equidistant polyp pixels: Fw depends on which one the distance transform picks.
    prediction, mask = tie_case(case)
    ours = compute_scores([prediction], [mask], protocol="pranet")["weighted_f_measure"]
    expected = pranet_toolbox_scores([prediction], [mask])["weighted_f_measure"]
    assert ours == pytest.approx(expected, abs=1e-12, rel=0)


def test_distances_equal_scipys_on_an_image_too_wide_for_int32() -> None:
    from scipy import ndimage

    from kvasir_seg.scores.weighted_fmeasure import _distance_to

    background = np.ones((3, 50_000), bool)  # squared distances reach 2.5e9 > 2**31
    background[1, 0] = False
    expected, nearest = ndimage.distance_transform_edt(background, return_indices=True)
    assert np.array_equal(_distance_to(nearest), expected)


def test_empty_reference_scores_as_documented() -> None:
    prediction = np.random.default_rng(3).integers(0, 256, size=(10, 10), dtype=np.uint8)
    scores = compute_scores([prediction], [np.zeros((10, 10), bool)], protocol="pranet")
    assert scores["mdice"] == scores["miou"] == scores["weighted_f_measure"] == 0.0
    assert scores["s_measure"] == pytest.approx(1 - scores["mae"])


def test_a_centroid_on_the_last_row_gives_a_number_where_the_toolbox_gives_nan() -> None:
    mask = np.zeros((6, 8), np.uint8)
    mask[-1, 2:5] = 255
    prediction = np.random.default_rng(4).integers(0, 256, size=(6, 8), dtype=np.uint8)
    assert math.isnan(pranet_toolbox_scores([prediction], [mask])["s_measure"])
    s = compute_scores([prediction], [mask], protocol="pranet")["s_measure"]
    assert 0.0 <= s <= 1.0


def test_float_probabilities_are_quantised_like_a_saved_png() -> None:
    rng = np.random.default_rng(6)
    probabilities = rng.random((21, 19))
    mask = (rng.random((21, 19)) < 0.3).astype(np.uint8) * 255
    as_png = np.rint(probabilities * 255).astype(np.uint8)
    assert compute_scores([probabilities], [mask], protocol="pranet") == compute_scores(
        [as_png], [mask], protocol="pranet"
    )
    assert_same_as_toolbox([as_png], [mask])


def test_binary_and_01_predictions_are_read_as_0_255_maps() -> None:
    rng = np.random.default_rng(7)
    binary = rng.random((9, 13)) < 0.5
    mask = (rng.random((9, 13)) < 0.5).astype(np.uint8) * 255
    expected = compute_scores([binary.astype(np.uint8) * 255], [mask], protocol="pranet")
    assert compute_scores([binary], [mask], protocol="pranet") == expected
    assert compute_scores([binary.astype(np.uint8)], [mask], protocol="pranet") == expected


def test_per_image_scores_and_streaming() -> None:
    rng = np.random.default_rng(8)
    pairs = [blob_pair(rng, 33, 41) for _ in range(4)]
    accumulator = PraNetAccumulator()
    for index, (prediction, mask) in enumerate(pairs):
        accumulator.update(prediction, mask, image_id=f"f{index}", inference_time=0.05)
    scores = accumulator.result(per_image=True)
    assert scores["fps"] == pytest.approx(20.0)
    single = compute_scores([pairs[2][0]], [pairs[2][1]], protocol="pranet")
    row = scores["per_image"]["f2"]
    assert row["dice"] == pytest.approx(single["mdice"])
    assert row["s_measure"] == pytest.approx(single["s_measure"])
    assert row["mae"] == pytest.approx(single["mae"])
    means = {name: np.mean([r[name] for r in scores["per_image"].values()]) for name in row}
    assert scores["mdice"] == pytest.approx(means["dice"])
    assert scores["weighted_f_measure"] == pytest.approx(means["weighted_f_measure"])


def test_statistics_survive_a_round_trip_through_flat_columns() -> None:
    rng = np.random.default_rng(9)
    direct, relayed = PraNetAccumulator(), PraNetAccumulator()
    for _ in range(3):
        prediction, mask = blob_pair(rng, 25, 30)
        statistics = direct.measure(prediction, mask)
        direct.add(statistics)
        relayed.add_columns(*statistics.to_columns())
    assert relayed.result() == direct.result()
