"""A full Kvasir-SEG TFDS build in one process, as `tfds build` runs it: time and peak memory.

    python benchmarks/bench_tfds_build.py            # 1000 pairs at real sizes
    python benchmarks/bench_tfds_build.py --count 100

`tfds build kvasir_seg --imports kvasir_seg_tfds --manual_dir DIR` calls
``download_and_prepare`` in its own process; this script does the same in a fresh child
process per run (so each peak resident set size is that run's alone) and prints:

- the child's peak memory after importing TensorFlow, TFDS and our builders, building
  nothing (the baseline: what any TFDS process holds; each build imports them before its
  clock starts);
- the build's wall time and peak memory (TFRecord, and array_record);
- where apache-beam is installed, the build again with Beam options given (as
  ``--beam_pipeline_options=direct_num_workers=2,direct_running_mode=multi_processing``
  gives them): the generator builders ignore them (see docs/tfds.md), so the time, the
  memory and the examples are those of the plain build;
- the floor (``common.floor``: read every member, threshold and PNG-encode each mask),
  timed in this process, and the build's ratio to it.
"""

from __future__ import annotations

import common  # noqa: F401  (first: every cache is isolated before a library reads it)

# isort: split

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

# This folder is on sys.path when the script runs.
from common import floor, synthetic_kvasir_seg, timed

#: The child: import, optionally build, then print its wall time and peak memory (KiB).
CHILD = """
import json, resource, sys, time
import tensorflow  # before the clock: a TFRecord build needs it, and `tfds build` loads it
import tensorflow_datasets as tfds
import kvasir_seg_tfds  # registers the builders

manual_dir, data_dir, file_format, beam = sys.argv[1:5]
seconds, examples = 0.0, 0
if file_format != "none":
    config = tfds.download.DownloadConfig(manual_dir=manual_dir)
    if beam == "beam":
        from apache_beam.options.pipeline_options import PipelineOptions

        config.beam_options = PipelineOptions(
            ["--direct_num_workers=2", "--direct_running_mode=multi_processing"]
        )
    builder = tfds.builder(
        "kvasir_seg", data_dir=data_dir, file_format=file_format, verification_mode="no_checks"
    )
    start = time.perf_counter()
    builder.download_and_prepare(download_config=config)
    seconds = time.perf_counter() - start
    examples = sum(split.num_examples for split in builder.info.splits.values())
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": seconds, "peak_kib": peak, "examples": examples}))
"""


def child(manual: Path, data_dir: Path, file_format: str, beam: bool = False) -> dict:
    """One fresh process: import, build ``file_format`` (``"none"``: import only)."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            CHILD,
            str(manual),
            str(data_dir),
            file_format,
            "beam" if beam else "plain",
        ],
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.exit(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=2, help="alternated rounds (best kept)")
    args = parser.parse_args()
    beam = importlib.util.find_spec("apache_beam") is not None
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        zip_path = synthetic_kvasir_seg(root / "manual", args.count)
        t_floor = timed("floor (zip read + threshold + PNG encode)", lambda: floor(zip_path), 2)
        variants = [("tfrecord", False), ("array_record", False)] + [("tfrecord", True)] * beam
        runs: dict[str, list[dict]] = {"imports only": []}
        for round_ in range(args.rounds):  # alternated, so a busy moment hits every variant
            runs["imports only"].append(child(root / "manual", root / "none", "none"))
            for file_format, with_beam in variants:
                label = f"{file_format} build" + (", Beam options given" if with_beam else "")
                data_dir = root / f"{file_format}-{with_beam}-{round_}"
                runs.setdefault(label, []).append(
                    child(root / "manual", data_dir, file_format, with_beam)
                )
        print(f"{'child process':36} {'best time':>10} {'peak memory':>12} {'examples':>9}")
        for label, results in runs.items():
            best = min(results, key=lambda r: r["seconds"])
            peak = max(r["peak_kib"] for r in results) / 2**10
            print(f"{label:36} {best['seconds']:9.2f}s {peak:9.0f} MiB {best['examples']:9d}")
        build = min(r["seconds"] for r in runs["tfrecord build"])
        print(f"TFRecord build / floor: {build / t_floor:.2f}x")
        if not beam:
            print("no run with Beam options: apache-beam is not installed (the tfds-cli extra)")


if __name__ == "__main__":
    main()
