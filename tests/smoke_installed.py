"""Smoke test of an installed wheel, run outside the checkout (not collected by pytest).

``.ci/run`` builds the wheel, installs it with the ``hf`` and ``metrics`` extras into a
fresh virtual environment, and runs this script from a folder that holds no checkout:

    python /path/to/smoke_installed.py

It checks that the package data are in the wheel (split lists, the TFDS folders' metadata
and dummy data, the evaluate module), that ``kvasir-seg info`` runs, that a synthetic
archive loads through ``kvasir_seg_hf.load_dataset`` and that
``evaluate.load(evaluate_module_path())`` scores it. Exits non-zero on the first failure.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path


def check(condition: bool, what: str) -> None:
    if not condition:
        sys.exit(f"smoke: FAILED: {what}")
    print(f"smoke: ok: {what}")


def main() -> None:
    scratch = Path(tempfile.mkdtemp(prefix="kvasir-seg-smoke-"))
    os.environ.update(
        HF_HOME=str(scratch / "hf"),
        HF_HUB_OFFLINE="1",
        HF_DATASETS_OFFLINE="1",
        HF_MODULES_CACHE=str(scratch / "modules"),
    )
    import kvasir_seg
    from kvasir_seg.splits import read_id_list

    site = Path(sysconfig.get_paths()["purelib"]).resolve()
    check(site in Path(kvasir_seg.__file__).resolve().parents, f"kvasir_seg is installed ({site})")
    check(len(read_id_list("kvasir_seg/official/train.txt")) == 880, "split lists are package data")
    tfds_package = importlib.util.find_spec("kvasir_seg_tfds")  # found, not imported (no TFDS)
    folders = Path(next(iter(tfds_package.submodule_search_locations)))
    for name in kvasir_seg.DATASETS:
        folder = folders / name
        files = {p.name for p in folder.iterdir()}
        check(
            {"README.md", "CITATIONS.bib", "TAGS.txt", "checksums.tsv", "dummy_data"} <= files
            and any((folder / "dummy_data").rglob("*.jpg")),
            f"the TFDS folder of {name} has its metadata and dummy data",
        )

    command = Path(sys.executable).parent / "kvasir-seg"  # the wheel's console script
    info = subprocess.run([command, "info"], capture_output=True, text=True, check=False)
    check(info.returncode == 0 and "Kvasir-SEG (kvasir_seg)" in info.stdout, "kvasir-seg info")

    from kvasir_seg.testing import write_archive
    from kvasir_seg_hf import load_dataset

    archive = write_archive("kvasir_seg", scratch / "archive", count=6)
    splits = load_dataset(
        "kvasir_seg", data_dir=archive, cache_dir=scratch / "cache", verification_mode="no_checks"
    )
    counts = {name: split.num_rows for name, split in splits.items()}
    check(sum(counts.values()) == 6, f"load_dataset on a synthetic archive: {counts}")

    import evaluate
    import numpy as np

    from kvasir_seg.scores import evaluate_module_path

    path = evaluate_module_path()
    check(Path(path).resolve().is_relative_to(site), f"the evaluate module is installed ({path})")
    metric = evaluate.load(path)
    masks = [np.asarray(row["mask"], dtype=np.uint8) for row in splits["train"]]
    scores = metric.compute(predictions=masks, references=masks)
    check(scores["dice"] == 1.0, "evaluate.load(evaluate_module_path()) scores the masks")
    print("smoke: all checks passed")


if __name__ == "__main__":
    main()
