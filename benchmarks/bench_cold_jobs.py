"""A paper's test set scored once from a fresh process: cold ``evaluate --jobs 2`` vs ``--jobs 1``.

    python benchmarks/bench_cold_jobs.py                       # 196 masks, both protocols
    python benchmarks/bench_cold_jobs.py --count 100 --rounds 7
    python benchmarks/bench_cold_jobs.py --checkout . --checkout ../before   # two versions

Real-size masks (Kvasir-SEG's sizes, ``kvasir_seg.testing.write_archive``: RGB JPEG masks
beside their images) and 8-bit PNG probability maps at the masks' sizes. Each run is a new
``python -m kvasir_seg evaluate --references ... --predictions ... --format csv -q``
process, so it pays every import and every worker start; ``--jobs 1`` and ``--jobs 2``
alternate within each round (on a shared machine, a burst of other work then slows both),
and the medians of the rounds are compared. With several ``--checkout``, each round runs
every checkout's code in turn, so versions are compared in the same conditions too.
Targets: ``--jobs 2`` no slower than ``--jobs 1`` on either protocol, and at most 0.65x on
the PraNet protocol. The printed tables must be the same to the last digit. The load
average is printed with each round.
"""

from __future__ import annotations

import common  # noqa: F401  (first: every cache is isolated before a library reads it)

# isort: split

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from kvasir_seg.masks import threshold_mask
from kvasir_seg.testing import write_archive

#: The targets: --jobs 2 / --jobs 1 at most this, per protocol.
TARGETS = {"default": 1.0, "pranet": 0.65}


def write_predictions(masks: Path, predictions: Path, seed: int = 0) -> None:
    """An 8-bit PNG probability map per mask, at its size: the polyp shifted a little, soft
    edges, noise."""
    predictions.mkdir()
    rng = np.random.default_rng(seed)
    for path in sorted(masks.iterdir()):
        with Image.open(path) as image:
            mask = threshold_mask(image)
        shifted = np.roll(mask, (int(rng.integers(-9, 10)), int(rng.integers(-9, 10))), (0, 1))
        noise = rng.normal(0, 0.15, mask.shape)
        probabilities = np.clip(shifted * 0.8 + 0.1 + noise, 0, 1)
        grey = np.rint(probabilities * 255).astype(np.uint8)
        Image.fromarray(grey, "L").save(predictions / f"{path.stem}.png")


def evaluate(references: Path, predictions: Path, protocol: str, jobs: int, env: dict) -> tuple:
    """(wall seconds, CPU seconds of the run and its workers, printed table) of one cold run."""
    command = [sys.executable, "-m", "kvasir_seg", "evaluate", "--references", str(references)]
    command += ["--predictions", str(predictions), "--protocol", protocol, "--jobs", str(jobs)]
    command += ["--format", "csv", "-q"]
    start, cpu = time.perf_counter(), _children_cpu()
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"evaluate failed: {done.stderr}")
    return wall, _children_cpu() - cpu, done.stdout


def _children_cpu() -> float:
    """CPU seconds of the finished child processes (with the workers they waited for)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=196, help="masks (default 196)")
    parser.add_argument("--rounds", type=int, default=5, help="alternated rounds (default 5)")
    parser.add_argument(
        "--protocols", nargs="+", default=list(TARGETS), choices=list(TARGETS), metavar="P"
    )
    parser.add_argument(
        "--checkout",
        type=Path,
        action="append",
        help="run the code of this checkout (repeat to compare; default: the one imported)",
    )
    args = parser.parse_args()
    codes = {
        str(path): {**os.environ, "PYTHONPATH": str(path.resolve())} for path in args.checkout or []
    } or {"installed": dict(os.environ)}
    root = Path(tempfile.mkdtemp(prefix="bench-cold-jobs-"))
    try:
        references = write_archive("kvasir_seg", root, count=args.count, zipped=False, junk=False)
        references = references / "Kvasir-SEG"
        predictions = root / "predictions"
        write_predictions(references / "masks", predictions)
        print(f"{args.count} Kvasir-SEG-size JPEG masks and PNG maps; cores: {os.cpu_count()}")
        for protocol in args.protocols:
            runs = {(code, jobs): [] for code in codes for jobs in (1, 2)}
            tables = {}
            for round_ in range(args.rounds):
                for code, jobs in runs:
                    wall, cpu, tables[code, jobs] = evaluate(
                        references, predictions, protocol, jobs, codes[code]
                    )
                    runs[code, jobs].append((wall, cpu))
                print(
                    f"  {protocol} round {round_ + 1}: "
                    + ", ".join(
                        f"{code} --jobs {jobs} {found[-1][0]:5.2f} s (CPU {found[-1][1]:5.2f} s)"
                        for (code, jobs), found in runs.items()
                    )
                    + f"; load average {os.getloadavg()[0]:.2f}"
                )
            assert len(set(tables.values())) == 1, "--jobs or the code changed the scores"
            for code in codes:
                (one, one_cpu), (two, two_cpu) = (
                    [statistics.median(column) for column in zip(*runs[code, jobs], strict=True)]
                    for jobs in (1, 2)
                )
                print(
                    f"{protocol}, {code}: medians --jobs 1 {one:5.2f} s (CPU {one_cpu:5.2f} s), "
                    f"--jobs 2 {two:5.2f} s (CPU {two_cpu:5.2f} s), ratio {two / one:4.2f}x "
                    f"(target <= {TARGETS[protocol]:.2f}x)"
                )
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
