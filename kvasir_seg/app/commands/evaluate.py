"""``kvasir-seg evaluate``: score a folder of predicted masks against a split's ground truth.

The ground truth is read from the archive by the core reader (no cache needed); the
scores come from the metric engine (:mod:`kvasir_seg.scores`), streaming, one image at a
time. This module only pairs files with ids, checks them and prints.
"""

from __future__ import annotations

import argparse
import csv
import logging
import sys
from pathlib import Path
from typing import Any

from kvasir_seg.app.commands.common import (
    DEFAULT_THRESHOLD,
    UsageError,
    add_archive_arguments,
    add_config_argument,
    add_flag,
    add_json_argument,
    add_prediction_arguments,
    print_json,
    print_table,
    resolve_archive,
    single_dataset,
    split_ids,
)
from kvasir_seg.catalog import get_spec

PROTOCOLS = ("default", "pranet")

logger = logging.getLogger(__name__)


NAME = "evaluate"
SUMMARY = "score a folder of predicted masks against a split"
DESCRIPTION = (
    "Score predicted masks (PNG or JPEG files named <image_id>.png/.jpg, binary masks "
    "or 0..255 probability maps, each the size of its image) against the ground truth "
    "of one split. Protocol `default`: per image, prediction > threshold, then Dice, "
    "IoU, precision, recall, specificity, accuracy and F2 averaged over images "
    "(the dataset authors' convention), plus pooled scores. Protocol `pranet`: the "
    "benchmark tables' mDice, mIoU, S-measure, E-measure, weighted F-measure and MAE. "
    "Missing, extra or wrongly sized predictions are listed and nothing is scored, "
    "unless --allow-missing / --allow-extra say otherwise."
)
EXAMPLES = [
    "evaluate --dataset kvasir_seg --split validation --predictions preds/",
    "evaluate --dataset kvasir_seg --config pranet --split test --predictions preds/ "
    "--protocol pranet --json",
    "evaluate --dataset kvasir_sessile --split train --predictions preds/ --per-image scores.csv",
]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dataset", required=True, type=single_dataset, metavar="NAME", help="the dataset"
    )
    add_config_argument(parser, "default: the dataset's first")
    parser.add_argument("--split", required=True, metavar="S", help="the split to score")
    add_prediction_arguments(parser, required=True)
    parser.add_argument(
        "--protocol", choices=PROTOCOLS, default="default", help="scoring convention"
    )
    parser.add_argument(
        "--per-image", metavar="FILE.csv", help="also write one row of scores per image"
    )
    add_flag(parser, "--allow-missing", "score the images that have a prediction; skip the rest")
    add_flag(parser, "--allow-extra", "ignore predictions for images that are not in the split")
    add_archive_arguments(parser)
    add_json_argument(parser)


def run(args: argparse.Namespace) -> int:
    from kvasir_seg.app.predictions import (
        PredictionProblems,
        compare_ids,
        find_predictions,
        paired_examples,
    )
    from kvasir_seg.archive import open_archive
    from kvasir_seg.scores import new_accumulator

    if args.protocol == "pranet" and args.threshold is not None:
        raise UsageError("--threshold applies to --protocol default only (pranet sweeps 256).")
    threshold = DEFAULT_THRESHOLD if args.threshold is None else args.threshold
    scores = new_accumulator(args.protocol, threshold)  # checks the threshold first
    spec = get_spec(args.dataset)
    config = spec.config(args.config).name
    found = find_predictions(args.predictions)
    archive_path = resolve_archive(spec, args.data_dir, verify=args.verify, progress=args.progress)
    with open_archive(spec, archive_path) as archive:
        split, ids = split_ids(archive, args.config, args.split)
        missing, extra = compare_ids(ids, found)
        problems = PredictionProblems(
            missing=[] if args.allow_missing else missing,
            extra=[] if args.allow_extra else extra,
        )
        # Every prediction is size-checked, even when missing or extra ones already stop
        # the scoring, so that one run lists every problem.
        for example, prediction in _progress(
            paired_examples(archive, ids, found, problems), len(ids) - len(missing), args
        ):
            if not problems:
                scores.update(prediction, example.mask, image_id=example.image_id)
    if problems:
        for line in problems.lines():
            print(line, file=sys.stderr)
        raise UsageError(problems.summary())
    if missing:
        logger.warning(
            "%d of %d images have no prediction and are left out of the scores (--allow-missing)",
            len(missing),
            len(ids),
        )
    result = scores.result(per_image=bool(args.per_image))
    per_image = result.pop("per_image", None)
    if per_image is not None:
        _write_csv(Path(args.per_image).expanduser(), per_image)
    report = {
        "dataset": spec.name,
        "config": config,
        "split": split,
        "protocol": args.protocol,
        "threshold": threshold if args.protocol == "default" else None,
        "num_images": result.pop("num_images"),
        "missing": missing,
        "extra": extra,
        "scores": result,
    }
    if args.json:
        print_json(report)
    else:
        _print_report(report, args.per_image)
    return 0


def _progress(pairs: Any, total: int, args: argparse.Namespace) -> Any:
    from tqdm.auto import tqdm

    return tqdm(pairs, total=total, unit="image", desc="scoring", disable=not args.progress)


def _write_csv(path: Path, per_image: dict[str, dict[str, float]]) -> None:
    columns = list(next(iter(per_image.values())))
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["image_id", *columns])
        for image_id, row in per_image.items():
            writer.writerow([image_id, *(row[name] for name in columns)])


def _print_report(report: dict[str, Any], per_image: str | None) -> None:
    how = (
        f"protocol default, prediction > {report['threshold']:g}"
        if report["protocol"] == "default"
        else "protocol pranet (256 thresholds)"
    )
    print(
        f"{report['dataset']} / {report['config']} / {report['split']}: "
        f"{report['num_images']} images, {how}"
    )
    rows = [
        [name, f"{value:.4f}" if isinstance(value, float) else str(value)]
        for name, value in report["scores"].items()
    ]
    print_table(rows, ["score", "value"])
    if per_image:
        print(f"per-image scores: {per_image}")
