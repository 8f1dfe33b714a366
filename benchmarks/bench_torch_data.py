"""``KvasirSegDataset`` and the HF door's ``torch_pairs`` against a hand-written PIL ``Dataset``
in a ``DataLoader``, in one run: images per second and peak memory per process.

    python benchmarks/bench_torch_data.py               # 1000 pairs at real sizes, 3 rounds
    python benchmarks/bench_torch_data.py --count 100 --rounds 1   # a smoke test

Each loader reads the official train split of a synthetic Kvasir-SEG at Kvasir-SEG's real
sizes (``kvasir_seg.testing``; 880 of 1000 pairs), applies the same
``v2.Resize((352, 352))`` to image, mask and boxes, and is iterated once, whole, by
``DataLoader(batch_size=16, num_workers=2, collate_fn=kvasir_seg.torch.collate)``:

- ``hand-written``: a plain ``Dataset`` over the extracted files, as a user writes one:
  Pillow opens the image (RGB) and the mask (``convert("L")``, ``> 127``), the boxes come
  from ``kavsir_bboxes.json`` read once, all wrapped in tv_tensors (the baseline);
- ``KvasirSegDataset``: over the zip (read in place), and over the extracted folder;
- ``HF torch_pairs``: ``load_dataset(...)["train"].with_transform(torch_pairs(resize))``,
  the Arrow cache built beforehand (not timed).

Each run is a fresh interpreter, so that its peak RSS is its own: the main process's
(``RUSAGE_SELF``) and the larger of its two workers' (``RUSAGE_CHILDREN``, the workers being
joined at the end of the pass), and the main process's RSS once its dataset is made. A
forked worker starts at its parent's RSS (the pages it shares are counted as its own), so
the imports (a CUDA build of torch and torchvision: about 800 MiB) weigh in every figure.
The loaders alternate for ``--rounds`` rounds and the medians are printed, with each one's
ratio to the hand-written ``Dataset``: images/s (target >= 1.0x; also the CPU seconds of
the pass, the workers' included, less sensitive to a busy machine than the wall time) and
peak RSS per process (target <= 1.2x). Every run's first and last batch must equal the
baseline's (the same pixels, masks and boxes). Last, the cost of one item (read, decode,
resize) in one process, without workers: each item's best of ``--rounds`` passes, the
figure a busy machine disturbs least.
"""

from __future__ import annotations

import common  # noqa: F401  (first: every cache is isolated before a library reads it)

# isort: split

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from common import synthetic_kvasir_seg

SIZE = (352, 352)
BATCH = 16
WORKERS = 2
LOADERS = ("hand-written", "KvasirSegDataset (zip)", "KvasirSegDataset (folder)", "HF torch_pairs")


def hand_written_dataset(folder: Path, ids: list[str], transforms):
    """The baseline: a plain PIL ``Dataset`` over the extracted files."""
    import numpy as np
    import torch
    from PIL import Image
    from torch.utils.data import Dataset
    from torchvision import tv_tensors
    from torchvision.transforms.v2 import functional as F

    class PlainKvasirSeg(Dataset):
        def __init__(self) -> None:
            self.root = folder / "Kvasir-SEG"
            self.boxes = json.loads((self.root / "kavsir_bboxes.json").read_text())

        def __len__(self) -> int:
            return len(ids)

        def __getitem__(self, index: int):
            image_id = ids[index]
            image = Image.open(self.root / "images" / f"{image_id}.jpg").convert("RGB")
            mask = Image.open(self.root / "masks" / f"{image_id}.jpg").convert("L")
            boxes = self.boxes[image_id]["bbox"]
            sides = [[b["xmin"], b["ymin"], b["xmax"], b["ymax"]] for b in boxes]
            target = {
                "mask": tv_tensors.Mask(
                    torch.from_numpy((np.asarray(mask) > 127).astype(np.uint8))
                ),
                "boxes": tv_tensors.BoundingBoxes(
                    torch.tensor(sides, dtype=torch.float32).reshape(-1, 4),
                    format="XYXY",
                    canvas_size=(image.height, image.width),
                ),
                "labels": torch.zeros(len(boxes), dtype=torch.int64),
                "image_id": image_id,
            }
            return transforms(tv_tensors.Image(F.pil_to_tensor(image)), target)

    return PlainKvasirSeg()


def cpu_seconds() -> float:
    """CPU seconds of this process and of its joined children (the DataLoader's workers)."""
    own, children = (
        resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def make_dataset(loader: str, zip_path: Path, folder: Path, hf_cache: Path, transforms):
    """``loader``'s dataset of the train split, each item transformed by ``transforms``."""
    from kvasir_seg.torch import KvasirSegDataset

    no_checks = {"verification_mode": "no_checks"}
    if loader == "HF torch_pairs":
        from kvasir_seg_hf import load_dataset, torch_pairs

        train = load_dataset(
            "kvasir_seg", split="train", data_dir=zip_path, cache_dir=hf_cache, **no_checks
        )
        return train.with_transform(torch_pairs(transforms))
    if loader.startswith("KvasirSegDataset"):
        where = zip_path if "zip" in loader else folder
        return KvasirSegDataset("kvasir_seg", data_dir=where, transforms=transforms, **no_checks)
    ids = KvasirSegDataset("kvasir_seg", data_dir=folder).ids  # the same ids, in order
    return hand_written_dataset(folder, ids, transforms)


def one_pass(loader: str, zip_path: Path, folder: Path, hf_cache: Path) -> dict:
    """Run in a fresh interpreter: build ``loader``'s dataset, iterate it once, measure."""
    import torch
    from torch.utils.data import DataLoader
    from torchvision.transforms import v2

    from kvasir_seg.torch import collate

    started = time.perf_counter()
    dataset = make_dataset(loader, zip_path, folder, hf_cache, v2.Resize(SIZE))
    made = time.perf_counter() - started
    batches = DataLoader(dataset, batch_size=BATCH, collate_fn=collate, num_workers=WORKERS)
    before = int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    start, cpu, count, first, last = time.perf_counter(), cpu_seconds(), 0, None, None
    for batch in batches:
        count += len(batch[0])
        first, last = first or batch, batch
    seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu  # the workers are joined
    signature = [
        [
            int(images.sum()),
            int(targets["mask"].sum()),
            float(sum(b.sum() for b in targets["boxes"])),
        ]
        for images, targets in (first, last)
    ]
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "images": count,
        "seconds": seconds,
        "cpu": cpu,
        "made": made,
        "before_mib": before / 2**20,
        "main_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "worker_mib": children,
        "batches": signature,
        "torch": torch.__version__,
    }


