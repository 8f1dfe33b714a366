"""The same synthetic archive built with both backends gives the same examples.

Hugging Face (``kvasir_seg_hf``, Arrow) against TFDS read back three ways: TFRecord through
TensorFlow (``tf.data``), TFRecord with the image bytes left undecoded, and array_record
through ``as_data_source`` (decoded without TensorFlow). Ids, image bytes, images and masks
pixel for pixel (images equal to Pillow's decoding of the archive's bytes on every path),
boxes (pixels against normalised), heights, widths and the extra fields must agree.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

tfds = pytest.importorskip("tensorflow_datasets")
datasets = pytest.importorskip("datasets")
tf = pytest.importorskip("tensorflow")

import kvasir_seg_tfds  # noqa: E402, F401  (registers the builders)
from kvasir_seg.archive import open_archive  # noqa: E402
from kvasir_seg.catalog import get_spec  # noqa: E402
from kvasir_seg.testing import synthetic_layout  # noqa: E402
from kvasir_seg_hf import load_dataset  # noqa: E402
from kvasir_seg_tfds.features import features_for  # noqa: E402

BOX_KEYS = ("xmin", "ymin", "xmax", "ymax")
REAL_IMAGES = Path(__file__).resolve().parents[2] / "shared/data/real-samples/Kvasir-SEG/images"


def _pillow(data: bytes) -> np.ndarray:
    """The pixels Pillow (and so Hugging Face) decodes from image file bytes."""
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("RGB"))


def _archive_bytes(name: str, folder: Path) -> dict[str, bytes]:
    with open_archive(name, folder, verify=False) as archive:
        return {i: archive.read_example(i).image_bytes for i in archive.ids}


@pytest.fixture(scope="module")
def archive(dataset_name: str, make_archive) -> Path:
    """Each dataset's extracted synthetic archive at real sizes (12 examples at most)."""
    count = min(synthetic_layout(get_spec(dataset_name)).count, 12)
    return make_archive(dataset_name, count=count, zipped=False)


def _hf_examples(
    name: str, folder: Path, cache: Path, numpy: bool = False
) -> dict[str, dict[str, Any]]:
    splits = load_dataset(name, data_dir=folder, cache_dir=cache)
    if numpy:
        splits = splits.with_format("numpy")
    return {str(row["image_id"]): row for split in splits.values() for row in split}


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


def _through_tensorflow(builder, decoders: Any = None) -> dict[str, dict[str, Any]]:
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


def test_both_backends_serve_the_same_examples(
    dataset_name: str, archive: Path, tmp_path: Path
) -> None:
    name, archive_dir = dataset_name, archive
    original = _archive_bytes(name, archive_dir)
    hf = _hf_examples(name, archive_dir, tmp_path / "hf")
    hf_arrays = _hf_examples(name, archive_dir, tmp_path / "hf", numpy=True)
    images = _hf_image_bytes(name, archive_dir, tmp_path / "hf")
    tfrecord_builder = _tfds_builder(name, archive_dir, tmp_path / "tfr", "tfrecord")
    undecoded = _through_tensorflow(tfrecord_builder, {"image": tfds.decode.SkipDecoding()})
    tf_data = _through_tensorflow(tfrecord_builder)
    array_record = _through_data_source(
        _tfds_builder(name, archive_dir, tmp_path / "ar", "array_record")
    )
    assert set(original) == set(hf) == set(tf_data) == set(array_record) and len(hf) >= 8
    for image_id, row in hf.items():
        # The JPEG, unchanged, on both sides.
        assert undecoded[image_id]["image"] == images[image_id] == original[image_id]
        pixels = _pillow(original[image_id])
        assert pixels.shape == (row["height"], row["width"], 3)
        for ours in (tf_data[image_id], array_record[image_id]):
            _assert_same(row, ours, name)
            assert np.array_equal(ours["image"], pixels), f"{image_id}: not Pillow's pixels"
        assert np.array_equal(hf_arrays[image_id]["image"], pixels)
        assert np.array_equal(hf_arrays[image_id]["mask"], array_record[image_id]["mask"][..., 0])


