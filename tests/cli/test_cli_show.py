"""``kvasir-seg show``: the grid PNG opens, has the expected size and the documented colours;
its Dice are ``evaluate``'s, on a dataset's split or on ``--references``."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
from PIL import Image

from kvasir_seg.app.gallery import NO_IMAGE
from kvasir_seg.app.grid import (
    BACKGROUND,
    BOX,
    CAPTION_HEIGHT,
    FALSE_NEGATIVE,
    FALSE_POSITIVE,
    LEGEND_ROW_HEIGHT,
    MASK_OUTLINE,
    TRUE_POSITIVE,
)

TILE = 128


def _tile(grid: np.ndarray, index: int, columns: int) -> np.ndarray:
    row, column = divmod(index, columns)
    top = row * (TILE + CAPTION_HEIGHT)
    return grid[top : top + TILE, column * TILE : (column + 1) * TILE]


def _has(pixels: np.ndarray, colour: tuple[int, int, int]) -> bool:
    return bool(np.all(pixels == colour, axis=-1).any())


def test_grid_of_examples_has_outlines_and_boxes(
    kvasir_seg_zip: Path, tmp_path: Path, kvasir_seg_cli, ground_truth
) -> None:
    out = tmp_path / "grid.png"
    report = kvasir_seg_cli(
        "show kvasir_seg --split train -n 5 --columns 3 --tile-size",
        TILE,
        "--out",
        out,
        "--data-dir",
        kvasir_seg_zip,
        "--no-verify --json -q",
    ).json()
    assert report["ids"] == sorted(ground_truth(kvasir_seg_zip, "kvasir_seg", "official"))[:5]
    with Image.open(out) as picture:
        assert picture.format == "PNG" and picture.mode == "RGB"
        # Two legend entries fit in one row of 384 px (120 px each).
        assert picture.size == (3 * TILE, 2 * (TILE + CAPTION_HEIGHT) + LEGEND_ROW_HEIGHT)
        assert list(picture.size) == report["size"]
        grid = np.asarray(picture)
    for index in range(5):
        tile = _tile(grid, index, columns=3)
        assert _has(tile, MASK_OUTLINE) and _has(tile, BOX)
        for colour in (TRUE_POSITIVE, FALSE_POSITIVE, FALSE_NEGATIVE):
            assert not _has(tile, colour)
    assert np.all(_tile(grid, 5, columns=3) == BACKGROUND), "the sixth cell stays empty"

    chosen = kvasir_seg_cli(
        "show kvasir_seg --ids",
        report["ids"][3],
        f"{report['ids'][1]}.jpg",
        "--out",
        tmp_path / "two.png",
        "--data-dir",
        kvasir_seg_zip,
        "--no-verify --json -q",
    ).json()
    assert chosen["ids"] == [report["ids"][3], report["ids"][1]] and chosen["split"] is None
    assert chosen["size"] == [2 * 256, 256 + CAPTION_HEIGHT + LEGEND_ROW_HEIGHT]
    kvasir_seg_cli(
        "show kvasir_seg --ids nope --out",
        tmp_path / "x.png",
        "--data-dir",
        kvasir_seg_zip,
        "--no-verify",
        ok=False,
    ).assert_user_error("no image with id nope")


def test_predictions_are_drawn_worst_dice_first_in_three_colours(
    capsule_zip: Path, tmp_path: Path, kvasir_seg_cli, ground_truth, write_masks
) -> None:
    truth = ground_truth(capsule_zip, "kvasir_capsule_seg")
    ids = sorted(truth)
    predictions = {image_id: truth[image_id] for image_id in ids[:6]}
    predictions[ids[2]] = np.roll(truth[ids[2]], 30, axis=1)  # worst: shifted far
    predictions[ids[4]] = np.roll(truth[ids[4]], 8, axis=1)  # second worst
    write_masks(tmp_path / "predictions", predictions)
    out = tmp_path / "worst.png"
    result = kvasir_seg_cli(
        "show kvasir_capsule_seg --predictions",
        tmp_path / "predictions",
        "-n 4 --columns 2 --tile-size",
        TILE,
        "--out",
        out,
        "--data-dir",
        capsule_zip,
        "--allow-missing --json",
    )
    assert "no prediction for 4 of the 10 images" in result.stderr  # ids[6:] are left out
    report = result.json()
    assert report["ids"][:2] == [ids[2], ids[4]]
    dice = [report["dice"][image_id] for image_id in report["ids"]]
    assert dice == sorted(dice) and dice[0] < dice[1] < 1.0 and dice[2] == dice[3] == 1.0
    with Image.open(out) as picture:
        # Four legend entries, two per row of 256 px.
        assert picture.size == (2 * TILE, 2 * (TILE + CAPTION_HEIGHT) + 2 * LEGEND_ROW_HEIGHT)
        grid = np.asarray(picture)
    worst, perfect = _tile(grid, 0, columns=2), _tile(grid, 3, columns=2)
    for colour in (TRUE_POSITIVE, FALSE_POSITIVE, FALSE_NEGATIVE, BOX):
        assert _has(worst, colour), colour
    assert _has(perfect, TRUE_POSITIVE)
    assert not _has(perfect, FALSE_POSITIVE) and not _has(perfect, FALSE_NEGATIVE)
    assert not _has(grid[: 2 * (TILE + CAPTION_HEIGHT)], MASK_OUTLINE)
    legend = grid[2 * (TILE + CAPTION_HEIGHT) :]
    for colour in (TRUE_POSITIVE, FALSE_POSITIVE, FALSE_NEGATIVE, BOX):
        assert _has(legend, colour), colour

    Image.new("L", (10, 10)).save(tmp_path / "predictions" / f"{ids[0]}.png")
    kvasir_seg_cli(
        "show kvasir_capsule_seg --allow-missing --predictions",
        tmp_path / "predictions",
        "--out",
        out,
        "--data-dir",
        capsule_zip,
        ok=False,
    ).assert_user_error("1 of the wrong size", "--resize bilinear")


def _per_image_dice(path: Path) -> dict[str, float]:
    """``evaluate --per-image``'s Dice, keyed as ``show`` labels images (``<set>/<id>``)."""
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {
        "/".join(filter(None, (row.get("set"), row["image_id"]))): float(row["dice"])
        for row in rows
    }


