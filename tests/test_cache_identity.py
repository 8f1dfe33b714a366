"""A cache is tied to the archive it was built from: a replaced archive is never answered
from the old cache, in Hugging Face and in TFDS; the same archive reached by another path
shares the cache; a missing archive leaves the cache served as it is."""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

import pytest

from kvasir_seg.errors import ChecksumError, DownloadError, KvasirSegError
from kvasir_seg_hf import load_dataset

NO_CHECKS = {"verification_mode": "no_checks"}


def _ids(ds) -> list[str]:
    return sorted(ds["image_id"])


def _replace(target: Path, source: Path) -> None:
    """Put ``source``'s bytes at ``target`` keeping nothing of the old file (inode reused)."""
    data = source.read_bytes()
    with open(target, "wb") as handle:
        handle.write(data)


def test_hf_a_replaced_zip_with_a_pin_is_refused_then_rebuilt_without_checks(
    make_archive, tmp_path: Path
):
    path = make_archive("kvasir_sessile", complete=True)  # pinned on first use
    cache = tmp_path / "cache"
    first = load_dataset("kvasir_sessile", split="train", data_dir=path, cache_dir=cache)
    other = make_archive("kvasir_sessile", count=5, seed=7)
    _replace(path, other)
    with pytest.raises(ChecksumError, match="recorded on first use"):
        load_dataset("kvasir_sessile", split="train", data_dir=path, cache_dir=cache)
    again = load_dataset(
        "kvasir_sessile", split="train", data_dir=path, cache_dir=cache, **NO_CHECKS
    )
    assert again.num_rows == 5 and first.num_rows == 196
    assert again.cache_files != first.cache_files


def test_hf_a_replaced_zip_under_no_checks_is_rebuilt(make_archive, tmp_path: Path) -> None:
    path = make_archive("kvasir_seg", count=4)
    cache = tmp_path / "cache"
    first = load_dataset(
        "kvasir_seg", "pranet", split="train", data_dir=path, cache_dir=cache, **NO_CHECKS
    )
    other = make_archive("kvasir_seg", count=8, seed=3)
    _replace(path, other)
    again = load_dataset(
        "kvasir_seg", "pranet", split="train", data_dir=path, cache_dir=cache, **NO_CHECKS
    )
    assert again.num_rows != first.num_rows and again.cache_files != first.cache_files


def test_hf_a_changed_file_in_an_extracted_folder_rebuilds(make_archive, tmp_path: Path) -> None:
    root = make_archive("kvasir_capsule_seg", count=4, zipped=False)
    cache = tmp_path / "cache"
    first = load_dataset("kvasir_capsule_seg", split="train", data_dir=root, cache_dir=cache)
    victim = sorted((root / "Kvasir_Capsule_Seg" / "masks").iterdir())[0]
    donor = sorted((root / "Kvasir_Capsule_Seg" / "masks").iterdir())[1]
    shutil.copy(donor, victim)
    os.utime(victim, ns=(1, 1))
    again = load_dataset("kvasir_capsule_seg", split="train", data_dir=root, cache_dir=cache)
    assert again.cache_files != first.cache_files
    assert again[0]["mask"].tobytes() != first[0]["mask"].tobytes()


def test_hf_one_zip_reached_by_two_paths_shares_one_cache(make_archive, tmp_path: Path) -> None:
    path = make_archive("kvasir_sessile", count=3)
    copy = tmp_path / "elsewhere" / "my copy of sessile.zip"
    copy.parent.mkdir()
    shutil.copy(path, copy)
    cache = tmp_path / "cache"
    first = load_dataset("kvasir_sessile", split="train", data_dir=path.parent, cache_dir=cache)
    second = load_dataset("kvasir_sessile", split="train", data_dir=copy, cache_dir=cache)
    assert first.cache_files == second.cache_files


def test_hf_a_missing_archive_serves_its_cache_but_never_a_broken_one(
    make_archive, tmp_path: Path
) -> None:
    path = make_archive("kvasir_sessile", complete=True)  # read whole: remembered
    cache = tmp_path / "cache"
    first = load_dataset("kvasir_sessile", split="train", data_dir=path, cache_dir=cache)
    path.write_bytes(path.read_bytes()[:100])  # a broken file is not a missing one
    with pytest.raises(KvasirSegError):
        load_dataset("kvasir_sessile", split="train", data_dir=path, cache_dir=cache)
    path.unlink()
    again = load_dataset("kvasir_sessile", split="train", data_dir=path, cache_dir=cache)
    assert again.cache_files == first.cache_files


def test_hf_nothing_anywhere_is_a_download_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KVASIR_SEG_MIRROR", "http://127.0.0.1:9/")
    with pytest.raises(DownloadError, match="in a browser"):
        load_dataset("kvasir_capsule_seg", cache_dir=tmp_path)


def test_tfds_a_replaced_archive_is_rebuilt(make_archive, tmp_path: Path, caplog) -> None:
    tfds = pytest.importorskip("tensorflow_datasets")
    import kvasir_seg_tfds  # noqa: F401

    path = make_archive("kvasir_sessile", count=3)
    manual = path.parent

    def build():
        builder = tfds.builder(
            "kvasir_sessile",
            data_dir=tmp_path / "data",
            file_format="array_record",
            verification_mode="no_checks",
        )
        builder.download_and_prepare(
            download_config=tfds.download.DownloadConfig(manual_dir=manual)
        )
        return builder

    assert build().info.splits["train"].num_examples == 3
    reused = build()  # same archive: reused
    assert reused.info.splits["train"].num_examples == 3
    if importlib.util.find_spec("tensorflow"):  # now in both formats
        assert len(list(reused.as_dataset(split="train"))) == 3
    _replace(path, make_archive("kvasir_sessile", count=5, seed=2))
    rebuilt = build()
    assert rebuilt.info.splits["train"].num_examples == 5
    assert "the archive changed since" in caplog.text
    assert len(list(rebuilt.as_data_source(split="train"))) == 5
    assert not list(Path(rebuilt.data_dir).glob("*.tfrecord*"))  # built in array_record
    if importlib.util.find_spec("tensorflow"):  # the new examples, never the old files
        assert len(list(rebuilt.as_dataset(split="train"))) == 5


def test_tfds_a_replaced_pinned_archive_is_refused_not_served_stale(
    make_archive, tmp_path: Path
) -> None:
    tfds = pytest.importorskip("tensorflow_datasets")
    import kvasir_seg_tfds  # noqa: F401

    path = make_archive("kvasir_sessile", complete=True)  # pinned on first use
    manual = path.parent

    def build():
        builder = tfds.builder(
            "kvasir_sessile", data_dir=tmp_path / "data", file_format="array_record"
        )
        builder.download_and_prepare(
            download_config=tfds.download.DownloadConfig(manual_dir=manual)
        )
        return builder

    assert build().info.splits["train"].num_examples == 196
    _replace(path, make_archive("kvasir_sessile", count=5, seed=2))
    with pytest.raises(ChecksumError, match="recorded on first use"):
        build()
