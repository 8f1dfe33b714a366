"""``kvasir-seg show``: a picture of examples, or of where a model's predictions fail.

The ground truth and the scores are ``evaluate``'s (:mod:`kvasir_seg.app.ground_truth`,
:mod:`kvasir_seg.app.scoring`): a dataset's split or ``--references DIR``, the same checks
of the predictions, the same per-image Dice. The tiles are the report's
(:mod:`kvasir_seg.app.gallery`); this module only chooses the images and prints.
"""

from __future__ import annotations

import argparse
import logging
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from kvasir_seg.app import score_arguments
from kvasir_seg.app.ground_truth import GroundTruth, opened_ground_truth
from kvasir_seg.app.options import UsageError, add_json_argument
from kvasir_seg.app.printing import plural, print_json
from kvasir_seg.app.score_options import ScoreOptions, read_score_options

if TYPE_CHECKING:
    from kvasir_seg.app.grid import Tile
    from kvasir_seg.app.reference_sets import ReferenceSet

logger = logging.getLogger(__name__)

DEFAULT_COUNT = 8

NAME = "show"
SUMMARY = "draw a grid of examples (mask outline, boxes; predictions: TP/FP/FN)"
DESCRIPTION = (
    "Write a PNG grid of examples of a dataset's split (NAME, or --dataset NAME as evaluate "
    "takes it; the split defaults to the config's last) or of --references DIR (as "
    "evaluate takes it): each image scaled into a square tile with the ground-truth mask "
    "outlined in cyan and the boxes in yellow; the masks of a set without images are drawn "
    "on grey. With --predictions, the images are scored as evaluate scores them (missing, "
    "extra or wrongly sized predictions are listed and refused unless --allow-missing, "
    "--allow-extra or --resize say otherwise) and drawn worst Dice first, each captioned "
    "with its Dice: true positives in green, false positives in magenta and false "
    "negatives in azure (translucent fill, opaque edge)."
)
EXAMPLES = [
    "show kvasir_seg -n 12 --out examples.png",
    "show --dataset kvasir_seg --config pranet --split test --predictions preds/ --out worst.png",
    "show --references TestDataset/ --predictions results/PraNet/ --resize bilinear "
    "--out worst.png",
    "show kvasir_capsule_seg --ids 131368cc17e44240_28955 --out frame.png",
]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    score_arguments.add_ground_truth_arguments(parser, dataset_argument=True)
    parser.add_argument(
        "-n",
        type=int,
        metavar="N",
        help=f"how many examples (default: {DEFAULT_COUNT}, or all of --ids)",
    )
    parser.add_argument(
        "--ids",
        nargs="+",
        metavar="ID",
        help="draw these images, of any split (<set>/<id> in a folder of sets); predictions "
        "of other images are not looked at",
    )
    score_arguments.add_predictions_argument(parser, required=False)
    score_arguments.add_scoring_arguments(parser, protocol=False)
    score_arguments.add_allow_arguments(parser)
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
    add_json_argument(parser)


def run(args: argparse.Namespace) -> int:
    _check_numbers(args)
    options = read_score_options(args, protocols=("default",), split_required=False)
    from kvasir_seg.app.grid import render_grid

    scored = bool(options.predictions)
    with opened_ground_truth(options.ground_truth, every_image=bool(args.ids)) as truth:
        if args.ids:
            truth = replace(truth, sets=_chosen(truth, args.ids))
        count = args.n or (sum(len(s.ids) for s in truth.sets) if args.ids else DEFAULT_COUNT)
        if scored:
            tiles, drawn, dice = _worst(truth, options, count, bool(args.ids))
        else:
            tiles, drawn, dice = _examples(truth.sets, count)
        if not tiles:
            raise UsageError(f"{truth.title} has no example to draw.")
        _warn_without_images(truth.sets, drawn)
    out = Path(args.out).expanduser()
    picture = render_grid(tiles, columns=args.columns, tile_size=args.tile_size)
    picture.save(out, format="PNG")
    if args.json:
        labels = [_label(truth.sets, name, image_id) for name, image_id in drawn]
        print_json(
            {
                "out": str(out),
                "size": list(picture.size),
                **truth.source,
                "ids": labels,
                "dice": dict(zip(labels, dice, strict=True)) if scored else None,
                "threshold": options.scoring.threshold if scored else None,
                "resize": options.scoring.resize,
            }
        )
    else:
        print(
            f"wrote {out} ({picture.width}x{picture.height}, {plural(len(tiles), 'example')} of "
            f"{truth.title})"
        )
    return 0


