"""Smoke test of an installed wheel, one row of the README's install table at a time, run
outside the checkout (not collected by pytest).

``.ci/run`` builds the wheel, installs each row of the README's install table into a fresh
virtual environment of its own, copies this script and ``isolation.py`` out of the
checkout and runs, for each row,

    python smoke_installed.py --row NAME

which checks what that row promises, on synthetic archives (:mod:`kvasir_seg.testing`):

- ``core`` (``pip install .``): the package data are in the wheel, ``kvasir-seg info``
  and ``kvasir-seg evaluate --references`` run, and neither ``datasets`` nor TensorFlow
  nor PyTorch is installed;
- ``hf``: ``kvasir_seg_hf.load_dataset`` builds and serves an archive (no TensorFlow);
- ``tfds``: ``tfds.load`` and ``tfds.data_source`` serve an archive, the Keras metrics
  score (no ``datasets``);
- ``metrics``: ``evaluate.load(evaluate_module_path())`` scores as ``compute_scores``;
- ``torch`` (``.[torch]``): ``KvasirSegDataset`` batches through ``collate`` without
  ``datasets`` or pyarrow installed, ``KvasirSegMetric`` scores as ``compute_scores``, and
  torchvision, installed beside the project's torch, runs a v2 transform on an image and
  its mask;
- ``report``: ``kvasir-seg report`` writes its page;
- ``tfds-cli``: ``tfds build kvasir_sessile --imports kvasir_seg_tfds --manual_dir DIR``
  builds the dataset, which TFDS then reads back; with ``--beam_pipeline_options`` it
  builds the same records in the same one process (the options do nothing here).

Every cache goes to a scratch folder (``isolation.py``), never the user's home. Exits
non-zero on the first failure.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Callable
from pathlib import Path

from isolation import isolate

SITE = Path(sysconfig.get_paths()["purelib"]).resolve()
BIN = Path(sys.executable).parent  # the environment's console scripts
#: A synthetic Kvasir-SEG zip cannot match the published checksum.
NO_CHECKS = {"verification_mode": "no_checks"}


def check(condition: bool, what: str) -> None:
    if not condition:
        sys.exit(f"smoke: FAILED: {what}")
    print(f"smoke: ok: {what}")


def installed(*modules: str) -> None:
    """Each module is importable from the environment's site-packages (not a checkout)."""
    for name in modules:
        spec = importlib.util.find_spec(name)
        origin = Path(spec.origin).resolve() if spec and spec.origin else None
        check(origin is not None and SITE in origin.parents, f"{name} is installed ({origin})")


def absent(*modules: str) -> None:
    """None of these top-level packages is installed."""
    found = [name for name in modules if importlib.util.find_spec(name) is not None]
    check(not found, f"not installed: {', '.join(modules)} (found: {found or 'none'})")


def run(*command: object) -> subprocess.CompletedProcess[str]:
    """Run a console script of the environment; its output is shown when it fails."""
    done = subprocess.run([str(part) for part in command], capture_output=True, text=True)
    if done.returncode != 0:
        print(done.stdout[-3000:], done.stderr[-3000:], sep="\n", file=sys.stderr)
    return done


def mask_files(scratch: Path) -> tuple[Path, Path]:
    """A reference set (``masks/`` and ``images/``, three 40x50 pairs) and predictions
    (the masks shifted by two pixels), as 0/255 PNG files."""
    import numpy as np
    from PIL import Image

    references, predictions = scratch / "references", scratch / "predictions"
    for folder in (references / "masks", references / "images", predictions):
        folder.mkdir(parents=True)
    for index in range(3):
        mask = np.zeros((40, 50), dtype=np.uint8)
        mask[5 + index : 25, 10 : 30 + index] = 255
        Image.fromarray(mask).save(references / "masks" / f"case{index}.png")
        Image.fromarray(np.roll(mask, 2, axis=1)).save(predictions / f"case{index}.png")
        picture = np.full((40, 50, 3), 90 + 40 * index, dtype=np.uint8)
        Image.fromarray(picture).save(references / "images" / f"case{index}.jpg")
    return references, predictions


def read_masks(folder: Path) -> list:
    import numpy as np
    from PIL import Image

    return [np.asarray(Image.open(path)) for path in sorted(folder.glob("*.png"))]


