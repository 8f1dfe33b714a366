"""``kvasir-seg report``: one self-contained HTML page about a model's predictions.

The scoring is ``evaluate``'s (both protocols at once); the page is
:mod:`kvasir_seg.app.report_page`, its plots :mod:`kvasir_seg.app.plots` (matplotlib, the
``report`` extra, checked before anything is read).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from kvasir_seg.app import score_arguments
from kvasir_seg.app.ground_truth import opened_ground_truth
from kvasir_seg.app.options import UsageError, add_json_argument
from kvasir_seg.app.printing import plural, print_json
from kvasir_seg.app.score_options import read_score_options
from kvasir_seg.extras import install_command
from kvasir_seg.score_settings import PROTOCOLS

DEFAULT_WORST = 8

NAME = "report"
SUMMARY = "write one self-contained HTML page: scores, plots, worst images"
DESCRIPTION = (
    "Score a folder of predictions against the ground truth (as evaluate does, in both "
    "protocols) and write one self-contained HTML file (pictures embedded, nothing to "
    "fetch): the scores table per set, the distribution of per-image Dice, the PraNet "
    "protocol's Dice at each of its 256 thresholds, the worst images with their true "
    "positives, false positives and false negatives drawn as `show` draws them, and a table "
    "of every image. The plots need matplotlib: " + install_command("report") + "."
)
EXAMPLES = [
    "report --references TestDataset/ --predictions results/PraNet/ --resize bilinear "
    "--out report.html",
    "report --dataset kvasir_seg --split validation --predictions preds/ --out report.html",
]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    score_arguments.add_ground_truth_arguments(parser)
    score_arguments.add_predictions_argument(parser)
    score_arguments.add_scoring_arguments(parser, protocol=False)
    parser.add_argument(
        "--worst",
        type=int,
        default=DEFAULT_WORST,
        metavar="N",
        help=f"how many of the worst images to draw (default: {DEFAULT_WORST})",
    )
    parser.add_argument("--out", required=True, metavar="FILE.html", help="the page to write")
    add_json_argument(parser)


def run(args: argparse.Namespace) -> int:
    from kvasir_seg.app.plots import require_matplotlib

    require_matplotlib()
    if args.worst < 1:
        raise UsageError(f"--worst must be at least 1, got {args.worst}.")
    options = read_score_options(args, protocols=PROTOCOLS)
    from kvasir_seg.app.report_page import build_report
    from kvasir_seg.app.scoring import score_or_explain

    threshold = options.scoring.threshold
    out = Path(args.out).expanduser()
    with opened_ground_truth(options.ground_truth) as truth:
        folder = options.predictions["predictions"]
        scores = score_or_explain(truth.sets, {"": folder}, options.scoring)[""]
        count = len(scores.overall["default"])
        facts = [
            ("ground truth", truth.title),
            ("predictions", args.predictions),
            ("images", f"{count} in {plural(len(scores.sets), 'set')}"),
            ("default protocol", f"prediction > {threshold:g}"),
            ("resize", options.scoring.resize),
        ]
        page = build_report(
            f"kvasir-seg report: {args.predictions}",
            facts,
            truth.sets,
            scores,
            threshold=threshold,
            resize=options.scoring.resize,
            worst=args.worst,
        )
    out.write_text(page, encoding="utf-8")
    if args.json:
        print_json({"out": str(out), "bytes": len(page.encode()), "num_images": count})
    else:
        print(f"wrote {out} ({len(page.encode()) / 1024:.0f} KiB, {plural(count, 'image')})")
    return 0
