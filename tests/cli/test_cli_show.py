"""``kvasir-seg show``: the grid PNG opens, has the expected size and the documented colours."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

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
        "--json",
    )
    assert "4 image(s) have no prediction" in result.stderr  # ids[6:] are left out
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
        "show kvasir_capsule_seg --predictions",
        tmp_path / "predictions",
        "--out",
        out,
        "--data-dir",
        capsule_zip,
        ok=False,
    ).assert_user_error("1 of the wrong size")
