"""Peak memory of a build against a zip holding a 2 GiB member, against the same build without it.

Each build runs in a fresh process (its peak RSS is read from ``getrusage``):

- ``baseline``: ``load_dataset`` on a synthetic Kvasir-SEG zip of N pairs;
- ``hostile``: the same zip with one image replaced by a real 2 GiB member (zeros,
  deflated to a few MiB): the build must refuse it before inflating, so its peak must stay
  near the baseline's;
- ``naive``: what a reader without bounds does with that member (``ZipFile.read``), for
  scale.

    python benchmarks/bench_hostile.py            # 60 pairs
    python benchmarks/bench_hostile.py --pairs 200
"""

from __future__ import annotations

import common  # noqa: F401  (first: every cache is isolated before a library reads it)

# isort: split

import argparse
import json
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from common import synthetic_kvasir_seg

MEMBER_BYTES = 2 * 1024**3

_BUILD = """
import json, os, resource, sys
os.environ["KVASIR_SEG_DATA"] = sys.argv[3]
from kvasir_seg.errors import KvasirSegError
from kvasir_seg_hf import load_dataset
outcome = "built"
try:
    load_dataset("kvasir_seg", data_dir=sys.argv[1], cache_dir=sys.argv[2],
                 verification_mode="no_checks")
except KvasirSegError as error:
    outcome = f"refused: {str(error)[:110]}"
print(json.dumps({"outcome": outcome,
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

_NAIVE = """
import json, resource, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as archive:
    size = len(archive.read(sys.argv[2]))
print(json.dumps({"outcome": f"inflated {size:,} bytes",
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def with_huge_member(source: Path, target: Path) -> str:
    """Copy ``source`` to ``target`` with its first image replaced by 2 GiB of zeros."""
    with zipfile.ZipFile(source) as original:
        names = original.namelist()
        victim = sorted(n for n in names if "/images/" in n)[0]
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
            for name in names:
                if name != victim:
                    out.writestr(name, original.read(name))
            with out.open(victim, "w", force_zip64=True) as member:
                chunk = bytes(64 * 1024 * 1024)
                for _ in range(MEMBER_BYTES // len(chunk)):
                    member.write(chunk)
    return victim


def run(script: str, *args: object) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", script, *map(str, args)], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        clean = synthetic_kvasir_seg(root / "clean", args.pairs)
        hostile = root / "hostile" / clean.name
        hostile.parent.mkdir()
        start = time.perf_counter()
        victim = with_huge_member(clean, hostile)
        print(
            f"hostile copy: {victim} is {MEMBER_BYTES:,} bytes inflated, "
            f"{hostile.stat().st_size / 2**20:.1f} MiB zip (written in "
            f"{time.perf_counter() - start:.0f} s)"
        )
        results = {
            "baseline": run(_BUILD, clean, root / "c1", root / "s1"),
            "hostile": run(_BUILD, hostile, root / "c2", root / "s2"),
            "naive": run(_NAIVE, hostile, victim),
        }
    for label, result in results.items():
        print(f"  {label:<9} peak RSS {result['peak_mib']:8.1f} MiB  {result['outcome']}")
    ratio = results["hostile"]["peak_mib"] / results["baseline"]["peak_mib"]
    print(
        f"hostile / baseline peak memory: {ratio:.2f}x (naive reader: "
        f"{results['naive']['peak_mib'] / results['baseline']['peak_mib']:.1f}x)"
    )


if __name__ == "__main__":
    main()
