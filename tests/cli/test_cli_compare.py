"""``kvasir-seg compare``: paired differences, bootstrap intervals and p-values equal scipy's."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from scipy import stats

from kvasir_seg.scores import compute_scores
from kvasir_seg.scores.statistics import compare_paired


def _per_image(folder: Path, masks: dict[str, np.ndarray], score: str) -> np.ndarray:
    """The engine's per-image ``score`` of the maps in ``folder``, resized bilinear."""
    maps = []
    for image_id, mask in masks.items():
        with Image.open(folder / f"{image_id}.png") as image:
            maps.append(np.asarray(image.resize(mask.shape[::-1], Image.Resampling.BILINEAR)))
    rows = compute_scores(maps, list(masks.values()), per_image=True)["per_image"]
    return np.array([row[score] for row in rows.values()])


def test_p_values_and_paired_intervals_equal_scipy_set_by_set(
    test_dataset, tmp_path: Path, kvasir_seg_cli
) -> None:
    good = test_dataset.write_predictions(tmp_path / "good", shift=2)
    worse = test_dataset.write_predictions(tmp_path / "worse", shift=14)
    args = ["compare", good, worse, "--references", test_dataset.root, "--resize bilinear -q"]
    report = kvasir_seg_cli(*args, "--json").json()
    assert [row["name"] for row in report["sets"]] == ["CVC-300", "ETIS", "Kvasir", "all images"]
    a_all, b_all = {"dice": [], "iou": []}, {"dice": [], "iou": []}
    for row in report["sets"][:3]:
        masks = test_dataset.masks[row["name"]]
        assert row["num_images"] == len(masks)
        for score in ("dice", "iou"):
            a = _per_image(good / row["name"], masks, score)
            b = _per_image(worse / row["name"], masks, score)
            a_all[score].append(a)
            b_all[score].append(b)
            found = row[score]
            assert found["mean_a"] == pytest.approx(a.mean(), abs=1e-12)
            assert found["mean_b"] == pytest.approx(b.mean(), abs=1e-12)
            assert found["difference"] == pytest.approx((a - b).mean(), abs=1e-12)
            assert found["p_value"] == stats.wilcoxon(a, b).pvalue
            assert found["statistic"] == stats.wilcoxon(a, b).statistic
            # The seeded paired bootstrap of the engine (checked against scipy's in
            # tests/test_scores_statistics.py), on the same pairs.
            expected = compare_paired(a, b)
            assert (found["ci_low"], found["ci_high"]) == (expected.ci_low, expected.ci_high)
            assert found["ci_low"] > 0  # A is better on every image
        # 6 or 7 images, all in A's favour: the exact two-sided p is 2/64 or 2/128.
        assert row["verdict"].startswith("A is better on Dice and IoU")
    every = report["sets"][3]
    a, b = np.concatenate(a_all["dice"]), np.concatenate(b_all["dice"])
    assert every["num_images"] == 19 and every["dice"]["p_value"] == stats.wilcoxon(a, b).pvalue

    text = kvasir_seg_cli(*args).stdout
    assert "CVC-300: A is better on Dice and IoU" in text
    assert f"A = {good}, B = {worse}" in text and "Wilcoxon p" in text

    swapped = kvasir_seg_cli("compare", worse, good, *args[3:], "--json").json()
    assert swapped["sets"][0]["verdict"].startswith("B is better")
    assert swapped["sets"][0]["dice"]["difference"] == pytest.approx(
        -report["sets"][0]["dice"]["difference"], abs=1e-15
    )


def test_identical_models_have_no_difference_and_p_one(
    test_dataset, tmp_path: Path, kvasir_seg_cli
) -> None:
    one = test_dataset.write_predictions(tmp_path / "one", size=None)
    etis = one / "ETIS"
    report = kvasir_seg_cli(
        "compare", etis, etis, "--references", test_dataset.root / "ETIS", "--json -q"
    ).json()
    (row,) = report["sets"]  # one set: no all-images row
    for score in ("dice", "iou"):
        assert row[score]["difference"] == 0 and row[score]["p_value"] == 1.0
        assert row[score]["ci_low"] == row[score]["ci_high"] == 0.0
    assert row["verdict"].startswith("no significant difference in Dice and IoU")


def test_ids_must_match_in_both_folders(test_dataset, tmp_path: Path, kvasir_seg_cli) -> None:
    a = test_dataset.write_predictions(tmp_path / "a", size=None)
    b = test_dataset.write_predictions(tmp_path / "b", size=None, shift=5)
    (b / "ETIS" / "etis_00.png").unlink()
    failed = kvasir_seg_cli("compare", a, b, "--references", test_dataset.root, ok=False)
    failed.assert_user_error("B: predictions do not match the ground truth: 1 missing")
    assert "B: 1 missing prediction:\nB:   ETIS/etis_00" in failed.stderr
    assert "A:" not in failed.stderr


def test_compare_against_a_dataset_split(
    capsule_zip: Path, tmp_path: Path, kvasir_seg_cli, ground_truth, write_masks
) -> None:
    truth = ground_truth(capsule_zip, "kvasir_capsule_seg")
    perfect = write_masks(tmp_path / "perfect", truth)
    shifted = write_masks(
        tmp_path / "shifted", {i: np.roll(mask, 9, axis=1) for i, mask in truth.items()}
    )
    report = kvasir_seg_cli(
        "compare",
        perfect,
        shifted,
        "--dataset kvasir_capsule_seg --split train --data-dir",
        capsule_zip,
        "--json -q",
    ).json()
    (row,) = report["sets"]
    assert report["dataset"] == "kvasir_capsule_seg" and row["name"] == "train"
    assert row["dice"]["mean_a"] == 1.0 and row["num_images"] == len(truth)
    assert row["verdict"].startswith("A is better")
