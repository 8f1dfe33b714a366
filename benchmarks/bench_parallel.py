"""Scoring in worker processes (``num_workers``, ``--jobs``) against one process; prints ratios.

    python benchmarks/bench_parallel.py               # 1000 masks at Kvasir-SEG's sizes
    python benchmarks/bench_parallel.py --count 200   # a shorter run

1. PraNet protocol, ``compute_scores`` on 8-bit maps and 0/255 masks in memory: 1 worker
   against 2 (or ``--jobs``) workers; target <= 0.6x one worker, and the same floats;
2. the same against pysodmetrics (``oracles.pranet_toolbox_scores``, the PraNet toolbox's
   Python port), one process; target >= 7x faster;
3. ``kvasir-seg evaluate --references`` (default protocol) on files: RGB JPEG masks and
   PNG maps at the masks' sizes, ``--format csv --per-image``, ``--jobs 1`` against
   ``--jobs 2``, alternated for ``--rounds`` rounds (medians); target <= 0.6x, and the
   same per-image scores to the last digit. Each run's CPU seconds are printed: the main
   process's, and with the workers' (psutil, installed with the dev environment's
   tensorflow-datasets); on a machine where other work runs, they show what a wall time
   cannot (``python benchmarks/bench_parallel.py --only-evaluate --rounds 5``).

Each side is warmed up once on two images first (imports), so only the scoring is timed;
the workers start with each call (forked: milliseconds). ``bench_cold_jobs.py`` times
fresh processes instead, as a paper's test set is scored once.
"""

from __future__ import annotations

import common  # noqa: F401  (first: every cache is isolated before a library reads it)

# isort: split

import argparse
import contextlib
import io
import os
import resource
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import psutil
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
    parser.add_argument(
        "--rounds", type=int, default=3, help="alternated rounds of part 3 (default 3)"
    )
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


def cpu_seconds() -> tuple[float, float]:
    """(this process's CPU seconds, with its children's and theirs): the fork server's
    workers are its children, waited for by it, so their CPU is counted once they end."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    waited = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = own.ru_utime + own.ru_stime + waited.ru_utime + waited.ru_stime
    for child in psutil.Process().children():
        with contextlib.suppress(psutil.Error):
            times = child.cpu_times()
            total += times.user + times.system + times.children_user + times.children_system
    return own.ru_utime + own.ru_stime, total


def bench_evaluate(args: argparse.Namespace, maps: list, masks: list) -> None:
    root = Path(tempfile.mkdtemp(prefix="bench-parallel-"))
    try:
        references, predictions = write_folders(root, maps, masks)
        warm = write_folders(root / "warm-up", maps[:2], masks[:2])
        for jobs in (1, args.jobs):
            evaluate(*warm, jobs)
        print(
            f"\nevaluate --references, default protocol, {args.count} JPEG masks + PNG maps, "
            f"{args.rounds} alternated rounds (load average {os.getloadavg()[0]:.2f}):"
        )
        runs: dict[int, list[tuple[float, float, float]]] = {1: [], args.jobs: []}
        printed = {}
        for _ in range(args.rounds):
            for jobs in runs:
                start, (own, total) = time.perf_counter(), cpu_seconds()
                printed[jobs] = evaluate(references, predictions, jobs)
                wall, (own_after, total_after) = time.perf_counter() - start, cpu_seconds()
                runs[jobs].append((wall, own_after - own, total_after - total))
                print(
                    f"  --jobs {jobs}: {wall:5.2f} s, CPU {own_after - own:5.2f} s in the main "
                    f"process, {total_after - total:5.2f} s in all "
                    f"(load average {os.getloadavg()[0]:.2f})"
                )
        assert printed[args.jobs] == printed[1], "--jobs changed the scores"
        medians = {
            jobs: [statistics.median(column) for column in zip(*found, strict=True)]
            for jobs, found in runs.items()
        }
        for jobs, (wall, own, total) in medians.items():
            print(
                f"  medians, --jobs {jobs}: {wall:5.2f} s, "
                f"CPU {own:5.2f} s main, {total:5.2f} s all"
            )
        line(
            f"--jobs {args.jobs} vs --jobs 1 (same scores)",
            medians[args.jobs][0],
            medians[1][0],
            "target <= 0.6x",
        )
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
