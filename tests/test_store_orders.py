"""Whatever order a user tries copies in, the store never locks them out of good data.

Each test tries copies in a hostile order (corrupt then good, good then corrupt, small then
real, zip then folder then no path, one folder through two paths) and checks the store's
files before and after, not only what the call returned: the store is written only after
a whole, successful read of a copy, or when the user accepts one.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import zipfile
from pathlib import Path

import pytest

from kvasir_seg.archive import open_archive
from kvasir_seg.catalog import DATASETS, KVASIR_CAPSULE_SEG, KVASIR_SEG, KVASIR_SESSILE
from kvasir_seg.errors import ArchiveError, ChecksumError
from kvasir_seg.logs import forget_warnings
from kvasir_seg_hf import load_dataset

from hostile_files import damage_member

NO_CHECKS = {"verification_mode": "no_checks"}


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """A download attempt fails at once (connection refused): no test here expects one."""
    monkeypatch.setenv("KVASIR_SEG_MIRROR", "http://127.0.0.1:9/")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _copies(files: dict, name: str) -> list[str]:
    """The paths of the copies the store's record of dataset ``name`` lists."""
    return [entry["path"] for entry in files[f"records/{name}.json"]["copies"]]


def _damaged_copy(good: Path, folder: Path) -> Path:
    """``good`` copied into ``folder`` with one image (not one the layout probes) damaged."""
    folder.mkdir()
    bad = folder / good.name
    shutil.copy(good, bad)
    with zipfile.ZipFile(bad) as opened:
        member = sorted(n for n in opened.namelist() if "/images/" in n)[1]
    damage_member(bad, member)
    return bad


def test_corrupt_then_good_a_corrupt_copy_is_never_pinned(
    make_archive, store_files, archive_store: Path, tmp_path: Path
) -> None:
    good = make_archive("kvasir_sessile", complete=True)
    _damaged_copy(good, tmp_path / "bad")
    with pytest.raises(ArchiveError, match="CRC"):
        load_dataset("kvasir_sessile", data_dir=tmp_path / "bad", cache_dir=tmp_path / "c")
    assert store_files(archive_store) == {}  # nothing pinned, nothing recorded
    rows = load_dataset("kvasir_sessile", split="train", data_dir=good, cache_dir=tmp_path / "c")
    assert rows.num_rows == 196
    record = store_files(archive_store)["records/kvasir_sessile.json"]
    assert record["pin"]["sha256"] == _sha(good) and _copies(
        store_files(archive_store), "kvasir_sessile"
    ) == [str(good)]


def test_good_then_corrupt_the_corrupt_copy_is_refused_and_nothing_changes(
    make_archive, store_files, archive_store: Path, tmp_path: Path
) -> None:
    good = make_archive("kvasir_sessile", complete=True)
    load_dataset("kvasir_sessile", split="train", data_dir=good, cache_dir=tmp_path / "c")
    pinned = store_files(archive_store)
    assert pinned["records/kvasir_sessile.json"]["pin"]["sha256"] == _sha(good)
    bad = _damaged_copy(good, tmp_path / "bad")
    with pytest.raises(ChecksumError, match=f"found sha256 {_sha(bad)}"):
        load_dataset("kvasir_sessile", data_dir=bad, cache_dir=tmp_path / "c")
    assert store_files(archive_store) == pinned
    again = load_dataset("kvasir_sessile", split="train", cache_dir=tmp_path / "c")
    assert again.num_rows == 196 and store_files(archive_store) == pinned