def _worst_first(dice: dict[str, float]) -> list[str]:
    return sorted(dice, key=lambda label: (dice[label], *label.split("/", 1)))


def test_show_draws_the_dice_evaluate_reports_on_a_split(
    capsule_zip: Path, tmp_path: Path, kvasir_seg_cli, ground_truth, write_masks
) -> None:
    truth = ground_truth(capsule_zip, "kvasir_capsule_seg")
    shifted = {i: np.roll(m, 2 * k, axis=k % 2) for k, (i, m) in enumerate(sorted(truth.items()))}
    folder = write_masks(tmp_path / "predictions", shifted)
    common = ["--data-dir", capsule_zip, "--predictions", folder, "--threshold 0.4 -q"]
    kvasir_seg_cli(
        "evaluate --dataset kvasir_capsule_seg --split train",
        *common,
        "--per-image",
        tmp_path / "s.csv",
    )
    expected = _per_image_dice(tmp_path / "s.csv")
    shown = kvasir_seg_cli(
        "show kvasir_capsule_seg", *common, "-n", len(truth), "--json --out", tmp_path / "w.png"
    ).json()
    assert shown["dice"] == expected and shown["ids"] == _worst_first(expected)
    assert shown["split"] == "train" and shown["threshold"] == 0.4
    three = kvasir_seg_cli(
        "show kvasir_capsule_seg", *common, "-n 3 --json --out", tmp_path / "w.png"
    ).json()
    assert three["ids"] == _worst_first(expected)[:3]