def _check_numbers(args: argparse.Namespace) -> None:
    for option, value, low in (
        ("-n", args.n, 1),
        ("--columns", args.columns, 1),
        ("--tile-size", args.tile_size, 32),
    ):
        if value is not None and value < low:
            raise UsageError(f"{option} must be at least {low}, got {value}.")


def _label(sets: list[ReferenceSet], set_name: str, image_id: str) -> str:
    from kvasir_seg.app.pairing import image_label

    return image_label(set_name, image_id, len(sets) > 1)


def _chosen(truth: GroundTruth, wanted: list[str]) -> list[ReferenceSet]:
    """The sets restricted to the ``--ids`` (ids, or ``<set>/<id>``; a file suffix is
    dropped), in the order given; an id that none holds is refused."""
    from kvasir_seg.archive.sources import IMAGE_SUFFIXES

    where: dict[str, list[tuple[str, str]]] = {}
    for reference_set in truth.sets:
        for image_id in reference_set.ids:
            for key in (image_id, f"{reference_set.name}/{image_id}"):
                where.setdefault(key, []).append((reference_set.name, image_id))
    picked: dict[str, list[str]] = {reference_set.name: [] for reference_set in truth.sets}
    unknown = []
    for given in wanted:
        suffix = Path(given).suffix
        key = given[: -len(suffix)] if suffix.lower() in IMAGE_SUFFIXES else given
        unknown += [key] if key not in where else []
        for name, image_id in where.get(key, []):
            if image_id not in picked[name]:
                picked[name].append(image_id)
    if unknown:
        raise UsageError(f"no image with id {', '.join(unknown[:5])} in {truth.title}.")
    return [replace(s, ids=picked[s.name]) for s in truth.sets if picked[s.name]]


def _examples(
    sets: list[ReferenceSet], count: int
) -> tuple[list[Tile], list[tuple[str, str]], list[float]]:
    """The first ``count`` images of the sets, captioned with their label."""
    from kvasir_seg.app.gallery import image_tile

    by_name = {reference_set.name: reference_set for reference_set in sets}
    drawn = [(s.name, image_id) for s in sets for image_id in s.ids][:count]
    tiles = [
        image_tile(by_name[name], image_id, _label(sets, name, image_id))
        for name, image_id in drawn
    ]
    return tiles, drawn, []


def _worst(
    truth: GroundTruth, options: ScoreOptions, count: int, chosen: bool
) -> tuple[list[Tile], list[tuple[str, str]], list[float]]:
    """The ``count`` worst images by Dice, scored as ``evaluate`` scores them (predictions
    of images not ``chosen`` by ``--ids`` are not looked at)."""
    from kvasir_seg.app.gallery import scored_tiles
    from kvasir_seg.app.scoring import score_or_explain, worst_first

    scoring = options.scoring
    if chosen:
        scoring = replace(scoring, allow_extra=True)
    folder = options.predictions["predictions"]
    scores = score_or_explain(truth.sets, {"": folder}, scoring)[""]
    ranked = worst_first(scores)[:count]
    tiles = scored_tiles(
        ranked, truth.sets, scores, threshold=scoring.threshold, resize=scoring.resize
    )
    return tiles, [(item.set_name, item.image_id) for item in ranked], [i.dice for i in ranked]


def _warn_without_images(sets: list[ReferenceSet], drawn: list[tuple[str, str]]) -> None:
    by_name = {reference_set.name: reference_set for reference_set in sets}
    blank = sorted({name for name, image_id in drawn if by_name[name].read_image(image_id) is None})
    for name in blank:
        logger.warning(
            "The set %s has no image beside its masks (an images/ folder next to masks/): "
            "its tiles are drawn on grey.",
            name,
        )
