"""``kvasir-seg evaluate``: score folders of predicted masks against ground truth, set by set.

The ground truth is a dataset's split (read from the archive by the core reader, no cache
needed) or a folder of reference masks, possibly a folder of sets such as PraNet's
TestDataset (:mod:`kvasir_seg.app.reference_sets`). The scores come from the metric engine
(:mod:`kvasir_seg.scores`), streaming, one image at a time; the tables and statistics from
:mod:`kvasir_seg.app.score_tables`. This module only reads the options and prints.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path
from typing import Any

from kvasir_seg.app import score_arguments
from kvasir_seg.app.ground_truth import GroundTruth, opened_ground_truth
from kvasir_seg.app.options import UsageError, add_json_argument
from kvasir_seg.app.printing import plural, print_json, print_table
from kvasir_seg.app.score_options import ScoreOptions, read_score_options

#: ``--format`` values: the aligned text table, the papers' formats, and JSON.
FORMATS = ("table", "markdown", "latex", "csv", "json")

NAME = "evaluate"
SUMMARY = "score a folder of predicted masks against a split or a folder of references"
DESCRIPTION = (
    "Score predicted masks (files named <image_id>.png/.jpg/.bmp/.tif: binary masks, 8- or "
    "16-bit probability maps) against the ground truth: a dataset's split (--dataset, "
    "--split), or --references, a folder of masks or a folder of sets (each a folder of "
    "masks or holding masks/, as PraNet's TestDataset), which the predictions mirror "
    "(<set>/<image_id>.png). One row per set, plus the mean over sets and over all images. "
    "Protocol `default`: per image, prediction > threshold, then Dice, IoU, precision, "
    "recall, specificity, accuracy and F2 averaged over images (the dataset authors' "
    "convention), plus pooled scores. Protocol `pranet`: the benchmark tables' mDice, mIoU, "
    "S-measure, E-measure, weighted F-measure and MAE. --resize brings each prediction to "
    "its ground truth's size first (Pillow's filter). Tables give mean ± std over images to "
    "3 decimals; JSON keeps full precision with the std and a seeded 95 % bootstrap "
    "interval of each score. Missing, extra or wrongly sized predictions are listed and "
    "nothing is scored, unless --allow-missing / --allow-extra / --resize say otherwise."
)
EXAMPLES = [
    "evaluate --dataset kvasir_seg --split validation --predictions preds/",
    "evaluate --dataset kvasir_seg --config pranet --split test --predictions preds/ "
    "--protocol pranet --json",
    "evaluate --references TestDataset/ --predictions results/PraNet/ --protocol pranet "
    "--resize bilinear --format latex",
    "evaluate --references masks/ --predictions preds/ --format csv > scores.csv",
    "evaluate --dataset kvasir_sessile --split train --predictions preds/ --per-image scores.csv",
]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    score_arguments.add_ground_truth_arguments(parser)
    score_arguments.add_predictions_argument(parser)
    score_arguments.add_scoring_arguments(parser)
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default=None,
        help="table (default), markdown, latex, csv (the papers' tables), or json",
    )
    parser.add_argument(
        "--per-image", metavar="FILE.csv", help="also write one row of scores per image"
    )
    score_arguments.add_allow_arguments(parser)
    add_json_argument(parser)


def output_format(args: argparse.Namespace) -> str:
    """``--format``, with ``--json`` as ``--format json``."""
    if args.json and args.format not in (None, "json"):
        raise UsageError(f"--json and --format {args.format} ask for two outputs; give one.")
    return "json" if args.json else args.format or "table"


def run(args: argparse.Namespace) -> int:
    table_format = output_format(args)
    options = read_score_options(args, protocols=(args.protocol,))
    from kvasir_seg.app.score_tables import score_table
    from kvasir_seg.app.scoring import score_or_explain
    from kvasir_seg.scores.statistics import BootstrapSettings

    with opened_ground_truth(options.ground_truth) as truth:
        folder = options.predictions["predictions"]
        scores = score_or_explain(truth.sets, {"": folder}, options.scoring)[""]
    settings = BootstrapSettings()
    by_set = {name: found[args.protocol] for name, found in scores.sets.items()}
    # The intervals are printed in JSON and in the listing of one set's scores only.
    intervals = table_format == "json" or (table_format == "table" and len(by_set) == 1)
    table = score_table(by_set, scores.overall[args.protocol], settings, intervals=intervals)
    if args.per_image:
        _write_csv(Path(args.per_image).expanduser(), by_set)
    if table_format == "json":
        print_json(_document(truth, args, options, scores, table, settings))
    elif table_format == "table":
        _print_text(truth, args, options, table)
    else:
        print(table.render(table_format))
    return 0


def _document(
    truth: GroundTruth,
    args: argparse.Namespace,
    options: ScoreOptions,
    scores: Any,
    table: Any,
    settings: Any,
) -> dict[str, Any]:
    overall = table.overall
    return {
        **truth.source,
        "predictions": args.predictions,
        "protocol": args.protocol,
        "threshold": options.scoring.threshold if args.protocol == "default" else None,
        "resize": options.scoring.resize,
        "num_images": overall.num_images,
        "missing": scores.missing,
        "extra": scores.extra,
        "scores": overall.scores,
        "statistics": overall.to_dict()["statistics"],
        **table.to_dict(),
        "bootstrap": settings.to_dict(),
    }


def _write_csv(path: Path, by_set: dict[str, Any]) -> None:
    several = len(by_set) > 1
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        for index, (name, accumulator) in enumerate(by_set.items()):
            per_image = accumulator.per_image()
            columns = list(next(iter(per_image.values())))
            if index == 0:
                writer.writerow(["set"] * several + ["image_id", *columns])
            for image_id, row in per_image.items():
                writer.writerow([name] * several + [image_id, *(row[c] for c in columns)])


def _print_text(
    truth: GroundTruth, args: argparse.Namespace, options: ScoreOptions, table: Any
) -> None:
    how = (
        f"protocol default, prediction > {options.scoring.threshold:g}"
        if args.protocol == "default"
        else "protocol pranet (256 thresholds)"
    )
    if args.resize != "none":
        how += f", predictions resized ({args.resize})"
    count = table.overall.num_images
    sets = f" in {len(table.sets)} sets" if len(table.sets) > 1 else ""
    print(f"{truth.title}: {plural(count, 'image')}{sets}, {how}")
    if len(table.sets) > 1:
        print(table.render("table"))
        print("mean ± std over images; all scores, intervals: --format json")
    else:
        _print_scores(table.overall)
    if args.per_image:
        print(f"per-image scores: {args.per_image}")


def _print_scores(row: Any) -> None:
    """Every score of one set, with its std over images and bootstrap interval."""
    lines = []
    for name, value in row.scores.items():
        summary = row.statistics.get(name)
        spread = ["", ""]
        if summary is not None and summary.std is not None:
            spread[0] = f"{summary.std:.4f}"
        if summary is not None and summary.ci_low is not None:
            spread[1] = f"[{summary.ci_low:.4f}, {summary.ci_high:.4f}]"
        text = f"{value:.4f}" if isinstance(value, float) else str(value)
        lines.append([name, text, *spread])
    print_table(lines, ["score", "value", "std", "95% CI"])
