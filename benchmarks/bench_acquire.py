"""A first build's time and peak memory, this checkout against another (``main``), and what
acquiring the archive costs: zip openings, layout searches, the whole-copy read.

    python benchmarks/bench_acquire.py                   # against main, 1000 pairs, 3 rounds
    python benchmarks/bench_acquire.py --base /tmp/p22-base --count 100 --rounds 1

Both checkouts build the same synthetic Kvasir-SEG zip (``--count`` pairs at real sizes),
each build in a fresh process with an empty archive store and Hugging Face cache, the two
alternating for ``--rounds`` rounds (medians reported): ``load_dataset("kvasir_seg",
"official", data_dir=zip, verification_mode="no_checks")`` (the synthetic zip fails the
published checksum, so it is accepted: the first build of a copy new to the store), then
``"pranet"`` in the same process (a second build from the same archive). Each process
counts the times the zip was opened (``zipfile.ZipFile`` on it) and the layout searched
(``find_layout``), and reports its peak RSS. Without ``--base``, the base is a temporary
``git worktree`` of ``--ref`` (default ``main``), removed at exit.
"""

from __future__ import annotations

import common  # noqa: F401  (first: every cache is isolated before a library reads it)

# isort: split

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kvasir_seg.archive import KvasirArchive
from kvasir_seg.catalog import KVASIR_SEG
from kvasir_seg.store import sha256_of

# This folder is on sys.path when the script runs.
from common import synthetic_kvasir_seg

ROOT = Path(__file__).resolve().parents[1]

_BUILD = """
import json, os, resource, sys, time, zipfile
zip_path, store, cache = sys.argv[1:4]
os.environ["KVASIR_SEG_DATA"] = store
counts = {"zip_opens": 0, "layout_searches": 0}
opening = zipfile.ZipFile.__init__
def counted(self, file, *args, **kwargs):
    if isinstance(file, (str, os.PathLike)) and os.fspath(file) == zip_path:
        counts["zip_opens"] += 1
    opening(self, file, *args, **kwargs)
zipfile.ZipFile.__init__ = counted
import kvasir_seg, kvasir_seg.archive.reader as reader
searching = reader.find_layout
def searched(*args, **kwargs):
    counts["layout_searches"] += 1
    return searching(*args, **kwargs)
reader.find_layout = searched
import datasets
datasets.disable_progress_bars()
from kvasir_seg_hf import load_dataset
result = {}
for config in ("official", "pranet"):
    before, start = dict(counts), time.perf_counter()
    load_dataset("kvasir_seg", config, data_dir=zip_path, cache_dir=cache,
                 verification_mode="no_checks")
    result[config] = {"seconds": time.perf_counter() - start,
                      **{k: counts[k] - before[k] for k in counts}}
result["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
result["imported"] = kvasir_seg.__file__
print(json.dumps(result))
"""


def build(checkout: Path, zip_path: Path, scratch: Path) -> dict:
    """One process of ``checkout`` building both configs from ``zip_path``; its report."""
    run = Path(tempfile.mkdtemp(dir=scratch))
    env = {**os.environ, "PYTHONPATH": str(checkout), "HF_HOME": str(run / "hf")}
    command = [sys.executable, "-c", _BUILD, str(zip_path), str(run / "store"), str(run / "c")]
    # In the run folder: the current folder comes first on sys.path, before PYTHONPATH.
    done = subprocess.run(command, env=env, cwd=run, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{checkout}: the build failed:\n{done.stderr[-3000:]}")
    shutil.rmtree(run, ignore_errors=True)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert Path(report["imported"]).is_relative_to(checkout), report["imported"]
    return report


def base_checkout(ref: str, scratch: Path) -> Path:
    """A temporary ``git worktree`` of ``ref`` (removed by :func:`remove_worktree`)."""
    where = scratch / "base"
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(where), ref],
        check=True,
        capture_output=True,
    )
    return where


def remove_worktree(where: Path) -> None:
    subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(where)])


def whole_read_cost(zip_path: Path) -> None:
    """The whole-copy check of this checkout alone: one pass over every member, and the
    SHA-256 of the file (what a copy new to the store costs beyond its build)."""
    start = time.perf_counter()
    with KvasirArchive(KVASIR_SEG, zip_path) as archive:
        opened = time.perf_counter() - start
        read = archive.read_whole()
    whole = time.perf_counter() - start
    start = time.perf_counter()
    sha256_of(zip_path)
    hashed = time.perf_counter() - start
    print(
        f"  whole-copy check: open (layout, pairs, boxes) {opened:.2f} s, every member read "
        f"and CRC-checked ({read / 2**20:.0f} MiB) {whole - opened:.2f} s; SHA-256 {hashed:.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--base", type=Path, help="the other checkout (default: a worktree)")
    parser.add_argument("--ref", default="main", help="the git ref of the default base")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="kvasir-seg-acquire-"))
    base = args.base or base_checkout(args.ref, scratch)
    try:
        zip_path = synthetic_kvasir_seg(scratch, args.count)
        reports: dict[str, list[dict]] = {"base": [], "this": []}
        for _ in range(args.rounds):
            for label, checkout in (("base", base), ("this", ROOT)):
                reports[label].append(build(checkout, zip_path, scratch))
        print(f"first build of a copy new to the store, medians of {args.rounds} rounds:")
        for label, runs in reports.items():
            first = [r["official"] for r in runs]
            second = [r["pranet"] for r in runs]
            print(
                f"  {label:<4} official {statistics.median(r['seconds'] for r in first):6.2f} s "
                f"(zip opened {first[0]['zip_opens']}x, layout searched "
                f"{first[0]['layout_searches']}x); then pranet "
                f"{statistics.median(r['seconds'] for r in second):6.2f} s (opened "
                f"{second[0]['zip_opens']}x, searched {second[0]['layout_searches']}x); peak "
                f"{statistics.median(r['peak_mib'] for r in runs):6.0f} MiB"
            )
        ratio = statistics.median(r["official"]["seconds"] for r in reports["this"]) / (
            statistics.median(r["official"]["seconds"] for r in reports["base"])
        )
        print(f"  first build, this / base: {ratio:.2f}x")
        whole_read_cost(zip_path)
    finally:
        if args.base is None:
            remove_worktree(base)
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
