"""``kvasir_seg_hf.load_dataset`` end to end, exactly as a user calls it."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import datasets
import numpy as np
import pytest
from PIL import Image

from kvasir_seg.catalog import KVASIR_CAPSULE_SEG, KVASIR_SEG, KVASIR_SESSILE
from kvasir_seg.errors import (
    ArchiveError,
    ChecksumError,
    DownloadError,
    KvasirSegError,
    LayoutError,
)
from kvasir_seg.masks import boxes_from_mask
from kvasir_seg.plan import read_built_from
from kvasir_seg.splits import read_id_list
from kvasir_seg.store import sha256_of
from kvasir_seg_hf import KvasirSeg, get_builder, load_dataset

NO_CHECKS = {"verification_mode": "no_checks"}  # synthetic zips never match the pinned checksum


def _load(zip_path: Path, cache: Path, *args: str, **kwargs: object):
    return load_dataset(*args, data_dir=zip_path, cache_dir=cache, **{**NO_CHECKS, **kwargs})


def _raw_bytes(ds: datasets.Dataset, column: str) -> list[bytes]:
    return [row["bytes"] for row in ds.cast_column(column, datasets.Image(decode=False))[column]]


def test_official_config_serves_the_archive_unchanged(kvasir_seg_zip: Path, tmp_path: Path) -> None:
    ds = _load(kvasir_seg_zip, tmp_path, "kvasir_seg")
    assert isinstance(ds, datasets.DatasetDict) and set(ds) == {"train", "validation"}
    train, val = (
        read_id_list("kvasir_seg/official/train.txt"),
        read_id_list("kvasir_seg/official/val.txt"),
    )
    assert set(ds["train"]["image_id"]) <= set(train) and set(ds["validation"]["image_id"]) <= set(
        val
    )
    assert ds["train"].num_rows + ds["validation"].num_rows == 12
    with zipfile.ZipFile(kvasir_seg_zip) as raw:
        entries = json.loads(raw.read("Kvasir-SEG/kavsir_bboxes.json"))
        for split in ds.values():
            images = _raw_bytes(split, "image")
            for index, row in enumerate(split):
                image_id = row["image_id"]
                assert images[index] == raw.read(f"Kvasir-SEG/images/{image_id}.jpg")
                jpeg_mask = Image.open(io.BytesIO(raw.read(f"Kvasir-SEG/masks/{image_id}.jpg")))
                assert row["mask"].mode == "1"
                np.testing.assert_array_equal(
                    np.asarray(row["mask"]), np.asarray(jpeg_mask.convert("L")) > 127
                )
                assert (row["width"], row["height"]) == row["image"].size == jpeg_mask.size
                expected = [
                    {**{k: b[k] for k in ("xmin", "ymin", "xmax", "ymax")}, "label": 0}
                    for b in entries[image_id]["bbox"]
                ]
                assert row["bboxes"] == expected
                assert row["bbox_source"] == "official"


def test_pranet_config_and_single_split(kvasir_seg_zip: Path, tmp_path: Path) -> None:
    test = _load(kvasir_seg_zip, tmp_path, "kvasir_seg", "pranet", split="test")
    assert isinstance(test, datasets.Dataset)
    pranet = set(read_id_list("kvasir_seg/pranet/test.txt"))
    assert test.num_rows >= 3 and set(test["image_id"]) <= pranet
    train = _load(kvasir_seg_zip, tmp_path, "kvasir_seg", "pranet", split="train")
    assert not set(train["image_id"]) & pranet and train.num_rows + test.num_rows == 12


def test_metadata_and_features(kvasir_seg_zip: Path, tmp_path: Path) -> None:
    info = _load(kvasir_seg_zip, tmp_path, "kvasir_seg", split="train").info
    assert info.homepage == KVASIR_SEG.homepage and "jha2020kvasir" in info.citation
    assert "Research and educational use only" in info.license
    assert "1000 colonoscopy images" in info.description
    assert info.features["bboxes"].feature["label"].names == ["polyp"]
    assert isinstance(info.features["mask"], datasets.Image)


def test_sessile_marks_kvasir_seg_split_and_derives_boxes(
    sessile_zip: Path, tmp_path: Path
) -> None:
    ds = load_dataset("kvasir_sessile", data_dir=sessile_zip, cache_dir=tmp_path)
    assert list(ds) == ["train"] and ds["train"].num_rows == 8
    official = dict.fromkeys(read_id_list("kvasir_seg/official/train.txt"), "train")
    official.update(dict.fromkeys(read_id_list("kvasir_seg/official/val.txt"), "validation"))
    for row in ds["train"]:
        assert row["kvasir_seg_official_split"] == official[row["image_id"]]
        assert row["bbox_source"] == "mask"
        boxes = [{**b._asdict(), "label": 0} for b in boxes_from_mask(np.asarray(row["mask"]))]
        assert row["bboxes"] == boxes
    assert ds["train"].info.citation.count("@") == 2


def test_sessile_with_a_box_file_uses_it(make_archive, tmp_path: Path) -> None:
    path = make_archive("kvasir_sessile", count=4, box_file=True)
    ds = load_dataset("kvasir_sessile", split="train", data_dir=path, cache_dir=tmp_path / "c")
    assert set(ds["bbox_source"]) == {"official"}


def test_capsule_from_the_folder_holding_the_zip(capsule_zip: Path, tmp_path: Path) -> None:
    ds = load_dataset(
        "kvasir_capsule_seg", split="train", data_dir=capsule_zip.parent, cache_dir=tmp_path
    )
    assert ds.num_rows == 10
    assert ds["video_id"] == ["131368cc17e44240"] * 10 and ds["frame"][:2] == [28955, 28956]
    assert ds.info.homepage == KVASIR_CAPSULE_SEG.homepage and "jha2021nanonet" in ds.info.citation


def test_second_call_reuses_the_cache(make_archive, tmp_path: Path) -> None:
    path = make_archive("kvasir_sessile", complete=True)  # read whole, so remembered
    first = load_dataset(
        "kvasir_sessile", split="train", data_dir=path, cache_dir=tmp_path / "cache"
    )
    path.unlink()  # a rebuild would now fail
    again = load_dataset(
        "kvasir_sessile", split="train", data_dir=path, cache_dir=tmp_path / "cache"
    )
    assert again["image_id"] == first["image_id"] and again.cache_files == first.cache_files


def test_a_built_cache_names_the_archive_it_was_built_from(make_archive, tmp_path: Path) -> None:
    path = make_archive("kvasir_sessile", complete=True)
    builder = get_builder("kvasir_sessile", data_dir=path, cache_dir=tmp_path)
    assert read_built_from(builder.cache_dir) is None
    builder.download_and_prepare()
    built = read_built_from(builder.cache_dir)
    assert built is not None and built["path"] == str(path)
    assert built["identity"] == builder.plan.archive.identity == sha256_of(path)
    # Served again from another path to the same zip: the cache and its record are kept.
    other = tmp_path / "other" / path.name
    other.parent.mkdir()
    other.write_bytes(path.read_bytes())
    again = get_builder("kvasir_sessile", data_dir=other, cache_dir=tmp_path)
    again.download_and_prepare()
    assert again.cache_dir == builder.cache_dir and read_built_from(again.cache_dir) == built


def test_a_build_into_another_folder_names_its_archive_there(make_archive, tmp_path: Path):
    path = make_archive("kvasir_capsule_seg", count=3)
    builder = get_builder("kvasir_capsule_seg", data_dir=path, cache_dir=tmp_path / "cache")
    builder.download_and_prepare(output_dir=str(tmp_path / "out"))
    built = read_built_from(tmp_path / "out")
    assert built is not None and built["identity"] == builder.plan.archive.identity
    assert not builder.is_built()  # the cache folder itself was left alone


def test_streaming_builds_no_cache_and_serves_the_same_examples(
    capsule_zip: Path, tmp_path: Path
) -> None:
    stream = load_dataset(
        "kvasir_capsule_seg",
        split="train",
        data_dir=capsule_zip,
        cache_dir=tmp_path / "s",
        streaming=True,
    )
    assert isinstance(stream, datasets.IterableDataset)
    streamed = list(stream)
    assert not list((tmp_path / "s").rglob("*.arrow"))
    built = load_dataset(
        "kvasir_capsule_seg", split="train", data_dir=capsule_zip, cache_dir=tmp_path / "b"
    )
    assert [r["image_id"] for r in streamed] == built["image_id"]
    np.testing.assert_array_equal(np.asarray(streamed[3]["mask"]), np.asarray(built[3]["mask"]))
    assert streamed[3]["bboxes"] == built[3]["bboxes"]


def test_streaming_checks_the_archive_as_a_build_does(kvasir_seg_zip: Path, tmp_path: Path) -> None:
    options = {"data_dir": kvasir_seg_zip, "cache_dir": tmp_path, "streaming": True}
    with pytest.raises(ChecksumError, match="verification_mode='no_checks'"):
        load_dataset("kvasir_seg", split="validation", **options)
    stream = load_dataset("kvasir_seg", split="validation", **options, **NO_CHECKS)
    built = _load(kvasir_seg_zip, tmp_path / "b", "kvasir_seg", split="validation")
    assert [row["image_id"] for row in stream] == built["image_id"]


def test_builder_class_can_be_driven_directly(kvasir_seg_folder: Path, tmp_path: Path) -> None:
    builder = KvasirSeg(
        config_name="pranet", data_dir=str(kvasir_seg_folder), cache_dir=str(tmp_path)
    )
    builder.download_and_prepare()  # an extracted folder has no checksum to verify
    assert builder.as_dataset(split="test").num_rows >= 3


def test_download_into_the_archive_store_when_no_data_dir(
    http_mirror: Path, capsule_zip: Path, tmp_path: Path, archive_store: Path
) -> None:
    (http_mirror / KVASIR_CAPSULE_SEG.filename).write_bytes(capsule_zip.read_bytes())
    ds = load_dataset("kvasir_capsule_seg", split="train", cache_dir=tmp_path)
    assert ds.num_rows == 10
    assert (archive_store / KVASIR_CAPSULE_SEG.filename).is_file()


def test_failed_download_names_the_url_and_where_to_put_the_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, archive_store: Path
) -> None:
    monkeypatch.setenv("KVASIR_SEG_MIRROR", "http://127.0.0.1:9/")
    with pytest.raises(DownloadError) as caught:
        load_dataset("kvasir_sessile", cache_dir=tmp_path)
    assert KVASIR_SESSILE.url in str(caught.value)
    assert str(archive_store / "kvasir-sessile.zip") in str(caught.value)


def test_wrong_checksum_is_an_error_unless_checks_are_off(
    kvasir_seg_zip: Path, tmp_path: Path
) -> None:
    with pytest.raises(ChecksumError, match="expected sha256 03b30e21"):
        load_dataset("kvasir_seg", data_dir=kvasir_seg_zip, cache_dir=tmp_path)
    assert _load(kvasir_seg_zip, tmp_path, "kvasir_seg", split="validation").num_rows == 3


def test_unknown_names_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(KvasirSegError, match="no config 'random'"):
        load_dataset("kvasir_seg", "random", data_dir=tmp_path)
    with pytest.raises(KvasirSegError, match="Unknown dataset"):
        get_builder("kvasir")


def test_a_failed_build_is_never_served_as_a_cache(make_archive, tmp_path: Path) -> None:
    folder = make_archive("kvasir_sessile", count=5, zipped=False)
    last = sorted((folder / "sessile-main-Kvasir-SEG" / "images").iterdir())[-1]
    good = last.read_bytes()
    last.write_bytes(b"truncated")
    cache = tmp_path / "cache"
    with pytest.raises(ArchiveError, match=last.name):
        load_dataset("kvasir_sessile", data_dir=folder, cache_dir=cache)
    assert not list(cache.rglob("dataset_info.json"))
    last.write_bytes(good)
    assert (
        load_dataset("kvasir_sessile", split="train", data_dir=folder, cache_dir=cache).num_rows
        == 5
    )


def test_force_redownload_fetches_the_archive_again(
    http_mirror: Path, make_archive, tmp_path: Path
) -> None:
    make_archive("kvasir_capsule_seg", count=4, into=http_mirror)
    assert load_dataset("kvasir_capsule_seg", split="train", cache_dir=tmp_path / "c").num_rows == 4
    make_archive("kvasir_capsule_seg", count=6, into=http_mirror)  # replaces it on the mirror
    # The split sizes changed, which datasets' own split check would (rightly) reject.
    again = load_dataset(
        "kvasir_capsule_seg",
        split="train",
        cache_dir=tmp_path / "c",
        download_mode="force_redownload",
        verification_mode="no_checks",
    )
    assert again.num_rows == 6


@pytest.mark.parametrize(
    ("damage", "error", "fragment"),
    [
        (lambda z: z.write_bytes(z.read_bytes()[:1000]), ArchiveError, "truncated"),
        (lambda z: z.write_bytes(b"PK\x05\x06" + bytes(18)), LayoutError, "holds no images"),
    ],
)
def test_bad_archives_surface_our_errors_through_load_dataset(
    make_archive, tmp_path: Path, damage: object, error: type[Exception], fragment: str
) -> None:
    path = make_archive("kvasir_capsule_seg", count=3)
    damage(path)  # type: ignore[operator]
    with pytest.raises(error, match=fragment):
        load_dataset("kvasir_capsule_seg", data_dir=path, cache_dir=tmp_path / "c")
