"""The reader against the few real Kvasir-SEG files kept beside the project (skipped when absent).

The real files are research-only and never part of the project; this check only runs
where ``../shared/data`` sits next to the checkout.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from kvasir_seg.masks import Box, boxes_from_mask
from kvasir_seg_hf import load_dataset

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
SAMPLES = SHARED / "real-samples" / "Kvasir-SEG"
BOX_FILE = SHARED / "kvasir-seg" / "kavsir_bboxes.json"

pytestmark = pytest.mark.skipif(
    not (SAMPLES.is_dir() and BOX_FILE.is_file()), reason="real samples not beside the checkout"
)


@pytest.fixture(scope="module")
def real_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("real") / "Kvasir-SEG"
    shutil.copytree(SAMPLES, root)
    entries = json.loads(BOX_FILE.read_text())
    ids = [p.stem for p in (root / "images").iterdir()]
    (root / "kavsir_bboxes.json").write_text(json.dumps({i: entries[i] for i in ids}))
    return root.parent


def test_real_samples_load_with_thresholded_masks_and_official_boxes(
    real_folder: Path, tmp_path: Path
) -> None:
    ds = load_dataset("kvasir_seg", data_dir=real_folder, cache_dir=tmp_path)
    entries = json.loads(BOX_FILE.read_text())
    rows = [row for split in ds.values() for row in split]
    assert len(rows) == 5
    for row in rows:
        mask_file = Image.open(SAMPLES / "masks" / f"{row['image_id']}.jpg")
        assert mask_file.mode == "RGB"
        values = np.asarray(mask_file.convert("L"))
        assert not ((values > 10) & (values < 245)).any(), "real masks have no value in 11..244"
        np.testing.assert_array_equal(np.asarray(row["mask"]), values > 127)
        entry = entries[row["image_id"]]
        assert (row["height"], row["width"]) == (entry["height"], entry["width"])
        assert [{k: b[k] for k in ("xmin", "ymin", "xmax", "ymax")} for b in row["bboxes"]] == [
            {k: b[k] for k in ("xmin", "ymin", "xmax", "ymax")} for b in entry["bbox"]
        ]


def test_derived_boxes_match_the_official_convention_on_real_masks(
    real_folder: Path, tmp_path: Path
) -> None:
    """Where a mask component and an official box describe the same polyp, they agree exactly."""
    ds = load_dataset("kvasir_seg", data_dir=real_folder, cache_dir=tmp_path)
    matched = 0
    for row in (r for split in ds.values() for r in split):
        official = {Box(b["xmin"], b["ymin"], b["xmax"], b["ymax"]) for b in row["bboxes"]}
        derived = set(boxes_from_mask(np.asarray(row["mask"])))
        big = {b for b in derived if (b.xmax - b.xmin) * (b.ymax - b.ymin) > 100}
        assert big <= official
        matched += len(big)
    assert matched >= 5
