"""What the benchmarks share: timers, synthetic archives and masks, the floor, plain loops.

Both builder benchmarks measure against these same loops, so their ratios compare.

Importing this module also puts the repository's ``tests/`` folder on ``sys.path``: the
references the benchmarks compare with (pysodmetrics, NanoNet's scikit-learn scores) are
the tests' own, ``from oracles import ...`` (``tests/oracles.py``), never a second copy.
"""

from __future__ import annotations

import atexit
import io
import shutil
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from kvasir_seg.testing import write_archive

#: The tests' folder, where ``oracles`` (the reference implementations) is imported from.
TESTS = Path(__file__).resolve().parents[1] / "tests"
if str(TESTS) not in sys.path:
    sys.path.append(str(TESTS))

# A benchmark writes nothing into the user's caches: its synthetic archives must never
# become the user's pins or accepted copies, nor its builds the user's Hugging Face, TFDS,
# evaluate or Keras caches. Every cache is a scratch folder, removed at exit; each script
# imports this module first, before any library reads its folders from the environment.
_SCRATCH = tempfile.mkdtemp(prefix="kvasir-seg-bench-")
atexit.register(shutil.rmtree, _SCRATCH, ignore_errors=True)
from isolation import isolate  # noqa: E402  (tests/isolation.py, on the path above)

isolate(_SCRATCH)


def timed(label: str, work: Callable[[], object], repeat: int = 1) -> float:
    """Run ``work`` ``repeat`` times, print and return the best wall time in seconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    print(f"  {label:<44} {best:8.2f} s")
    return best


def seconds(function: Callable[[], object], repeat: int = 1) -> tuple[float, object]:
    """Best wall time of ``repeat`` runs, and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def synthetic_kvasir_seg(folder: Path, count: int) -> Path:
    """Write a synthetic Kvasir-SEG zip of ``count`` pairs at real sizes; print its size."""
    start = time.perf_counter()
    zip_path = write_archive("kvasir_seg", folder, count=count, junk=False)
    print(
        f"synthetic Kvasir-SEG: {count} pairs, {zip_path.stat().st_size / 2**20:.1f} MiB "
        f"(written in {time.perf_counter() - start:.1f} s)"
    )
    return zip_path


def floor(zip_path: Path) -> None:
    """The plain loop: read every member, threshold each mask, PNG-encode it."""
    with zipfile.ZipFile(zip_path) as archive:
        for name in archive.namelist():
            data = archive.read(name)
            if "/masks/" in name:
                mask = np.asarray(Image.open(io.BytesIO(data)).convert("L")) > 127
                Image.fromarray(mask).save(io.BytesIO(), format="PNG")


def plain_decode(pairs: list[tuple[bytes, bytes]]) -> None:
    """Decode stored (image, mask) bytes with PIL: the loop a reader competes with."""
    for image, mask in pairs:
        np.asarray(Image.open(io.BytesIO(image)).convert("RGB"))
        np.asarray(Image.open(io.BytesIO(mask)))


# Kvasir-SEG image sizes (height, width) and how often they occur, rounded from the real
# archive's 1000 images (333 distinct sizes, mostly near 530x620).
KVASIR_SIZES = [
    ((530, 622), 0.30),
    ((547, 626), 0.15),
    ((529, 622), 0.15),
    ((530, 570), 0.12),
    ((576, 720), 0.08),
    ((1070, 1348), 0.08),
    ((332, 487), 0.06),
    ((625, 759), 0.05),
    ((1072, 1920), 0.01),
]


def synthetic_pair(seed: int, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """(float32 probability map, uint8 0/255 reference) of one synthetic polyp."""
    rng = np.random.default_rng(seed)
    height, width = shape
    rows = np.arange(height, dtype=np.float32)[:, None]
    columns = np.arange(width, dtype=np.float32)[None, :]
    centre_row, centre_column = rng.uniform(0.2, 0.8, 2) * (height, width)
    radius = min(shape) * rng.uniform(0.08, 0.35)
    distance = np.sqrt((rows - centre_row) ** 2 + (columns - centre_column) ** 2)
    reference = (distance < radius).astype(np.uint8) * 255
    edge = radius * rng.uniform(0.85, 1.15)
    soft = 1 / (1 + np.exp((distance - edge) / np.float32(radius * 0.05)))
    noise = rng.standard_normal(shape, dtype=np.float32) * np.float32(0.05)
    return np.clip(soft + noise, 0, 1).astype(np.float32), reference


def report(label: str, ours: float, theirs: float, target: str) -> None:
    print(
        f"  {label:<48} {ours:8.2f} s vs {theirs:8.2f} s   ratio {ours / theirs:5.2f}x  ({target})"
    )


def kvasir_shapes(count: int) -> list[tuple[int, int]]:
    rng = np.random.default_rng(2020)
    sizes, weights = zip(*KVASIR_SIZES, strict=True)
    picks = rng.choice(len(sizes), size=count, p=np.array(weights) / sum(weights))
    return [sizes[i] for i in picks]
