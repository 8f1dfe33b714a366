"""``kvasir-seg prepare``: Hugging Face and TFDS caches built from synthetic archives."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

from kvasir_seg.app.commands.prepare import _tfds_manual_dir
from kvasir_seg.catalog import KVASIR_SEG, KVASIR_SESSILE


def _folder_with(tmp_path: Path, *zips: Path) -> Path:
    folder = tmp_path / "downloads"
    folder.mkdir()
    for archive in zips:
        shutil.copy(archive, folder / archive.name)
    return folder


def test_prepare_hf_builds_caches_that_load_dataset_reuses(
    sessile_complete_zip: Path,
    capsule_zip: Path,
    tmp_path: Path,
    kvasir_seg_cli,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    downloads = _folder_with(tmp_path, sessile_complete_zip, capsule_zip)
    cache = tmp_path / "cache"
    report = kvasir_seg_cli(
        "prepare kvasir_sessile kvasir-capsule-seg --data-dir",
        downloads,
        "--cache-dir",
        cache,
        "--json -q",
    ).json()
    assert [(r["name"], r["config"], r["backend"], r["splits"]) for r in report] == [
        ("kvasir_sessile", "default", "hf", {"train": 196}),
        ("kvasir_capsule_seg", "default", "hf", {"train": 10}),
    ]
    for entry in report:
        location = Path(entry["location"])
        assert location.is_relative_to(cache) and list(location.glob("*.arrow"))

    from kvasir_seg_hf import load_dataset

    # No path is needed afterwards: the archive store (the command's) remembers the zip read
    # whole (a complete copy), and once the zip is gone, its record names the cache.
    monkeypatch.setenv("KVASIR_SEG_DATA", str(tmp_path / "home" / "archives"))
    monkeypatch.setenv("KVASIR_SEG_MIRROR", "http://127.0.0.1:9/")
    assert report[0]["load"] == (
        "from kvasir_seg_hf import load_dataset; ds = "
        f"load_dataset('kvasir_sessile', 'default', cache_dir={str(cache)!r})"
    )
    found = load_dataset("kvasir_sessile", split="train", cache_dir=cache)
    assert (
        found.cache_files
        == load_dataset(
            "kvasir_sessile", split="train", data_dir=downloads, cache_dir=cache
        ).cache_files
    )
    shutil.rmtree(downloads)
    loaded = load_dataset("kvasir_sessile", split="train", cache_dir=cache)
    assert loaded.num_rows == 196
    assert Path(loaded.cache_files[0]["filename"]).parent == Path(report[0]["location"])


def test_prepare_refuses_an_unofficial_zip_unless_told(
    kvasir_seg_zip: Path, tmp_path: Path, kvasir_seg_cli
) -> None:
    refused = ["prepare kvasir_seg --data-dir", kvasir_seg_zip, "--cache-dir", tmp_path]
    kvasir_seg_cli(*refused, ok=False).assert_user_error(
        f"expected sha256 {KVASIR_SEG.sha256}", "--no-verify"
    )
    kvasir_seg_cli(
        *refused, "--config pranet", ok=False
    ).assert_user_error()  # still the checksum: the config exists
    kvasir_seg_cli(*refused, "--config bogus", ok=False).assert_user_error("no config 'bogus'")
    text = kvasir_seg_cli(
        "prepare kvasir_seg --config pranet --data-dir",
        kvasir_seg_zip,
        "--no-verify --cache-dir",
        tmp_path / "cache",
        "-q",
    ).stdout
    assert "pranet" in text and "train 9, test 3" in text and str(tmp_path / "cache") in text


@pytest.mark.skipif(
    importlib.util.find_spec("tensorflow_datasets") is None
    or importlib.util.find_spec("kvasir_seg_tfds") is None,
    reason="TensorFlow Datasets or kvasir_seg_tfds is not installed",
)
def test_prepare_tfds_writes_array_record_for_both_configs(
    kvasir_seg_zip: Path, sessile_zip: Path, tmp_path: Path, kvasir_seg_cli
) -> None:
    downloads = _folder_with(tmp_path, kvasir_seg_zip, sessile_zip)
    cache = tmp_path / "tfds"
    report = kvasir_seg_cli(
        "prepare kvasir_seg kvasir_sessile --backend tfds --no-verify --data-dir",
        downloads,
        "--cache-dir",
        cache,
        "--file-format array_record --json -q",
    ).json()
    assert [(r["name"], r["config"], r["splits"]) for r in report] == [
        ("kvasir_seg", "official", {"train": 9, "validation": 3}),
        ("kvasir_seg", "pranet", {"train": 9, "test": 3}),
        ("kvasir_sessile", "default", {"train": 8}),
    ]
    for entry in report:
        location = Path(entry["location"])
        assert location.is_relative_to(cache) and (location / "dataset_info.json").is_file()
        assert list(location.glob(f"{entry['name']}-train.array_record-*"))


def test_tfds_manual_dir_holds_the_archive_under_its_official_name(
    kvasir_seg_zip: Path, kvasir_seg_folder: Path, sessile_zip: Path, tmp_path: Path
) -> None:
    assert _tfds_manual_dir(KVASIR_SEG, kvasir_seg_folder, scratch=tmp_path) == kvasir_seg_folder
    assert _tfds_manual_dir(KVASIR_SESSILE, sessile_zip, scratch=tmp_path) == sessile_zip.parent
    renamed = tmp_path / "elsewhere" / "my copy.zip"
    renamed.parent.mkdir()
    shutil.copy(sessile_zip, renamed)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    linked = _tfds_manual_dir(KVASIR_SESSILE, renamed, scratch=tmp_path / "a")
    assert (linked / KVASIR_SESSILE.filename).read_bytes() == sessile_zip.read_bytes()
    # Even a zip whose checksum differs is read in place (verification_mode="no_checks"),
    # never extracted.
    assert _tfds_manual_dir(KVASIR_SEG, kvasir_seg_zip, scratch=tmp_path / "b") == (
        kvasir_seg_zip.parent
    )
    assert not list((tmp_path / "b").iterdir())
