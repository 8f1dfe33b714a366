"""Scoring in worker processes (``num_workers``, ``--jobs``) against one process; prints ratios.

    python benchmarks/bench_parallel.py               # 1000 masks at Kvasir-SEG's sizes
    python benchmarks/bench_parallel.py --count 200   # a shorter run

1. PraNet protocol, ``compute_scores`` on 8-bit maps and 0/255 masks in memory: 1 worker
   against 2 (or ``--jobs``) workers; target <= 0.6x one worker, and the same floats;
2. the same against pysodmetrics (``oracles.pranet_toolbox_scores``, the PraNet toolbox's
   Python port), one process; target >= 7x faster;
3. ``kvasir-seg evaluate --references`` (default protocol) on files: RGB JPEG masks and
   PNG maps at the masks' sizes, ``--format csv --per-image``, ``--jobs 1`` against
   ``--jobs 2``; target <= 0.6x, and the same per-image scores to the last digit.

Each side is warmed up once on two images first (imports, and the fork server that starts
the workers, about 0.5 s once per process), so only the scoring is timed.
"""

from __future__ import annotations

import common  # noqa: F401  (first: every cache is isolated before a library reads it)

# isort: split

import argparse
import contextlib
import io
import shutil
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from kvasir_seg.app.cli import main as kvasir_seg
from kvasir_seg.scores import available_cores, compute_scores

from common import kvasir_shapes, seconds, synthetic_pair
from oracles import pranet_toolbox_scores


def eight_bit_pairs(count: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """uint8 maps (as saved PNGs are) and 0/255 masks: the toolbox's inputs, and ours."""
    maps, masks = [], []
    for seed, shape in enumerate(kvasir_shapes(count)):
        probabilities, reference = synthetic_pair(seed, shape)
        maps.append(np.rint(probabilities * 255).astype(np.uint8))
        masks.append(reference)
    return maps, masks


def write_folders(root: Path, maps: list[np.ndarray], masks: list[np.ndarray]) -> tuple[Path, Path]:
    references, predictions = root / "references", root / "predictions"
    references.mkdir(parents=True)
    predictions.mkdir()
    for index, (grey, reference) in enumerate(zip(maps, masks, strict=True)):
        Image.fromarray(reference).convert("RGB").save(references / f"{index:04d}.jpg", quality=95)
        Image.fromarray(grey, "L").save(predictions / f"{index:04d}.png")
    return references, predictions


def evaluate(references: Path, predictions: Path, jobs: int) -> str:
    """The CSV table and the per-image CSV (every float in full): what the run printed."""
    per_image = references.parent / f"per-image-{jobs}.csv"
    argv = ["evaluate", "--references", str(references), "--predictions", str(predictions)]
    argv += ["--jobs", str(jobs), "--format", "csv", "--per-image", str(per_image), "-q"]
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert kvasir_seg(argv) == 0
    return printed.getvalue() + per_image.read_text()


def line(label: str, ours: float, theirs: float, target: str) -> None:
    ratio = ours / theirs
    print(f"  {label:<44} {ours:7.2f} s vs {theirs:7.2f} s   ratio {ratio:5.2f}x  ({target})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="masks (default 1000)")
    parser.add_argument("--jobs", type=int, default=2, help="workers to compare with one")
    parser.add_argument("--skip-pysodmetrics", action="store_true", help="skip part 2")
    parser.add_argument("--only-evaluate", action="store_true", help="part 3 only")
    args = parser.parse_args()
    print(f"cores this process may use: {available_cores()}; workers: {args.jobs}")
    maps, masks = eight_bit_pairs(args.count)

    if not args.only_evaluate:
        bench_compute_scores(args, maps, masks)
    bench_evaluate(args, maps, masks)


def bench_compute_scores(args: argparse.Namespace, maps: list, masks: list) -> None:
    for workers in (1, args.jobs):
        compute_scores(maps[:2], masks[:2], protocol="pranet", num_workers=workers)
    print(f"\nPraNet protocol, compute_scores, {args.count} masks at Kvasir-SEG's sizes:")
    one, expected = seconds(lambda: compute_scores(maps, masks, protocol="pranet"))
    many, found = seconds(
        lambda: compute_scores(maps, masks, protocol="pranet", num_workers=args.jobs)
    )
    assert found == expected, "the workers' scores differ from one process's"
    line(f"{args.jobs} workers vs 1 (bit-identical)", many, one, "target <= 0.6x")
    if not args.skip_pysodmetrics:
        theirs_time, theirs = seconds(lambda: pranet_toolbox_scores(maps, masks))
        worst = max(abs(found[key] - float(value)) for key, value in theirs.items())
        line(f"{args.jobs} workers vs pysodmetrics", many, theirs_time, "target >= 7x faster")
        print(
            f"  {'':<44} speed-up {theirs_time / many:.2f}x ({args.jobs} workers), "
            f"{theirs_time / one:.2f}x (1 worker); max |difference| {worst:.1e}"
        )


def bench_evaluate(args: argparse.Namespace, maps: list, masks: list) -> None:
    root = Path(tempfile.mkdtemp(prefix="bench-parallel-"))
    try:
        references, predictions = write_folders(root, maps, masks)
        warm = write_folders(root / "warm-up", maps[:2], masks[:2])
        for jobs in (1, args.jobs):
            evaluate(*warm, jobs)
        print(f"\nevaluate --references, default protocol, {args.count} JPEG masks + PNG maps:")
        one, expected = seconds(lambda: evaluate(references, predictions, 1))
        many, found = seconds(lambda: evaluate(references, predictions, args.jobs))
        assert found == expected, "--jobs changed the scores"
        line(f"--jobs {args.jobs} vs --jobs 1 (same scores)", many, one, "target <= 0.6x")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
