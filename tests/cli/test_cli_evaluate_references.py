"""``kvasir-seg evaluate --references``: folders of sets, resizing, paper tables, and refusals."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from kvasir_seg.scores import compute_scores

BILINEAR = Image.Resampling.BILINEAR


def _pillow_resized(folder: Path, masks: dict[str, np.ndarray]) -> list[np.ndarray]:
    """Each saved 8-bit map, resized by Pillow to its mask's size: what the CLI must score."""
    maps = []
    for image_id, mask in masks.items():
        with Image.open(folder / f"{image_id}.png") as image:
            height, width = mask.shape
            maps.append(np.asarray(image.resize((width, height), BILINEAR)))
    return maps


@pytest.mark.parametrize("protocol", ["default", "pranet"])
def test_sets_of_352_maps_resized_bilinear_equal_the_engine_on_pillow_resized_maps(
    test_dataset, tmp_path: Path, kvasir_seg_cli, protocol: str
) -> None:
    predictions = test_dataset.write_predictions(tmp_path / "results")
    report = kvasir_seg_cli(
        "evaluate --references",
        test_dataset.root,
        "--predictions",
        predictions,
        "--resize bilinear --json -q --protocol",
        protocol,
    ).json()
    assert report["resize"] == "bilinear" and report["protocol"] == protocol
    assert [row["name"] for row in report["sets"]] == ["CVC-300", "ETIS", "Kvasir"]
    every_map, every_mask = [], []
    for row in report["sets"]:
        masks = test_dataset.masks[row["name"]]
        maps = _pillow_resized(predictions / row["name"], masks)
        expected = compute_scores(maps, list(masks.values()), protocol=protocol)
        assert row["num_images"] == expected.pop("num_images") == len(masks)
        for name, value in expected.items():
            assert row["scores"][name] == pytest.approx(value, abs=1e-12), (row["name"], name)
        every_map += maps
        every_mask += list(masks.values())
    overall = compute_scores(every_map, every_mask, protocol=protocol)
    assert report["all_images"]["num_images"] == overall.pop("num_images")
    for name, value in overall.items():
        assert report["all_images"]["scores"][name] == pytest.approx(value, abs=1e-12), name
        assert report["scores"][name] == report["all_images"]["scores"][name]
    headline = "dice" if protocol == "default" else "mdice"
    set_means = [row["scores"][headline] for row in report["sets"]]
    assert report["mean_over_sets"]["scores"][headline] == pytest.approx(np.mean(set_means))
    assert report["num_images"] == 19 and report["missing"] == [] == report["extra"]
    # Per-image spread and a seeded interval come with every per-image score.
    dice = report["all_images"]["statistics"]["dice" if protocol == "default" else "mdice"]
    assert dice["ci_low"] <= dice["mean"] <= dice["ci_high"] and dice["std"] > 0
    assert report["bootstrap"]["seed"] == 0


def test_a_size_mismatch_is_refused_and_the_message_suggests_resize(
    test_dataset, tmp_path: Path, kvasir_seg_cli
) -> None:
    predictions = test_dataset.write_predictions(tmp_path / "results")
    failed = kvasir_seg_cli(
        "evaluate --references", test_dataset.root, "--predictions", predictions, ok=False
    )
    failed.assert_user_error("19 of the wrong size", "--resize bilinear")
    assert "  CVC-300/cvc-300_00: 352x352, the ground truth is 300x240" in failed.stderr


def _save_16_bit(probabilities: np.ndarray, stem: Path) -> None:
    values = np.rint(probabilities * 65535).astype(np.uint16)
    Image.fromarray(values).save(stem.with_suffix(".png"))


def _save_palette(probabilities: np.ndarray, stem: Path) -> None:
    grey = np.rint(probabilities * 255).astype(np.uint8)
    image = Image.fromarray(grey, "L").convert("P")  # a grey palette, as some tools save
    image.save(stem.with_suffix(".png"))


def test_predictions_written_by_other_tools_mean_what_their_values_mean(
    test_dataset, tmp_path: Path, kvasir_seg_cli
) -> None:
    """16-bit PNG maps keep their precision; grey-palette PNGs read as their grey levels."""
    sixteen = test_dataset.write_predictions(tmp_path / "16-bit", encode=_save_16_bit)
    palette = test_dataset.write_predictions(tmp_path / "palette", encode=_save_palette)
    eight = test_dataset.write_predictions(tmp_path / "8-bit")
    runs = {
        name: kvasir_seg_cli(
            "evaluate --references",
            test_dataset.root,
            "--predictions",
            folder,
            "--resize bilinear --json -q",
        ).json()
        for name, folder in (("16-bit", sixteen), ("palette", palette), ("8-bit", eight))
    }
    # The palette maps are the 8-bit maps' grey levels: identical scores.
    assert runs["palette"]["scores"] == runs["8-bit"]["scores"]
    # The 16-bit maps are read as value / 65535 and resized as floats.
    maps, masks = [], []
    for name, by_id in test_dataset.masks.items():
        for image_id, mask in by_id.items():
            with Image.open(sixteen / name / f"{image_id}.png") as image:
                values = np.asarray(image, dtype=np.float32) / np.float32(65535)
            resized = Image.fromarray(values, "F").resize(mask.shape[::-1], BILINEAR)
            maps.append(np.clip(np.asarray(resized), 0, 1))
            masks.append(mask)
    expected = compute_scores(maps, masks)
    assert runs["16-bit"]["num_images"] == expected.pop("num_images")
    for name, value in expected.items():
        assert runs["16-bit"]["scores"][name] == pytest.approx(value, abs=1e-12), name