def row_core(scratch: Path) -> None:
    import kvasir_seg
    from kvasir_seg.scores import compute_scores, evaluate_module_path
    from kvasir_seg.splits import read_id_list

    installed("kvasir_seg", "kvasir_seg_hf", "kvasir_seg_tfds")
    check(len(read_id_list("kvasir_seg/official/train.txt")) == 880, "split lists are package data")
    tfds_package = importlib.util.find_spec("kvasir_seg_tfds")  # found, not imported (no TFDS)
    folders = Path(next(iter(tfds_package.submodule_search_locations)))
    for name in kvasir_seg.DATASETS:
        folder = folders / name
        files = {p.name for p in folder.iterdir()}
        check(
            {"README.md", "CITATIONS.bib", "TAGS.txt", "dummy_data"} <= files
            and any((folder / "dummy_data").rglob("*.jpg")),
            f"the TFDS folder of {name} has its metadata and dummy data",
        )
    module = Path(evaluate_module_path()).resolve()
    check(SITE in module.parents, f"the evaluate module is package data ({module})")
    check((module.parent / "README.md").is_file(), "the metric card is installed beside it")

    info = run(BIN / "kvasir-seg", "info")
    check(info.returncode == 0 and "Kvasir-SEG (kvasir_seg)" in info.stdout, "kvasir-seg info")
    references, predictions = mask_files(scratch)
    scored = run(
        BIN / "kvasir-seg", "evaluate", "--references", references, "--predictions", predictions
    )
    check(scored.returncode == 0 and "dice" in scored.stdout.lower(), "kvasir-seg evaluate")
    as_json = run(
        *(BIN / "kvasir-seg", "evaluate", "--references", references),
        *("--predictions", predictions, "--json"),
    )
    expected = compute_scores(read_masks(predictions), read_masks(references / "masks"))
    got = json.loads(as_json.stdout) if as_json.returncode == 0 else {"scores": {}}
    dice = got["scores"].get("dice")
    check(
        dice == expected["dice"] and dice < 1 and got["num_images"] == 3,
        f"kvasir-seg evaluate --json: dice {dice}, as compute_scores on the same files",
    )
    absent("datasets", "evaluate", "tensorflow", "tensorflow_datasets", "keras", "torch")


def row_hf(scratch: Path) -> None:
    from kvasir_seg.testing import write_archive
    from kvasir_seg_hf import load_dataset

    installed("kvasir_seg_hf", "datasets")
    archive = write_archive("kvasir_seg", scratch / "archive", count=6)
    splits = load_dataset("kvasir_seg", data_dir=archive, cache_dir=scratch / "hf", **NO_CHECKS)
    counts = {name: split.num_rows for name, split in splits.items()}
    check(sum(counts.values()) == 6, f"load_dataset on a synthetic archive: {counts}")
    row = splits["train"][0]
    check(row["mask"].mode == "1" and row["image"].mode == "RGB", "images RGB, masks mode 1")
    absent("tensorflow", "tensorflow_datasets")


def row_tfds(scratch: Path) -> None:
    import numpy as np
    import tensorflow_datasets as tfds

    import kvasir_seg_tfds  # noqa: F401  (registers the builders)
    from kvasir_seg.testing import write_archive

    installed("kvasir_seg_tfds", "tensorflow_datasets")
    manual = write_archive("kvasir_sessile", scratch / "manual", count=5).parent
    prepare = {"download_config": tfds.download.DownloadConfig(manual_dir=manual)}
    train = tfds.load(
        "kvasir_sessile",
        split="train",
        data_dir=scratch / "tfds",
        download_and_prepare_kwargs=prepare,
    )
    masks = [example["mask"].numpy() for example in train]
    check(
        len(masks) == 5 and all(set(np.unique(m)) <= {0, 1} for m in masks),
        "tfds.load on a synthetic archive: 5 examples, masks 0/1",
    )
    source = tfds.data_source(
        "kvasir_sessile",
        split="train",
        data_dir=scratch / "tfds-array-record",
        builder_kwargs={"file_format": "array_record"},
        download_and_prepare_kwargs=prepare,
    )
    ids = sorted(record["image_id"].decode() for record in source)
    check(len(source) == 5 and len(set(ids)) == 5, f"tfds.data_source: {len(source)} records")

    from kvasir_seg_tfds.keras import DiceScore, IoUScore, PerImageScores

    mask = masks[0][None].astype("float32")  # 1 x H x W x 1
    metrics = [DiceScore(), IoUScore(), PerImageScores()]
    for metric in metrics:
        metric.update_state(mask, mask)
    dice, iou = (float(metric.result()) for metric in metrics[:2])
    check(dice == 1.0 and iou == 1.0, "the Keras metrics score a mask against itself: 1.0")
    absent("datasets")


def row_metrics(scratch: Path) -> None:
    import evaluate

    from kvasir_seg.scores import compute_scores, evaluate_module_path

    installed("evaluate")
    references, predictions = mask_files(scratch)
    metric = evaluate.load(evaluate_module_path())
    predicted, true = read_masks(predictions), read_masks(references / "masks")
    scores = metric.compute(predictions=predicted, references=true)
    check(
        scores == compute_scores(predicted, true),
        "evaluate.load(evaluate_module_path()) scores as compute_scores",
    )