def test_show_scores_references_resized_as_evaluate_does(
    test_dataset, tmp_path: Path, kvasir_seg_cli
) -> None:
    predictions = test_dataset.write_predictions(tmp_path / "results", shift=6)  # 352x352
    common = ["--references", test_dataset.root, "--predictions", predictions, "-q"]
    kvasir_seg_cli("show", *common, "--out", tmp_path / "x.png", ok=False).assert_user_error(
        "19 of the wrong size", "--resize bilinear"
    )
    common += ["--resize bilinear"]
    kvasir_seg_cli("evaluate", *common, "--per-image", tmp_path / "scores.csv")
    expected = _per_image_dice(tmp_path / "scores.csv")
    out = tmp_path / "worst.png"
    shown = kvasir_seg_cli(
        "show", *common, "-n 19 --columns 5 --tile-size", TILE, "--json --out", out
    ).json()
    assert len(expected) == 19 and shown["dice"] == expected
    assert shown["ids"] == _worst_first(expected) and shown["references"] == str(test_dataset.root)
    with Image.open(out) as picture:
        grid = np.asarray(picture)
    worst = _tile(grid, 0, columns=5)
    for colour in (TRUE_POSITIVE, FALSE_POSITIVE, FALSE_NEGATIVE):
        assert _has(worst, colour), colour
    assert not np.all(worst == NO_IMAGE, axis=-1).any(), "the set's own image is drawn"

    # --ids picks images of the sets; the predictions of the others are not looked at.
    label = shown["ids"][-1]
    one = kvasir_seg_cli("show", *common, "--ids", label, "--json --out", out).json()
    assert one["ids"] == [label.split("/")[1]] and one["dice"] == {one["ids"][0]: expected[label]}
    kvasir_seg_cli("show", *common, "--ids nope --out", out, ok=False).assert_user_error(
        "no image with id nope"
    )


def test_show_draws_references_without_predictions_masks_only_on_grey(
    test_dataset, tmp_path: Path, kvasir_seg_cli, write_masks
) -> None:
    cvc = test_dataset.root / "CVC-300"
    args = ["-n 2 --columns 2 --tile-size", TILE, "--json"]
    shown = kvasir_seg_cli("show --references", cvc, *args, "--out", tmp_path / "a.png")
    assert shown.json()["ids"] == sorted(test_dataset.masks["CVC-300"])[:2]
    assert "drawn on grey" not in shown.stderr
    with Image.open(tmp_path / "a.png") as picture:
        tile = _tile(np.asarray(picture), 0, columns=2)
    assert _has(tile, MASK_OUTLINE) and not np.all(tile == NO_IMAGE, axis=-1).any()

    masks_only = write_masks(tmp_path / "masks-only", test_dataset.masks["ETIS"])
    result = kvasir_seg_cli("show --references", masks_only, *args, "--out", tmp_path / "b.png")
    assert "The set masks-only has no image beside its masks" in result.stderr
    assert "drawn on grey" in result.stderr
    with Image.open(tmp_path / "b.png") as picture:
        tile = _tile(np.asarray(picture), 0, columns=2)
    assert _has(tile, MASK_OUTLINE) and np.all(tile == NO_IMAGE, axis=-1).mean() > 0.5


def test_show_names_its_ground_truth_one_way(
    test_dataset, kvasir_seg_zip: Path, tmp_path: Path, kvasir_seg_cli
) -> None:
    out = ["--out", tmp_path / "x.png"]
    kvasir_seg_cli("show", *out, ok=False).assert_user_error(
        "name the ground truth", "--references DIR", "a dataset NAME"
    )
    kvasir_seg_cli(
        "show kvasir_seg --references", test_dataset.root, *out, ok=False
    ).assert_user_error("--references and a dataset NAME both name the ground truth")
    kvasir_seg_cli(
        "show --split train --references", test_dataset.root, *out, ok=False
    ).assert_user_error("--split applies to a dataset NAME only")
    bad = kvasir_seg_cli("show kvasir_seg --resize lanczos", *out, ok=False)
    assert bad.returncode == 2 and "invalid choice: 'lanczos'" in bad.stderr
