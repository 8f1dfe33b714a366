"""``kvasir-seg show``: a picture of examples, or of where a model's predictions fail."""

from __future__ import annotations

import argparse
import io
import logging
import sys
from pathlib import Path
from typing import Any

from kvasir_seg.app.ground_truth import split_ids
from kvasir_seg.app.options import (
    DEFAULT_THRESHOLD,
    UsageError,
    add_archive_arguments,
    add_config_argument,
    add_json_argument,
    add_prediction_arguments,
    archive_of,
    single_dataset,
)
from kvasir_seg.app.printing import print_json
from kvasir_seg.catalog import get_spec

logger = logging.getLogger(__name__)

DEFAULT_COUNT = 8


NAME = "show"
SUMMARY = "draw a grid of examples (mask outline, boxes; predictions: TP/FP/FN)"
DESCRIPTION = (
    "Write a PNG grid of examples: each image scaled into a square tile with the "
    "ground-truth mask outlined in cyan and the boxes in yellow. With --predictions, "
    "each tile shows true positives in green, false positives in magenta and false "
    "negatives in azure (translucent fill, opaque edge), captioned with the Dice, "
    "worst Dice first; images with no prediction are left out."
)
EXAMPLES = [
    "show kvasir_seg -n 12 --out examples.png",
    "show kvasir_seg --config pranet --split test --predictions preds/ --out worst.png",
    "show kvasir_capsule_seg --ids 131368cc17e44240_28955 --out frame.png",
]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", type=single_dataset, metavar="NAME", help="the dataset")
    add_config_argument(parser, "default: the dataset's first")
    parser.add_argument(
        "--split",
        metavar="S",
        help="split to draw from (default: the config's last, e.g. validation or test)",
    )
    parser.add_argument(
        "-n",
        type=int,
        metavar="N",
        help=f"how many examples (default: {DEFAULT_COUNT}, or all of --ids)",
    )
    parser.add_argument("--ids", nargs="+", metavar="ID", help="draw these image ids")
    add_prediction_arguments(parser, required=False)
    parser.add_argument("--out", required=True, metavar="FILE.png", help="the PNG to write")
    parser.add_argument(
        "--columns", type=int, default=4, metavar="K", help="tiles per row (default: 4)"
    )
    parser.add_argument(
        "--tile-size",
        type=int,
        default=256,
        metavar="PX",
        help="tile side in pixels (default: 256)",
    )
    add_archive_arguments(parser)
    add_json_argument(parser)


def run(args: argparse.Namespace) -> int:
    from kvasir_seg.archive import open_archive

    _check_numbers(args)
    threshold = DEFAULT_THRESHOLD if args.threshold is None else args.threshold
    spec = get_spec(args.name)
    spec.config(args.config)
    archive_path = archive_of(spec, args)
    with open_archive(spec, archive_path) as archive:
        split, ids = split_ids(archive, args.config, args.split)
        if args.ids:  # any ids of the archive, whatever their split
            split, ids = None, _check_ids(args.ids, archive.ids)
        count = args.n or (len(ids) if args.ids else DEFAULT_COUNT)
        if args.predictions:
            found, dice = _dice_worst_first(archive, ids, args.predictions, threshold)
            chosen = list(dice)[:count]
        else:
            found, dice, chosen = {}, {}, ids[:count]
        if not chosen:
            raise UsageError(f"{spec.name} split {split!r} has no example in this archive.")
        tiles = [_tile(archive, image_id, found, dice, threshold) for image_id in chosen]
    from kvasir_seg.app.grid import render_grid

    out = Path(args.out).expanduser()
    picture = render_grid(tiles, columns=args.columns, tile_size=args.tile_size)
    picture.save(out, format="PNG")
    if args.json:
        print_json(
            {
                "out": str(out),
                "size": list(picture.size),
                "split": split,
                "ids": chosen,
                "dice": {i: dice[i] for i in chosen} if dice else None,
            }
        )
    else:
        where = f" of {split}" if split else ""
        print(f"wrote {out} ({picture.width}x{picture.height}, {len(tiles)} examples{where})")
    return 0


def _check_numbers(args: argparse.Namespace) -> None:
    for option, value, low in (
        ("-n", args.n, 1),
        ("--columns", args.columns, 1),
        ("--tile-size", args.tile_size, 32),
    ):
        if value is not None and value < low:
            raise UsageError(f"{option} must be at least {low}, got {value}.")


def _check_ids(wanted: list[str], known: list[str]) -> list[str]:
    stems = [Path(image_id).stem if Path(image_id).suffix else image_id for image_id in wanted]
    unknown = sorted(set(stems) - set(known))
    if unknown:
        raise UsageError(f"no image with id {', '.join(unknown[:5])} in this archive.")
    return list(dict.fromkeys(stems))


def _dice_worst_first(
    archive: Any, ids: list[str], directory: str, threshold: float
) -> tuple[dict[str, Path], dict[str, float]]:
    """The predictions found, and the Dice of each id that has one, worst first."""
    from kvasir_seg.app.predictions import (
        PredictionProblems,
        compare_ids,
        find_predictions,
        paired_examples,
    )
    from kvasir_seg.scores import DefaultAccumulator

    found = find_predictions(directory)
    missing, _ = compare_ids(ids, found)
    if len(missing) == len(ids):
        raise UsageError(
            f"none of the {len(ids)} images has a prediction in {directory} (expected files "
            f"named like {ids[0]}.png)."
        )
    if missing:
        logger.warning(
            "%d image(s) have no prediction and are left out (e.g. %s)",
            len(missing),
            ", ".join(missing[:3]),
        )
    problems = PredictionProblems()
    scores = DefaultAccumulator(threshold=threshold)
    for example, prediction in paired_examples(archive, ids, found, problems):
        scores.update(prediction, example.mask, image_id=example.image_id)
    if problems:
        for line in problems.lines():
            print(line, file=sys.stderr)
        raise UsageError(problems.summary())
    dice = {image_id: row["dice"] for image_id, row in scores.per_image().items()}
    return found, dict(sorted(dice.items(), key=lambda item: (item[1], item[0])))


def _tile(
    archive: Any, image_id: str, found: dict[str, Path], dice: dict[str, float], threshold: float
) -> Any:
    from PIL import Image

    from kvasir_seg.app.grid import Tile
    from kvasir_seg.app.predictions import read_prediction
    from kvasir_seg.scores.inputs import binarize_prediction, prediction_array

    example = archive.read_example(image_id)
    with Image.open(io.BytesIO(example.image_bytes)) as image:
        picture = image.convert("RGB")
    prediction = None
    caption = image_id
    if image_id in found:
        values = prediction_array(read_prediction(found[image_id]))
        prediction = binarize_prediction(values, threshold)
        caption = f"dice {dice[image_id]:.3f}  {image_id}"
    return Tile(picture, example.mask, example.bboxes, prediction, caption)