def test_small_then_real_a_copy_far_from_the_stated_size_is_read_never_pinned(
    make_archive, store_files, archive_store: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    small = make_archive("kvasir_capsule_seg", layout="authors-copy")  # 55 frames, ~1 MB
    real = make_archive("kvasir_capsule_seg", complete=True, seed=3)  # the stated 2.66 MB
    caplog.set_level(logging.INFO)
    rows = load_dataset("kvasir_capsule_seg", split="train", data_dir=small, cache_dir=tmp_path)
    assert rows.num_rows == 55
    (said,) = [r.getMessage() for r in caplog.records if "page states" in r.getMessage()]
    assert str(small) in said and "never pinned" in said and "2.66 MB" in said
    assert "\n" not in said
    assert "pin" not in store_files(archive_store).get("records/kvasir_capsule_seg.json", {})
    rows = load_dataset("kvasir_capsule_seg", split="train", data_dir=real, cache_dir=tmp_path)
    assert rows.num_rows == 55
    record = store_files(archive_store)["records/kvasir_capsule_seg.json"]
    assert record["pin"]["sha256"] == _sha(real)


def test_zip_then_folder_then_no_path_reads_the_pinned_zip(
    make_archive, store_files, archive_store: Path, tmp_path: Path, caplog
) -> None:
    zipped = make_archive("kvasir_sessile", complete=True)
    folder = make_archive("kvasir_sessile", complete=True, zipped=False, seed=2)
    cache = tmp_path / "cache"
    from_zip = load_dataset("kvasir_sessile", split="train", data_dir=zipped, cache_dir=cache)
    from_folder = load_dataset("kvasir_sessile", split="train", data_dir=folder, cache_dir=cache)
    assert from_zip.cache_files != from_folder.cache_files
    state = store_files(archive_store)
    again = load_dataset("kvasir_sessile", split="train", cache_dir=cache)
    assert again.cache_files == from_zip.cache_files  # the pinned copy, not the last one read
    assert store_files(archive_store) == state
    zipped.unlink()  # the pinned copy gone: the folder is read, and a line says why
    caplog.clear()
    assert load_dataset("kvasir_sessile", split="train", cache_dir=cache).num_rows == 196
    (said,) = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert f"reading {folder / 'sessile-main-Kvasir-SEG'}" in said and f"{zipped} (gone)" in said
    assert store_files(archive_store) == state


def test_an_accepted_zip_then_a_folder_then_no_path_says_which_copy_every_time(
    make_archive, store_files, archive_store: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    accepted = make_archive("kvasir_seg", count=6)
    folder = make_archive("kvasir_seg", complete=True, zipped=False, seed=1)  # remembered
    cache = tmp_path / "cache"
    mine = load_dataset(
        "kvasir_seg", split="train", data_dir=accepted, cache_dir=cache, **NO_CHECKS
    )
    load_dataset("kvasir_seg", split="train", data_dir=folder, cache_dir=cache)
    state = store_files(archive_store)
    caplog.clear()
    for _ in range(2):
        again = load_dataset("kvasir_seg", split="train", cache_dir=cache)
        assert again.cache_files == mine.cache_files
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(said) == 2, said  # every time, one line
    assert all(str(accepted) in line and str(folder) in line for line in said)
    assert all("accepted" in line and "\n" not in line for line in said)
    assert store_files(archive_store) == state


def test_one_folder_through_two_paths_is_one_copy_and_one_cache(
    make_archive, store_files, archive_store: Path, tmp_path: Path
) -> None:
    folder = make_archive("kvasir_sessile", complete=True, zipped=False)
    link = tmp_path / "link"
    link.symlink_to(folder, target_is_directory=True)
    dotted = folder / "sessile-main-Kvasir-SEG" / ".."
    cache = tmp_path / "cache"
    built = [
        load_dataset("kvasir_sessile", split="train", data_dir=path, cache_dir=cache).cache_files
        for path in (folder, link, dotted, link / "sessile-main-Kvasir-SEG")
    ]
    assert all(files == built[0] for files in built)
    assert _copies(store_files(archive_store), "kvasir_sessile") == [
        str((folder / "sessile-main-Kvasir-SEG").resolve())
    ]


def test_open_archive_follows_the_trust_rule(
    make_archive, store_files, archive_store: Path, tmp_path: Path
) -> None:
    bad = make_archive("kvasir_seg", count=4)
    with pytest.raises(ChecksumError, match="verify=False"):
        open_archive("kvasir_seg", bad)
    assert store_files(archive_store) == {}
    with open_archive("kvasir_seg", bad, verify=False) as archive:
        assert len(archive.ids) == 4
    record = store_files(archive_store)["records/kvasir_seg.json"]
    assert [(c["path"], c["identity"], c["trust"]) for c in record["copies"]] == [
        (str(bad), _sha(bad), "accepted")
    ]
    with open_archive("kvasir_seg", bad) as archive:  # accepted once: read without the option
        assert len(archive.ids) == 4
    other = make_archive("kvasir_sessile", complete=True)
    with open_archive(KVASIR_SESSILE, other.parent) as archive:
        assert len(archive.ids) == 196
    assert store_files(archive_store)["records/kvasir_sessile.json"]["pin"]["sha256"] == _sha(other)


def test_an_accepted_copy_is_one_line_at_most_in_a_later_process(
    make_archive, store_files, archive_store: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    bad = make_archive("kvasir_seg", count=4, seed=5)
    rows = load_dataset("kvasir_seg", split="train", data_dir=bad, cache_dir=tmp_path, **NO_CHECKS)
    assert f"Built from {bad}: accepted with checks skipped" in rows.info.description
    state = store_files(archive_store)
    forget_warnings()  # as a new process would
    caplog.clear()
    caplog.set_level(logging.DEBUG)
    for split in ("train", "validation", "train"):
        load_dataset("kvasir_seg", split=split, cache_dir=tmp_path)
    ours = [r for r in caplog.records if r.name.startswith("kvasir_seg")]
    assert not [r for r in ours if r.levelno >= logging.WARNING], [r.getMessage() for r in ours]
    (said,) = [r.getMessage() for r in ours if "accepted" in r.getMessage()]
    assert str(bad) in said and _sha(bad) in said and "\n" not in said
    assert store_files(archive_store) == state


def test_a_subset_is_read_and_writes_nothing(
    make_archive, store_files, archive_store: Path, tmp_path: Path
) -> None:
    """A copy that is not complete (not the catalog's count) is read, never remembered."""
    part = make_archive("kvasir_capsule_seg", count=4)
    rows = load_dataset("kvasir_capsule_seg", split="train", data_dir=part, cache_dir=tmp_path)
    assert rows.num_rows == 4 and KVASIR_CAPSULE_SEG.expected_examples == 55
    assert store_files(archive_store) == {}


def test_the_stated_sizes_are_the_dataset_pages() -> None:
    """The pages' "MB" are MiB: Kvasir-SEG's exact size is its stated 44.1 MB, to 3 digits."""
    assert [spec.stated_mib for spec in DATASETS.values()] == [44.1, 13.7, 2.66, None]
    assert round(KVASIR_SEG.size_bytes / 2**20, 1) == KVASIR_SEG.stated_mib
    assert KVASIR_CAPSULE_SEG.far_from_stated_size(715_425)  # the authors' GitHub zip
