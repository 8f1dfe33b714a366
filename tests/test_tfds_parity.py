"""The same synthetic archive built with both backends gives the same examples.

Hugging Face (``kvasir_seg_hf``, Arrow) against TFDS read back three ways: TFRecord through
TensorFlow, TFRecord with the image bytes left undecoded, and array_record through
``as_data_source`` (decoded without TensorFlow). Ids, image bytes, masks pixel for pixel,
boxes (pixels against normalised), heights, widths and the extra fields must agree.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

tfds = pytest.importorskip("tensorflow_datasets")
datasets = pytest.importorskip("datasets")
tf = pytest.importorskip("tensorflow")

import kvasir_seg_tfds  # noqa: E402, F401  (registers the builders)
from kvasir_seg.catalog import DATASETS, get_spec  # noqa: E402
from kvasir_seg.testing import synthetic_layout, write_archive  # noqa: E402
from kvasir_seg_hf import load_dataset  # noqa: E402

BOX_KEYS = ("xmin", "ymin", "xmax", "ymax")


@pytest.fixture(scope="module", params=list(DATASETS))
def archive(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, Path]:
    """A dataset name and its extracted synthetic archive at real sizes (12 examples at most)."""
    count = min(synthetic_layout(get_spec(request.param)).count, 12)
    folder = tmp_path_factory.mktemp(request.param)
    return request.param, write_archive(request.param, folder, count=count, zipped=False)


def _hf_examples(name: str, folder: Path, cache: Path) -> dict[str, dict[str, Any]]:
    splits = load_dataset(name, data_dir=folder, cache_dir=cache)
    return {row["image_id"]: row for split in splits.values() for row in split}


def _hf_image_bytes(name: str, folder: Path, cache: Path) -> dict[str, bytes]:
    raw = load_dataset(name, data_dir=folder, cache_dir=cache)
    undecoded = {
        split: ds.cast_column("image", datasets.Image(decode=False)) for split, ds in raw.items()
    }
    return {r["image_id"]: r["image"]["bytes"] for ds in undecoded.values() for r in ds}


def _tfds_builder(name: str, folder: Path, data_dir: Path, file_format: str):
    builder = tfds.builder(name, data_dir=data_dir, file_format=file_format)
    builder.download_and_prepare(download_config=tfds.download.DownloadConfig(manual_dir=folder))
    return builder


def _through_tensorflow(builder) -> dict[str, dict[str, Any]]:
    decoders = {"image": tfds.decode.SkipDecoding()}
    return {
        ex["image_id"].decode(): ex
        for split in builder.info.splits
        for ex in tfds.as_numpy(builder.as_dataset(split=split, decoders=decoders))
    }


def _through_data_source(builder) -> dict[str, dict[str, Any]]:
    return {
        ex["image_id"].decode(): ex
        for split in builder.info.splits
        for ex in builder.as_data_source(split=split)
    }


def _assert_same(hf: dict[str, Any], ours: dict[str, Any], spec_name: str) -> None:
    height, width = hf["height"], hf["width"]
    assert (int(ours["height"]), int(ours["width"])) == (height, width)
    np.testing.assert_array_equal(ours["mask"][..., 0], np.asarray(hf["mask"], dtype=np.uint8))
    assert ours["bbox_source"].decode() == hf["bbox_source"]
    boxes = np.asarray(ours["bboxes"]["bbox"], dtype=np.float64).reshape(-1, 4)
    pixels = np.rint(boxes * [height, width, height, width]).astype(int)
    expected = [[b["ymin"], b["xmin"], b["ymax"], b["xmax"]] for b in hf["bboxes"]]
    assert pixels.tolist() == expected
    assert list(ours["bboxes"]["label"]) == [b["label"] for b in hf["bboxes"]]
    for extra in get_spec(spec_name).extra_fields:
        value = ours[extra.name]
        assert (value.decode() if isinstance(value, bytes) else int(value)) == hf[extra.name]


def test_both_backends_serve_the_same_examples(archive: tuple[str, Path], tmp_path: Path) -> None:
    name, archive_dir = archive
    hf = _hf_examples(name, archive_dir, tmp_path / "hf")
    images = _hf_image_bytes(name, archive_dir, tmp_path / "hf")
    tfrecord = _through_tensorflow(_tfds_builder(name, archive_dir, tmp_path / "tfr", "tfrecord"))
    array_record = _through_data_source(
        _tfds_builder(name, archive_dir, tmp_path / "ar", "array_record")
    )
    assert set(hf) == set(tfrecord) == set(array_record) and len(hf) >= 8
    for image_id, row in hf.items():
        assert tfrecord[image_id]["image"] == images[image_id]  # the JPEG, unchanged
        _assert_same(row, tfrecord[image_id], name)
        _assert_same(row, array_record[image_id], name)
        assert array_record[image_id]["image"].shape == (row["height"], row["width"], 3)


def test_splits_match_config_by_config(tmp_path: Path) -> None:
    folder = write_archive("kvasir_seg", tmp_path / "src", count=12, zipped=False)
    for config in ("official", "pranet"):
        hf = load_dataset("kvasir_seg", config, data_dir=folder, cache_dir=tmp_path / "hf")
        builder = _tfds_builder(f"kvasir_seg/{config}", folder, tmp_path / "ar", "array_record")
        ours = {
            split: sorted(ex["image_id"].decode() for ex in builder.as_data_source(split=split))
            for split in builder.info.splits
        }
        assert ours == {split: sorted(ds["image_id"]) for split, ds in hf.items()}