def test_splits_match_config_by_config(kvasir_seg_folder: Path, tmp_path: Path) -> None:
    folder = kvasir_seg_folder
    for config in ("official", "pranet"):
        hf = load_dataset("kvasir_seg", config, data_dir=folder, cache_dir=tmp_path / "hf")
        builder = _tfds_builder(f"kvasir_seg/{config}", folder, tmp_path / "ar", "array_record")
        ours = {
            split: sorted(ex["image_id"].decode() for ex in builder.as_data_source(split=split))
            for split in builder.info.splits
        }
        assert ours == {split: sorted(ds["image_id"]) for split, ds in hf.items()}


READ_BACK = """
import io, json, sys
import numpy as np
import tensorflow_datasets as tfds
from PIL import Image

builder = tfds.builder_from_directory({data_dir!r})
raw = tfds.decode.SkipDecoding()
agree = []
for split in builder.info.splits:
    pairs = zip(
        tfds.as_numpy(builder.as_dataset(split=split)),
        tfds.as_numpy(builder.as_dataset(split=split, decoders={{"image": raw}})),
    )
    for decoded, undecoded in pairs:
        pixels = np.asarray(Image.open(io.BytesIO(undecoded["image"])).convert("RGB"))
        agree.append(bool(np.array_equal(decoded["image"], pixels)))
print(json.dumps({{"feature": type(builder.info.features["image"]).__module__, "agree": agree}}))
"""


def test_a_prepared_dataset_read_back_from_its_folder_decodes_as_pillow(
    kvasir_seg_folder: Path, tmp_path: Path, fresh_python: Callable[[str], str]
) -> None:
    """``tfds.builder_from_directory`` in a new process (the builder classes not imported)
    re-creates the image feature from features.json, and with it the exact decoder."""
    builder = _tfds_builder("kvasir_seg", kvasir_seg_folder, tmp_path, "tfrecord")
    output = fresh_python(READ_BACK.format(data_dir=str(builder.data_dir)))
    result = json.loads(output.strip().splitlines()[-1])
    assert result == {"feature": "kvasir_seg_tfds.features", "agree": [True] * 12}


@pytest.mark.skipif(not REAL_IMAGES.is_dir(), reason="real samples not beside the checkout")
def test_real_jpegs_decode_to_pillows_pixels_through_the_feature() -> None:
    feature = features_for(get_spec("kvasir_seg"))["image"]
    files = sorted(REAL_IMAGES.glob("*.jpg"))
    assert files
    for path in files:
        data = path.read_bytes()
        pixels = _pillow(data)
        assert np.array_equal(feature.decode_example(tf.constant(data)).numpy(), pixels), path.name
        assert np.array_equal(feature.decode_example_np(data), pixels), path.name


