"""``kvasir-seg evaluate --references`` against the engine alone on the same decoded arrays.

    python benchmarks/bench_evaluate.py            # 1000 pairs at Kvasir-SEG's sizes
    python benchmarks/bench_evaluate.py --quick    # 100 pairs

Writes a folder of references (RGB JPEG masks with compression noise at Kvasir-SEG's real
sizes, as the archive stores them) and the predictions a network at PraNet's input size
saves (352x352 8-bit PNG maps). Then, per protocol:

1. the engine alone: ``compute_scores`` on the decoded maps already resized to their
   references (so neither file reading nor resizing is counted);
2. ``kvasir-seg evaluate --references ... --resize bilinear --format csv``, in process:
   finding and pairing the files, decoding both, resizing, scoring, the table;
   target <= 1.5x the engine alone;
3. the floor: a plain loop that decodes and resizes each pair with PIL, then the engine;
4. the command with ``--json``, which adds the seeded bootstrap intervals.
"""

from __future__ import annotations

import common  # noqa: F401  (first: every cache is isolated before a library reads it)

# isort: split

import argparse
import contextlib
import io
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from kvasir_seg.app.cli import main as kvasir_seg
from kvasir_seg.image_files import read_mask_file
from kvasir_seg.scores import compute_scores

from common import kvasir_shapes, seconds, synthetic_pair

NETWORK_SIZE = (352, 352)
BILINEAR = Image.Resampling.BILINEAR


def write_folders(root: Path, count: int) -> tuple[Path, Path]:
    references, predictions = root / "references", root / "predictions"
    references.mkdir()
    predictions.mkdir()
    for seed, shape in enumerate(kvasir_shapes(count)):
        probabilities, reference = synthetic_pair(seed, shape)
        Image.fromarray(reference).convert("RGB").save(references / f"{seed:04d}.jpg", quality=95)
        small = Image.fromarray(probabilities, "F").resize(NETWORK_SIZE, BILINEAR)
        grey = np.rint(np.clip(np.asarray(small), 0, 1) * 255).astype(np.uint8)
        Image.fromarray(grey, "L").save(predictions / f"{seed:04d}.png")
    return references, predictions


def decoded(references: Path, predictions: Path) -> tuple[list, list]:
    """The engine's inputs: references as read, predictions read and resized (Pillow)."""
    masks, maps = [], []
    for path in sorted(references.iterdir()):
        mask = read_mask_file(path, path.name, role="reference")
        with Image.open(predictions / f"{path.stem}.png") as image:
            maps.append(np.asarray(image.resize(mask.shape[::-1], BILINEAR)))
        masks.append(mask)
    return maps, masks


def floor(references: Path, predictions: Path, protocol: str) -> dict:
    """The plain loop: PIL decodes and resizes every pair, then the engine scores the arrays."""
    masks, maps = [], []
    for path in sorted(references.iterdir()):
        with Image.open(path) as image:
            mask = np.asarray(image.convert("L")) > 127
        with Image.open(predictions / f"{path.stem}.png") as image:
            maps.append(np.asarray(image.resize(mask.shape[::-1], BILINEAR)))
        masks.append(mask)
    return compute_scores(maps, masks, protocol=protocol)


def command(references: Path, predictions: Path, protocol: str, *output: str) -> str:
    argv = ["evaluate", "--references", str(references), "--predictions", str(predictions)]
    argv += ["--resize", "bilinear", "--protocol", protocol, "-q", *output]
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert kvasir_seg(argv) == 0
    return printed.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 pairs only")
    args = parser.parse_args()
    count = 100 if args.quick else 1000
    root = Path(tempfile.mkdtemp(prefix="bench-evaluate-"))
    try:
        start = time.perf_counter()
        references, predictions = write_folders(root, count)
        print(
            f"{count} references (RGB JPEG) and 352x352 predictions written in "
            f"{time.perf_counter() - start:.1f} s"
        )
        maps, masks = decoded(references, predictions)
        for protocol, repeat in (("default", 3), ("pranet", 1)):
            engine, expected = seconds(
                lambda p=protocol: compute_scores(maps, masks, protocol=p), repeat
            )
            cli, table = seconds(
                lambda p=protocol: command(references, predictions, p, "--format", "csv"), repeat
            )
            headline = "dice" if protocol == "default" else "mdice"
            printed = float(table.splitlines()[1].split(",")[2])
            assert abs(printed - expected[headline]) < 5e-4, (printed, expected[headline])
            plain, _ = seconds(lambda p=protocol: floor(references, predictions, p), repeat)
            with_json, _ = seconds(lambda p=protocol: command(references, predictions, p, "--json"))
            print(f"\n{protocol} protocol, {count} images:")
            print(f"  engine alone on decoded, resized arrays   {engine:7.2f} s")
            print(
                f"  evaluate --references --resize bilinear   {cli:7.2f} s   ratio "
                f"{cli / engine:5.2f}x (target <= 1.5x)"
            )
            print(
                f"  floor: PIL decode + resize loop, engine  {plain:7.2f} s   the command is "
                f"{cli / plain:5.2f}x the floor"
            )
            print(
                f"  the same with --json (bootstrap intervals) {with_json:6.2f} s   ratio "
                f"{with_json / engine:5.2f}x"
            )
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
