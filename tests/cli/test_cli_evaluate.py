"""``kvasir-seg evaluate``: perfect and perturbed predictions, and every way a folder is wrong."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

VALIDATION = ("evaluate", "--dataset", "kvasir_seg", "--split", "validation", "--no-verify", "-q")


def _args(zip_path: Path, predictions: Path, *more: object) -> list[object]:
    return [*VALIDATION, "--data-dir", zip_path, "--predictions", predictions, *more]


def test_perfect_predictions_in_every_encoding_score_one(
    capsule_zip: Path, tmp_path: Path, kvasir_seg_cli, ground_truth
) -> None:
    truth = ground_truth(capsule_zip, "kvasir_capsule_seg")
    folder = tmp_path / "predictions"
    folder.mkdir()
    for index, (image_id, mask) in enumerate(sorted(truth.items())):
        grey = mask.astype(np.uint8) * 255
        if index < 3:  # 8-bit PNG, 0/255
            Image.fromarray(grey, "L").save(folder / f"{image_id}.png")
        elif index < 6:  # JPEG, 0/255 with compression noise
            Image.fromarray(grey, "L").save(folder / f"{image_id}.jpg", quality=90)
        elif index < 8:  # 1-bit PNG
            Image.fromarray(mask).save(folder / f"{image_id}.png")
        else:  # probability map: 0.67 on the polyp, 0.16 elsewhere
            Image.fromarray(np.where(mask, 170, 40).astype(np.uint8), "L").save(
                folder / f"{image_id}.png"
            )
    report = kvasir_seg_cli(
        "evaluate --dataset kvasir-capsule-seg --split train --data-dir",
        capsule_zip,
        "--predictions",
        folder,
        "--json -q",
    ).json()
    assert report["num_images"] == 10 and report["protocol"] == "default"
    assert report["threshold"] == 0.5 and report["missing"] == [] == report["extra"]
    for name in ("dice", "iou", "precision", "recall", "specificity", "accuracy", "f2"):
        assert report["scores"][name] == 1.0, name

    # Above the maps' 0.67, the last two images predict nothing: dice 0 for both.
    strict = kvasir_seg_cli(
        "evaluate --dataset kvasir_capsule_seg --split train --threshold 0.8 --data-dir",
        capsule_zip,
        "--predictions",
        folder,
        "--json -q",
    ).json()
    assert strict["scores"]["dice"] == pytest.approx(0.8)


def test_known_perturbations_give_the_expected_scores(
    kvasir_seg_zip: Path, tmp_path: Path, kvasir_seg_cli, ground_truth, write_masks
) -> None:
    truth = ground_truth(kvasir_seg_zip, "kvasir_seg", "official", "validation")
    first, second, third = sorted(truth)
    grown = truth[second].copy()
    added = np.zeros_like(grown)
    added[-10:, -20:] = True  # a 10x20 false-positive block off the polyp
    added &= ~truth[second]
    grown |= added
    halved = truth[third].copy()
    rows = np.flatnonzero(halved.any(axis=1))
    halved[: rows[len(rows) // 2]] = False  # the upper half of the polyp is missed
    predictions = {first: np.zeros_like(truth[first]), second: grown, third: halved}
    folder = write_masks(tmp_path / "predictions", predictions)
    csv_path = tmp_path / "scores.csv"

    report = kvasir_seg_cli(
        *_args(kvasir_seg_zip, folder, "--per-image", csv_path, "--json")
    ).json()

    polyp2, fp2 = int(truth[second].sum()), int(added.sum())
    polyp3, tp3 = int(truth[third].sum()), int(halved.sum())
    expected_dice = {
        first: 0.0,  # empty prediction: dice 0
        second: 2 * polyp2 / (2 * polyp2 + fp2),
        third: 2 * tp3 / (tp3 + polyp3),
    }
    expected = {
        "dice": np.mean(list(expected_dice.values())),
        "iou": np.mean([0.0, polyp2 / (polyp2 + fp2), tp3 / polyp3]),
        "precision": np.mean([1.0, polyp2 / (polyp2 + fp2), 1.0]),  # 0/0 counts as 1
        "recall": np.mean([0.0, 1.0, tp3 / polyp3]),
    }
    for name, value in expected.items():
        assert report["scores"][name] == pytest.approx(value, abs=1e-12), name
    assert report["num_images"] == 3
    with open(csv_path, newline="") as handle:
        rows = {row["image_id"]: row for row in csv.DictReader(handle)}
    assert set(rows) == set(truth)
    for image_id, dice in expected_dice.items():
        assert float(rows[image_id]["dice"]) == pytest.approx(dice, abs=1e-12)
    assert int(rows[second]["fp"]) == fp2 and int(rows[third]["fn"]) == polyp3 - tp3

    text = kvasir_seg_cli(*_args(kvasir_seg_zip, folder)).stdout
    assert "kvasir_seg / official / validation: 3 images" in text
    assert f"dice  {expected['dice']:.4f}".replace("  ", " ") in " ".join(text.split())


def test_pranet_protocol_on_perfect_binary_predictions(
    kvasir_seg_zip: Path, tmp_path: Path, kvasir_seg_cli, ground_truth, write_masks
) -> None:
    truth = ground_truth(kvasir_seg_zip, "kvasir_seg", "pranet", "test")
    folder = write_masks(tmp_path / "predictions", truth)
    args = ["evaluate", "--dataset", "kvasir_seg", "--config", "pranet", "--split", "test"]
    args += ["--no-verify", "--data-dir", kvasir_seg_zip, "--predictions", folder, "-q"]
    report = kvasir_seg_cli(*args, "--protocol", "pranet", "--json").json()
    assert report["threshold"] is None and report["num_images"] == len(truth)
    assert report["scores"]["mae"] == 0.0
    assert report["scores"]["s_measure"] == pytest.approx(1.0, abs=1e-3)  # the toolbox eps
    assert report["scores"]["max_dice"] == pytest.approx(1.0)
    kvasir_seg_cli(*args, "--protocol", "pranet", "--threshold", "0.3", ok=False).assert_user_error(
        "--threshold applies to --protocol default only"
    )


def test_missing_extra_and_wrongly_sized_predictions_stop_the_scoring(
    kvasir_seg_zip: Path, tmp_path: Path, kvasir_seg_cli, ground_truth, write_masks
) -> None:
    truth = ground_truth(kvasir_seg_zip, "kvasir_seg", "official", "validation")
    train = ground_truth(kvasir_seg_zip, "kvasir_seg", "official", "train")
    first, second, third = sorted(truth)
    folder = write_masks(tmp_path / "predictions", {first: truth[first], second: truth[second]})
    extra_id = sorted(train)[0]
    write_masks(folder, {extra_id: train[extra_id]})
    height, width = truth[second].shape
    Image.new("L", (width + 1, height)).save(folder / f"{second}.png")

    failed = kvasir_seg_cli(*_args(kvasir_seg_zip, folder), ok=False)
    failed.assert_user_error("1 missing", "1 extra", "1 of the wrong size", "--allow-missing")
    assert failed.returncode == 2 and failed.stdout == ""
    listing = failed.stderr
    assert f"1 missing prediction:\n  {third}" in listing
    assert f"1 extra prediction:\n  {extra_id}" in listing
    assert f"  {second}: {width + 1}x{height}, the ground truth is {width}x{height}" in listing

    write_masks(folder, {second: truth[second]})
    allowed = kvasir_seg_cli(
        *_args(kvasir_seg_zip, folder, "--allow-missing", "--allow-extra", "--json")
    ).json()
    assert allowed["num_images"] == 2 and allowed["scores"]["dice"] == 1.0
    assert allowed["missing"] == [third] and allowed["extra"] == [extra_id]

    (folder / f"{first}.jpg").write_bytes(b"not a jpeg")
    kvasir_seg_cli(*_args(kvasir_seg_zip, folder), ok=False).assert_user_error(
        f"Two predictions for '{first}'"
    )
    (folder / f"{first}.png").unlink()
    kvasir_seg_cli(
        *_args(kvasir_seg_zip, folder, "--allow-missing", "--allow-extra"), ok=False
    ).assert_user_error("cannot decode the image")
