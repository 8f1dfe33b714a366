"""Time the Hugging Face builder against the floor, in one run, and print the ratios.

    python benchmarks/bench_hf.py            # full scale: 1000 pairs at real sizes
    python benchmarks/bench_hf.py --count 100

Figures:
- floor: one plain loop that reads every member from the zip, thresholds each JPEG mask
  and PNG-encodes it (the work any builder must do);
- build: ``load_dataset`` building the Arrow cache, on one process and with ``num_proc=2``
  (target: at most 1.25x the floor on one process; ``num_proc=2`` at most 0.7x one process
  on 2 cores). The floor and both builds alternate for ``--rounds`` rounds (default 3),
  each build into a fresh cache, and the medians are reported, with the CPU seconds of
  each build (its own and its worker processes'): on a shared machine one round can land
  on a busy moment, which slows two processes more than one;
- iterate: every example decoded to numpy through the dataset, against two plain PIL loops:
  one over the archive itself (decode the JPEG image and the JPEG mask, threshold: what a
  user does without this package) and one over the very bytes the cache stores (the pure
  overhead of ``datasets``). Target: at least 0.9x the plain loop's speed.
"""

from __future__ import annotations

import common  # noqa: F401  (first: every cache is isolated before a library reads it)

# isort: split

import argparse
import io
import logging
import resource
import shutil
import statistics
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import datasets
import numpy as np
from PIL import Image

from kvasir_seg_hf import load_dataset

# This folder is on sys.path when the script runs.
from common import floor, plain_decode, synthetic_kvasir_seg, timed


def plain_archive_loop(zip_path: Path) -> None:
    with zipfile.ZipFile(zip_path) as archive:
        for name in archive.namelist():
            if "/images/" in name:
                np.asarray(Image.open(io.BytesIO(archive.read(name))).convert("RGB"))
                mask = archive.read(name.replace("/images/", "/masks/"))
                _ = np.asarray(Image.open(io.BytesIO(mask)).convert("L")) > 127


def iterate(ds: datasets.Dataset) -> None:
    for row in ds.with_format("numpy"):
        row["image"], row["mask"]


def cpu_seconds() -> float:
    """CPU seconds of this process and of its waited-for children (the build's workers)."""
    own, children = (
        resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def alternated(
    work: dict[str, Callable[[], object]], rounds: int
) -> dict[str, tuple[float, float]]:
    """Run each of ``work``'s functions once per round, in turn; print every wall time and
    return each function's median (wall, CPU) seconds."""
    walls: dict[str, list[float]] = {label: [] for label in work}
    cpus: dict[str, list[float]] = {label: [] for label in work}
    for _ in range(rounds):
        for label, function in work.items():
            start, cpu = time.perf_counter(), cpu_seconds()
            function()
            walls[label].append(time.perf_counter() - start)
            cpus[label].append(cpu_seconds() - cpu)
    medians = {}
    for label in work:
        wall, cpu = statistics.median(walls[label]), statistics.median(cpus[label])
        runs = " ".join(f"{value:.2f}" for value in walls[label])
        print(f"  {label:<44} {wall:8.2f} s  (cpu {cpu:5.2f} s; runs {runs})")
        medians[label] = wall, cpu
    return medians


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3, help="alternated build rounds")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    datasets.disable_progress_bars()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        zip_path = synthetic_kvasir_seg(root / "archive", args.count)
        options = {"data_dir": zip_path, "verification_mode": "no_checks"}

        caches = iter(range(10**6))

        def fresh_build(num_proc: int | None) -> None:
            cache = root / f"build-{next(caches)}"
            load_dataset("kvasir_seg", cache_dir=cache, num_proc=num_proc, **options)
            shutil.rmtree(cache)

        print(f"build (medians of {args.rounds} alternated rounds, each into a fresh cache)")
        medians = alternated(
            {
                "floor (zip read + threshold + PNG encode)": lambda: floor(zip_path),
                "load_dataset, one process": lambda: fresh_build(None),
                "load_dataset, num_proc=2": lambda: fresh_build(2),
            },
            args.rounds,
        )
        (t_floor, _), (t_build, _), (t_build2, _) = medians.values()
        load_dataset("kvasir_seg", cache_dir=root / "c1", **options)
        t_cached = timed(
            "load_dataset again (cache reuse)",
            lambda: load_dataset("kvasir_seg", cache_dir=root / "c1", **options),
        )

        ds = datasets.concatenate_datasets(
            list(load_dataset("kvasir_seg", cache_dir=root / "c1", **options).values())
        )
        raw = ds.cast_column("image", datasets.Image(decode=False)).cast_column(
            "mask", datasets.Image(decode=False)
        )
        pairs = [(r["image"]["bytes"], r["mask"]["bytes"]) for r in raw]
        print("iterate (decode every image and mask to numpy)")
        t_archive = timed(
            "plain PIL loop over the archive", lambda: plain_archive_loop(zip_path), repeat=2
        )
        t_plain = timed(
            "plain PIL loop over the cached bytes", lambda: plain_decode(pairs), repeat=2
        )
        t_iter = timed("Dataset.with_format('numpy')", lambda: iterate(ds), repeat=2)

        print("ratios")
        print(f"  build / floor, one process      {t_build / t_floor:5.2f}x   (target <= 1.25)")
        print(f"  build / floor, num_proc=2       {t_build2 / t_floor:5.2f}x")
        print(f"  num_proc=2 / one process        {t_build2 / t_build:5.2f}x   (target <= 0.7)")
        print(f"  cached load / build             {t_cached / t_build:5.3f}x")
        print(f"  iteration speed / archive loop  {t_archive / t_iter:5.2f}x   (target >= 0.9)")
        print(
            f"  iteration speed / bytes loop    {t_plain / t_iter:5.2f}x   (datasets' own overhead)"
        )


if __name__ == "__main__":
    main()