def test_references_equal_the_dataset_they_were_exported_from(
    kvasir_seg_zip: Path, tmp_path: Path, kvasir_seg_cli, ground_truth, write_masks
) -> None:
    """Masks as the package's own reader returns them, saved as JPEG with noise, score the same."""
    truth = ground_truth(kvasir_seg_zip, "kvasir_seg", "official", "validation")
    references = write_masks(tmp_path / "references", truth, suffix=".jpg")
    rng = np.random.default_rng(3)
    predictions = {
        image_id: np.roll(mask, int(rng.integers(-15, 15)), axis=1)
        for image_id, mask in truth.items()
    }
    folder = write_masks(tmp_path / "predictions", predictions)
    from_dataset = kvasir_seg_cli(
        "evaluate --dataset kvasir_seg --split validation --no-verify --data-dir",
        kvasir_seg_zip,
        "--predictions",
        folder,
        "--json -q",
    ).json()
    from_folder = kvasir_seg_cli(
        "evaluate --references", references, "--predictions", folder, "--json -q"
    ).json()
    assert from_folder["scores"] == from_dataset["scores"]
    assert from_folder["statistics"] == from_dataset["statistics"]
    assert [row["name"] for row in from_folder["sets"]] == ["references"]
    assert from_dataset["sets"][0]["name"] == "validation"
    assert from_dataset["dataset"] == "kvasir_seg" and from_dataset["split"] == "validation"


def test_tables_in_the_papers_formats_parse_back(
    test_dataset, tmp_path: Path, kvasir_seg_cli
) -> None:
    predictions = test_dataset.write_predictions(tmp_path / "results")
    args = ["evaluate --references", test_dataset.root, "--predictions", predictions]
    args += ["--resize bilinear -q --protocol pranet"]
    report = kvasir_seg_cli(*args, "--json").json()
    rows = [*report["sets"], report["mean_over_sets"], report["all_images"]]

    parsed = list(csv.DictReader(io.StringIO(kvasir_seg_cli(*args, "--format csv").stdout)))
    names = ["CVC-300", "ETIS", "Kvasir", "mean over sets", "all images"]
    assert [row["set"] for row in parsed] == names
    for row, expected in zip(parsed, rows, strict=True):
        assert int(row["images"]) == expected["num_images"]
        for name in ("mdice", "miou", "weighted_f_measure", "s_measure", "max_e_measure", "mae"):
            assert float(row[name]) == pytest.approx(expected["scores"][name], abs=5e-4)
        std = expected["statistics"].get("mdice", {}).get("std")
        assert row["mdice_std"] == ("" if std is None else f"{std:.3f}")
        assert row["max_e_measure_std"] == ""  # a set-level score: no per-image spread

    latex = kvasir_seg_cli(*args, "--format latex").stdout
    lines = latex.strip().splitlines()
    assert lines[0] == r"\begin{tabular}{lrccccccc}" and lines[-1] == r"\end{tabular}"
    for name in ("CVC-300", "ETIS", "Kvasir"):
        assert sum(line.startswith(f"{name} & ") for line in lines) == 1, name
    body = [line for line in lines if line.endswith(r"\\")]
    assert len(body) == 1 + 3 + 2  # header, one row per set, mean over sets, all images
    cvc = next(line for line in body if line.startswith("CVC-300"))
    first = report["sets"][0]
    mdice = first["scores"]["mdice"]
    mdice_std = first["statistics"]["mdice"]["std"]
    assert f"{mdice:.3f} $\\pm$ {mdice_std:.3f}" in cvc

    markdown = kvasir_seg_cli(*args, "--format markdown").stdout.strip().splitlines()
    assert markdown[0].startswith("| Set | Images | mDice | mIoU |")
    assert len(markdown) == 2 + 5 and markdown[2].startswith("| CVC-300 | 6 | ")

    text = kvasir_seg_cli(*args).stdout
    assert "19 images in 3 sets, protocol pranet" in text and "mean over sets" in text