def row_torch(scratch: Path) -> None:
    import torch
    import torchvision
    from torch.utils.data import DataLoader
    from torchvision.transforms import v2

    from kvasir_seg.scores import compute_scores
    from kvasir_seg.scores.torch import KvasirSegMetric
    from kvasir_seg.testing import write_archive
    from kvasir_seg.torch import KvasirSegDataset, collate

    installed("torch", "torchvision", "torchmetrics")
    absent("datasets", "pyarrow")
    archive = write_archive("kvasir_seg", scratch / "archive", count=6)
    ours = KvasirSegDataset(
        "kvasir_seg", data_dir=archive, transforms=v2.Resize((64, 80)), **NO_CHECKS
    )
    images, targets = next(iter(DataLoader(ours, batch_size=4, collate_fn=collate)))
    shapes = tuple(images.shape), tuple(targets["mask"].shape)
    check(shapes == ((4, 3, 64, 80), (4, 64, 80)), f"KvasirSegDataset batches: {shapes}")
    metric = KvasirSegMetric()
    shifted = torch.roll(targets["mask"], 3, dims=-1)
    metric.update(shifted, targets["mask"])
    expected = compute_scores(list(shifted.numpy()), list(targets["mask"].numpy()))
    dice = float(metric.compute()["dice"])
    check(dice == expected["dice"], f"KvasirSegMetric: dice {dice}")
    image, target = ours[0]
    flipped_image, flipped_mask = v2.RandomHorizontalFlip(p=1.0)(image, target["mask"])
    check(
        torch.equal(flipped_image, image.flip(-1))
        and torch.equal(flipped_mask, target["mask"].flip(-1)),
        f"torchvision {torchvision.__version__} beside torch {torch.__version__}: a v2 "
        "transform flips an image and its mask",
    )


def row_report(scratch: Path) -> None:
    installed("matplotlib")
    references, predictions = mask_files(scratch)
    page = scratch / "report.html"
    done = run(
        *(BIN / "kvasir-seg", "report", "--references", references),
        *("--predictions", predictions, "--out", page),
    )
    text = page.read_text(encoding="utf-8") if page.is_file() else ""
    check(
        done.returncode == 0 and "<html" in text and "data:image/png;base64," in text,
        f"kvasir-seg report writes its page ({len(text)} characters, plots embedded)",
    )


def row_tfds_cli(scratch: Path) -> None:
    import tensorflow_datasets as tfds

    import kvasir_seg_tfds  # noqa: F401  (registers the builders)
    from kvasir_seg.testing import write_archive

    installed("apache_beam", "mlcroissant")
    manual = write_archive("kvasir_sessile", scratch / "manual", count=4).parent
    data = scratch / "tfds"
    done = run(
        *(BIN / "tfds", "build", "kvasir_sessile", "--imports", "kvasir_seg_tfds"),
        *("--manual_dir", manual, "--data_dir", data),
    )
    check(done.returncode == 0, "tfds build kvasir_sessile --imports kvasir_seg_tfds --manual_dir")
    train = tfds.load("kvasir_sessile", split="train", data_dir=data, download=False)
    ids = [example["image_id"].numpy().decode() for example in train]
    check(len(set(ids)) == 4, f"what tfds build wrote reads back: {len(ids)} examples")

    # Beam options are accepted and do nothing: the builders are generator builders, which
    # TFDS writes in its own process (docs/tfds.md, "tfds build").
    beam_data = scratch / "tfds-beam-options"
    options = "direct_num_workers=2,direct_running_mode=multi_processing"
    done = run(
        *(BIN / "tfds", "build", "kvasir_sessile", "--imports", "kvasir_seg_tfds"),
        *("--manual_dir", manual, "--data_dir", beam_data, f"--beam_pipeline_options={options}"),
    )
    check(done.returncode == 0, f"tfds build --beam_pipeline_options={options}")
    plain, beam = (sorted(folder.rglob("*.tfrecord*")) for folder in (data, beam_data))
    check(
        bool(plain)
        and [p.name for p in plain] == [p.name for p in beam]
        and all(_examples(a) == _examples(b) for a, b in zip(plain, beam, strict=True)),
        f"with Beam options, the same {len(plain)} record files, example for example",
    )


def _examples(path: Path) -> list:
    """The ``tf.train.Example`` records of a TFRecord file, in order (compared as messages:
    the bytes of two builds differ, protobuf writing a map's entries in any order)."""
    import tensorflow as tf

    return [tf.train.Example.FromString(r.numpy()) for r in tf.data.TFRecordDataset(path)]


ROWS: dict[str, Callable[[Path], None]] = {
    "core": row_core,
    "hf": row_hf,
    "tfds": row_tfds,
    "metrics": row_metrics,
    "torch": row_torch,
    "report": row_report,
    "tfds-cli": row_tfds_cli,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--row", required=True, choices=sorted(ROWS), help="the install row")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix=f"kvasir-seg-smoke-{args.row}-") as folder:
        scratch = Path(folder)
        isolate(scratch / "home")  # before anything imports datasets, evaluate, TFDS or Keras
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        ROWS[args.row](scratch)
    print(f"smoke: all checks of row {args.row} passed")


if __name__ == "__main__":
    main()