def item_costs(zip_path: Path, folder: Path, hf_cache: Path, rounds: int) -> dict[str, float]:
    """Milliseconds per item in this one process, no DataLoader: each item's best of
    ``rounds`` alternated passes (a busy machine slows a pass, seldom every one). One torch
    thread, as in a DataLoader worker."""
    import torch
    from torchvision.transforms import v2

    torch.set_num_threads(1)
    resize = v2.Resize(SIZE)
    made = {name: make_dataset(name, zip_path, folder, hf_cache, resize) for name in LOADERS}
    best = {name: [float("inf")] * len(dataset) for name, dataset in made.items()}
    for _ in range(rounds):
        for name, dataset in made.items():
            for index in range(len(dataset)):
                start = time.perf_counter()
                dataset[index]
                best[name][index] = min(best[name][index], time.perf_counter() - start)
    return {name: 1000 * statistics.fmean(values) for name, values in best.items()}


def run(loader: str, zip_path: Path, folder: Path, hf_cache: Path) -> dict:
    command = [sys.executable, __file__, "--one", loader, str(zip_path), str(folder), str(hf_cache)]
    done = subprocess.run(command, capture_output=True, text=True, env=os.environ)
    if done.returncode != 0:
        raise SystemExit(f"{loader} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="pairs (default 1000)")
    parser.add_argument("--rounds", type=int, default=3, help="alternated rounds (default 3)")
    parser.add_argument("--one", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        loader, *paths = args.one
        print(json.dumps(one_pass(loader, *(Path(p) for p in paths))))
        return
    with tempfile.TemporaryDirectory() as tmp:
        zip_path = synthetic_kvasir_seg(Path(tmp) / "zip", args.count)
        folder = Path(tmp) / "extracted"
        with zipfile.ZipFile(zip_path) as archive:
            archive.extractall(folder)
        hf_cache = Path(tmp) / "hf"
        from kvasir_seg_hf import load_dataset

        load_dataset(
            "kvasir_seg", data_dir=zip_path, cache_dir=hf_cache, verification_mode="no_checks"
        )
        results: dict[str, list[dict]] = {loader: [] for loader in LOADERS}
        for _ in range(args.rounds):
            for loader in LOADERS:
                results[loader].append(run(loader, zip_path, folder, hf_cache))
        costs = item_costs(zip_path, folder, hf_cache, args.rounds)
    first = results[LOADERS[0]][0]
    print(
        f"train split: {first['images']} images to {SIZE[0]}x{SIZE[1]}, batches of {BATCH}, "
        f"{WORKERS} workers, torch {first['torch']}, medians of {args.rounds} alternated "
        f"rounds (load average {os.getloadavg()[0]:.2f})"
    )
    medians = {}
    for loader, runs in results.items():
        assert all(r["batches"] == first["batches"] for r in runs), f"{loader}: other batches"
        assert all(r["images"] == first["images"] for r in runs), loader
        medians[loader] = {
            key: statistics.median(r[key] for r in runs)
            for key in ("seconds", "cpu", "made", "before_mib", "main_mib", "worker_mib")
        }
        medians[loader]["runs"] = " ".join(f"{r['seconds']:.2f}" for r in runs)
    base = medians[LOADERS[0]]
    for loader, m in medians.items():
        speed = first["images"] / m["seconds"]
        print(
            f"  {loader:<26} {speed:6.1f} images/s ({m['seconds']:.2f} s; runs {m['runs']}; "
            f"made in {m['made']:.2f} s)  {base['seconds'] / m['seconds']:.2f}x; CPU "
            f"{m['cpu']:.2f} s, {base['cpu'] / m['cpu']:.2f}x\n"
            f"  {'':<26} peak RSS main {m['main_mib']:.0f} MiB "
            f"({m['main_mib'] / base['main_mib']:.2f}x), worker {m['worker_mib']:.0f} MiB "
            f"({m['worker_mib'] / base['worker_mib']:.2f}x); RSS before the pass "
            f"{m['before_mib']:.0f} MiB"
        )

    base_cost = costs[LOADERS[0]]
    print(f"one process, no DataLoader, each item's best of {args.rounds} passes:")
    for loader, cost in costs.items():
        print(f"  {loader:<26} {cost:6.2f} ms per item  {base_cost / cost:.2f}x")


if __name__ == "__main__":
    main()