def test_one_set_per_image_csv_and_a_set_given_by_its_masks_folder(
    test_dataset, tmp_path: Path, kvasir_seg_cli
) -> None:
    predictions = test_dataset.write_predictions(tmp_path / "results", size=None)
    per_image = tmp_path / "per-image.csv"
    one = kvasir_seg_cli(
        "evaluate --references",
        test_dataset.root / "ETIS" / "masks",
        "--predictions",
        predictions / "ETIS",
        "--per-image",
        per_image,
        "--json -q",
    ).json()
    assert [row["name"] for row in one["sets"]] == ["ETIS"] and "mean_over_sets" not in one
    with open(per_image, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["image_id"] for row in rows] == sorted(test_dataset.masks["ETIS"])
    assert "set" not in rows[0]
    dice = [float(row["dice"]) for row in rows]
    assert np.mean(dice) == pytest.approx(one["scores"]["dice"], abs=1e-12)

    kvasir_seg_cli(
        "evaluate --references",
        test_dataset.root,
        "--predictions",
        predictions,
        "--per-image",
        per_image,
        "-q",
    )
    with open(per_image, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 19 and {row["set"] for row in rows} == {"CVC-300", "ETIS", "Kvasir"}


def test_ambiguous_folders_and_mismatched_ids_are_refused_with_what_was_found(
    test_dataset, tmp_path: Path, kvasir_seg_cli
) -> None:
    root = test_dataset.root
    predictions = test_dataset.write_predictions(tmp_path / "results", size=None)

    def refused(references: Path, folder: Path, *more: object) -> str:
        result = kvasir_seg_cli(
            "evaluate --references", references, "--predictions", folder, *more, ok=False
        )
        return result.assert_user_error() + "\n" + result.stderr

    # Mask files next to folders of sets: one set or a folder of sets?
    stray = root / "stray.png"
    Image.new("L", (8, 8)).save(stray)
    message = refused(root, predictions)
    assert "could be one set or a folder of sets" in message and "3 folders of masks" in message
    stray.unlink()
    # A masks/ folder next to folders of sets.
    (root / "masks").mkdir()
    assert "holds masks/ (one set) and 3 folders" in refused(root, predictions)
    (root / "masks").rmdir()
    # Nothing that looks like masks.
    empty = tmp_path / "empty"
    (empty / "images").mkdir(parents=True)
    assert "holds no masks" in refused(empty, predictions)

    # Predictions that do not mirror the sets: files directly in the folder.
    flat = tmp_path / "flat"
    flat.mkdir()
    for name in ("cvc-300_00", "etis_00"):
        Image.new("L", (8, 8)).save(flat / f"{name}.png")
    message = refused(root, flat)
    assert "19 missing" in message and "2 extra" in message
    assert "no predictions for the set CVC-300" in message and "mirror" in message

    # One id missing, one extra, in one set.
    (predictions / "ETIS" / "etis_01.png").rename(predictions / "ETIS" / "etis_99.png")
    message = refused(root, predictions)
    assert "1 missing" in message and "1 extra" in message
    assert "  ETIS/etis_01" in message and "  ETIS/etis_99" in message
    allowed = kvasir_seg_cli(
        "evaluate --references",
        root,
        "--predictions",
        predictions,
        "--allow-missing --allow-extra --json -q",
    ).json()
    assert allowed["num_images"] == 18 and allowed["missing"] == ["ETIS/etis_01"]
    assert allowed["extra"] == ["ETIS/etis_99"]


def test_option_combinations_that_make_no_sense_are_refused(
    test_dataset, tmp_path: Path, kvasir_seg_cli, kvasir_seg_zip: Path
) -> None:
    predictions = test_dataset.write_predictions(tmp_path / "results", size=None)
    base = ["evaluate --predictions", predictions]
    kvasir_seg_cli(*base, ok=False).assert_user_error("--references DIR", "--dataset NAME")
    kvasir_seg_cli(
        *base, "--references", test_dataset.root, "--split validation", ok=False
    ).assert_user_error("--split applies to --dataset only")
    kvasir_seg_cli(*base, "--dataset kvasir_seg", ok=False).assert_user_error("--split S")
    kvasir_seg_cli(
        *base, "--references", test_dataset.root, "--json --format csv", ok=False
    ).assert_user_error("--json and --format csv")
    result = kvasir_seg_cli(
        "evaluate --references", test_dataset.root, "--predictions", tmp_path / "nope", ok=False
    )
    result.assert_user_error("is not a folder of predictions")
    bad = kvasir_seg_cli(*base, "--references", test_dataset.root, "--resize lanczos", ok=False)
    assert bad.returncode == 2 and "invalid choice: 'lanczos'" in bad.stderr


def test_statistics_are_reproducible_and_finite(test_dataset, tmp_path: Path, kvasir_seg_cli):
    predictions = test_dataset.write_predictions(tmp_path / "results", size=None)
    args = ["evaluate --references", test_dataset.root, "--predictions", predictions, "--json -q"]
    first, second = kvasir_seg_cli(*args).json(), kvasir_seg_cli(*args).json()
    assert first == second
    for row in first["sets"]:
        for name, summary in row["statistics"].items():
            assert all(math.isfinite(summary[key]) for key in summary), (row["name"], name)
            assert summary["mean"] == pytest.approx(row["scores"][name], abs=1e-12)


def test_the_new_commands_import_nothing_heavy_when_the_parser_is_built() -> None:
    """``kvasir-seg info`` stays quick: evaluate, compare and report import the engine late."""
    import subprocess
    import sys

    probe = (
        "import sys; from kvasir_seg.app.cli import build_parser; build_parser(); "
        "print(sorted({'numpy', 'scipy', 'PIL', 'matplotlib'} & set(sys.modules)))"
    )
    completed = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert completed.stdout.strip() == "[]"