def test_the_data_source_path_never_decodes_with_opencv(
    kvasir_seg_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """TFDS decodes with OpenCV when it is installed; the image feature always uses Pillow."""
    from tensorflow_datasets.core.features import image_feature

    class NoOpenCV:
        def __getattr__(self, name: str) -> Any:
            raise AssertionError(f"cv2.{name} used")

    monkeypatch.setattr(image_feature, "cv2", NoOpenCV())
    feature = features_for(get_spec("kvasir_seg"))["image"]
    for data in list(_archive_bytes("kvasir_seg", kvasir_seg_folder).values())[:3]:
        assert np.array_equal(feature.decode_example_np(data), _pillow(data))


#: Kvasir-Instrument in the forms users have it, as (layout, zipped, mask PNG mode); each
#: form and each mask encoding appears once (see tests/test_instrument.py for all pairs).
INSTRUMENT_FORMS = [
    ("nested", True, "RGB"),
    ("repack", False, "L"),
    ("notebook", False, "RGBA"),
    ("notebook", True, "1"),
    ("repack", True, "P"),
]


def _equal(ours: Any, theirs: Any) -> bool:
    """Whether two examples (nested dicts, lists, numpy arrays, scalars) are equal exactly."""
    if isinstance(ours, dict):
        return ours.keys() == theirs.keys() and all(_equal(ours[k], theirs[k]) for k in ours)
    if isinstance(ours, (list, tuple)):
        return len(ours) == len(theirs) and all(map(_equal, ours, theirs))
    if isinstance(ours, np.ndarray) and ours.dtype == object:
        return ours.shape == theirs.shape and all(map(_equal, ours.ravel(), theirs.ravel()))
    if isinstance(ours, np.ndarray):
        return ours.dtype == theirs.dtype and np.array_equal(ours, theirs)
    return bool(ours == theirs)


def _instrument_doors(path: Path, scratch: Path) -> dict[str, dict[str, list[Any]]]:
    """Each split's examples, in order, through the core reader, HF and TFDS."""
    with open_archive("kvasir_instrument", path) as archive:
        splits = archive.assign_splits()
        core = {
            split: [(e.image_bytes, e.mask, e.bboxes) for e in archive.examples(ids)]
            for split, ids in splits.items()
        }
    hf = load_dataset("kvasir_instrument", data_dir=path, cache_dir=scratch / "hf")
    builder = _tfds_builder(
        "kvasir_instrument", path.parent if path.is_file() else path, scratch / "ar", "array_record"
    )
    return {
        "ids": splits,
        "core": core,
        "hf": {split: list(ds.with_format("numpy")) for split, ds in hf.items()},
        "tfds": {split: list(builder.as_data_source(split=split)) for split in splits},
    }


@pytest.fixture(scope="module")
def instrument_reference(make_archive, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The flat, extracted form with RGB masks (the default), through every door."""
    path = make_archive("kvasir_instrument", count=10, zipped=False)
    return _instrument_doors(path, tmp_path_factory.mktemp("instrument-reference"))


@pytest.mark.parametrize(
    ("layout", "zipped", "mask_mode"),
    INSTRUMENT_FORMS,
    ids=[
        f"{layout}-{'zip' if zipped else 'folder'}-{mode}"
        for layout, zipped, mode in INSTRUMENT_FORMS
    ],
)
def test_every_kvasir_instrument_form_reads_alike_through_every_door(
    layout: str, zipped: bool, mask_mode: str, instrument_reference, make_archive, tmp_path: Path
) -> None:
    path = make_archive(
        "kvasir_instrument", count=10, layout=layout, zipped=zipped, mask_mode=mask_mode
    )
    doors = _instrument_doors(path, tmp_path)
    assert doors["ids"] == instrument_reference["ids"]  # the same ids, in the lists' order
    assert {split: len(ids) for split, ids in doors["ids"].items()} == {"train": 8, "test": 2}
    for split, ids in doors["ids"].items():
        assert [str(row["image_id"]) for row in doors["hf"][split]] == ids
        for (image_bytes, mask, boxes), (bytes_ref, mask_ref, boxes_ref) in zip(
            doors["core"][split], instrument_reference["core"][split], strict=True
        ):
            assert image_bytes == bytes_ref and boxes == boxes_ref
            assert np.array_equal(mask, mask_ref)
        for door in ("hf", "tfds"):
            ours, reference = doors[door][split], instrument_reference[door][split]
            assert len(ours) == len(reference) == len(ids)
            assert all(_equal(a, b) for a, b in zip(ours, reference, strict=True)), door
        tfds_rows = {row["image_id"].decode(): row for row in doors["tfds"][split]}
        assert sorted(tfds_rows) == sorted(ids)
        for hf_row in doors["hf"][split]:
            _assert_same(hf_row, tfds_rows[str(hf_row["image_id"])], "kvasir_instrument")
            assert np.array_equal(hf_row["image"], tfds_rows[str(hf_row["image_id"])]["image"])
