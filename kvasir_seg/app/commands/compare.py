"""``kvasir-seg compare``: does model A really beat model B? Paired tests, set by set.

Both folders of predictions are scored against the same ground truth (every image once per
model); per set, the per-image Dice and IoU of A and B are compared as pairs
(:func:`kvasir_seg.scores.statistics.compare_paired`): both means, the mean difference
A - B with a seeded paired bootstrap 95 % interval, and the Wilcoxon signed-rank p-value.
"""

from __future__ import annotations

import argparse
from typing import Any

from kvasir_seg.app import score_arguments
from kvasir_seg.app.ground_truth import opened_ground_truth
from kvasir_seg.app.options import add_json_argument
from kvasir_seg.app.printing import print_json
from kvasir_seg.app.score_options import read_score_options

#: The per-image scores compared (both protocols have them per image).
COMPARED = ("dice", "iou")
#: Significance level of the verdict.
ALPHA = 0.05

NAME = "compare"
SUMMARY = "compare two models' predictions image by image (paired bootstrap, Wilcoxon)"
DESCRIPTION = (
    "Score two folders of predictions (A_DIR and B_DIR, each as `evaluate --predictions` "
    "takes it) against the same ground truth, and compare them image by image, per set: "
    "both models' mean Dice and IoU, the mean paired difference A - B with a seeded paired "
    "bootstrap 95 % interval, the Wilcoxon signed-rank p-value (scipy.stats.wilcoxon on the "
    "per-image pairs, default options) and a one-line verdict at p < 0.05. Both folders must "
    "hold a prediction for exactly the images of the ground truth."
)
EXAMPLES = [
    "compare runs/unet/ runs/pranet/ --references TestDataset/ --resize bilinear",
    "compare a/ b/ --dataset kvasir_seg --config pranet --split test --json",
]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("a_dir", metavar="A_DIR", help="model A's folder of predictions")
    parser.add_argument("b_dir", metavar="B_DIR", help="model B's folder of predictions")
    score_arguments.add_ground_truth_arguments(parser)
    score_arguments.add_scoring_arguments(parser)
    add_json_argument(parser)


def run(args: argparse.Namespace) -> int:
    options = read_score_options(args, protocols=(args.protocol,), predictions=("a_dir", "b_dir"))
    from kvasir_seg.app.scoring import ALL_IMAGES, score_or_explain
    from kvasir_seg.scores.statistics import BootstrapSettings

    models = {"A": options.predictions["a_dir"], "B": options.predictions["b_dir"]}
    with opened_ground_truth(options.ground_truth) as truth:
        scores = score_or_explain(truth.sets, models, options.scoring)
    settings = BootstrapSettings()
    a, b = scores["A"], scores["B"]
    pairs = {name: (a.sets[name], b.sets[name]) for name in a.sets}
    if len(pairs) > 1:
        pairs[ALL_IMAGES] = (a.overall, b.overall)
    rows = [
        _compare(name, first[args.protocol], second[args.protocol], settings)
        for name, (first, second) in pairs.items()
    ]
    if args.json:
        print_json(
            {
                **truth.source,
                "a": args.a_dir,
                "b": args.b_dir,
                "protocol": args.protocol,
                "threshold": options.scoring.threshold if args.protocol == "default" else None,
                "resize": options.scoring.resize,
                "alpha": ALPHA,
                "sets": rows,
                "bootstrap": settings.to_dict(),
            }
        )
    else:
        _print_text(truth.title, args, rows)
    return 0


def _compare(name: str, first: Any, second: Any, settings: Any) -> dict[str, Any]:
    from kvasir_seg.app.score_tables import per_image_values
    from kvasir_seg.scores.statistics import compare_paired

    comparisons = {
        score: compare_paired(
            per_image_values(first, score), per_image_values(second, score), settings
        )
        for score in COMPARED
    }
    return {
        "name": name,
        "num_images": len(first),
        **{score: comparison.to_dict() for score, comparison in comparisons.items()},
        "verdict": verdict(comparisons),
    }


def verdict(comparisons: dict[str, Any], alpha: float = ALPHA) -> str:
    """One line: which model is better on which score, at the Wilcoxon p < ``alpha``.

    >>> from kvasir_seg.scores.statistics import compare_paired
    >>> verdict({"dice": compare_paired([0.9, 0.8, 0.7], [0.9, 0.8, 0.7])})
    'no significant difference in Dice (Wilcoxon p >= 0.05)'
    """
    findings = {}
    for score, comparison in comparisons.items():
        if comparison.p_value >= alpha or comparison.difference == 0:
            findings[score] = "no significant difference"
        else:
            findings[score] = "A is better" if comparison.difference > 0 else "B is better"
    names = {"dice": "Dice", "iou": "IoU"}
    if len(set(findings.values())) == 1:
        finding = next(iter(findings.values()))
        scores = " and ".join(names.get(score, score) for score in findings)
        tests = ", ".join(_p(comparison.p_value) for comparison in comparisons.values())
        if finding == "no significant difference":
            return f"{finding} in {scores} (Wilcoxon p >= {alpha:g})"
        return f"{finding} on {scores} (Wilcoxon {tests})"
    return "; ".join(
        f"{names.get(score, score)}: {finding} ({_p(comparisons[score].p_value)})"
        for score, finding in findings.items()
    )


def _p(value: float) -> str:
    return "p < 0.0001" if value < 1e-4 else f"p = {value:.4f}"


def _signed(value: float | None) -> str:
    return "" if value is None else f"{value:+.4f}"


def _print_text(title: str, args: argparse.Namespace, rows: list[dict[str, Any]]) -> None:
    from kvasir_seg.app.score_tables import aligned

    how = f"protocol {args.protocol}" + (f", resize {args.resize}" if args.resize != "none" else "")
    print(f"{title}: A = {args.a_dir}, B = {args.b_dir}, {how}")
    body = []
    for row in rows:
        for score in COMPARED:
            found = row[score]
            interval = (
                ""
                if found["ci_low"] is None
                else f"[{_signed(found['ci_low'])}, {_signed(found['ci_high'])}]"
            )
            body.append(
                [
                    row["name"],
                    score,
                    str(row["num_images"]),
                    f"{found['mean_a']:.4f}",
                    f"{found['mean_b']:.4f}",
                    _signed(found["difference"]),
                    interval,
                    f"{found['p_value']:.4g}",
                ]
            )
    header = ["set", "score", "images", "A", "B", "A - B", "95% CI", "Wilcoxon p"]
    print(aligned(header, body))
    for row in rows:
        print(f"{row['name']}: {row['verdict']}")
