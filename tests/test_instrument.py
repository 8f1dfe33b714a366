"""Kvasir-Instrument: its own split lists, its box labels, and folders nested as .tar.gz."""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import pytest

from kvasir_seg.archive import open_archive
from kvasir_seg.catalog import KVASIR_INSTRUMENT
from kvasir_seg.errors import ArchiveError, LayoutError


def _rewrite(path: Path, change) -> Path:
    """The zip at ``path`` with ``change(name, data)`` applied to each member (None drops it)."""
    members = {}
    with zipfile.ZipFile(path) as old:
        for info in old.infolist():
            data = change(info.filename, old.read(info))
            if data is not None:
                members[info.filename] = data
    out = path.with_name("changed") / path.name
    out.parent.mkdir()
    with zipfile.ZipFile(out, "w") as new:
        for name, data in members.items():
            new.writestr(name, data)
    return out


@pytest.mark.parametrize("layout", ["repack", "nested"])
def test_the_archive_lists_and_boxes_are_read(layout: str, make_archive) -> None:
    path = make_archive("kvasir_instrument", count=10, layout=layout)
    with open_archive(KVASIR_INSTRUMENT, path) as archive:
        splits = archive.assign_splits()
        assert {name: len(ids) for name, ids in splits.items()} == {"train": 8, "test": 2}
        example = archive.read_example(splits["test"][0])
    assert example.bbox_source == "official" and {b.label for b in example.bboxes} == {0}
    assert example.mask.dtype == bool and example.mask.any()


def test_a_listed_id_without_an_image_is_an_error(make_archive) -> None:
    path = make_archive("kvasir_instrument", count=6)
    changed = _rewrite(
        path,
        lambda name, data: (
            data + b"ckcunotanimage000000000000\n" if name.endswith("test.txt") else data
        ),
    )
    with (
        open_archive(KVASIR_INSTRUMENT, changed) as archive,
        pytest.raises(LayoutError, match="the archive's test.txt lists .* have no image"),
    ):
        archive.assign_splits()


def test_an_image_in_no_list_is_an_error(make_archive) -> None:
    path = make_archive("kvasir_instrument", count=6)
    changed = _rewrite(path, lambda name, data: b"" if name.endswith("test.txt") else data)
    with (
        open_archive(KVASIR_INSTRUMENT, changed) as archive,
        pytest.raises(LayoutError, match="in no split"),
    ):
        archive.assign_splits()


def test_a_box_label_that_is_not_instrument_is_an_error(make_archive) -> None:
    path = make_archive("kvasir_instrument", count=4)
    changed = _rewrite(
        path,
        lambda name, data: (
            data.replace(b'"instrument"', b'"polyp"') if name.endswith(".json") else data
        ),
    )
    with pytest.raises(LayoutError, match="'polyp', which is not a class of this dataset"):
        open_archive(KVASIR_INSTRUMENT, changed)


def _tar_gz(*entries: tarfile.TarInfo, data: bytes = b"x") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for entry in entries:
            tar.addfile(entry, io.BytesIO(data) if entry.isfile() else None)
    return buffer.getvalue()


def _file(name: str, size: int = 1) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    return info


def _link(name: str, target: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = tarfile.SYMTYPE, target
    return info


@pytest.mark.parametrize(
    ("nested", "fragment"),
    [
        (_tar_gz(_file("../escaped.jpg")), "a name outside the archive"),
        (_tar_gz(_file("/etc/evil.jpg")), "a name outside the archive"),
        (_tar_gz(_link("images/a.jpg", "/etc/passwd")), "not a regular file"),
        (_tar_gz(_file("images/a.jpg"))[:40], "truncated or corrupt"),
    ],
    ids=["climbs-out", "absolute", "symlink", "truncated"],
)
def test_a_hostile_nested_archive_is_refused(
    nested: bytes, fragment: str, tmp_path: Path, archive_store: Path, make_archive
) -> None:
    path = make_archive("kvasir_instrument", count=4, layout="nested")
    changed = _rewrite(path, lambda name, data: nested if name.endswith("images.tar.gz") else data)
    with pytest.raises(ArchiveError, match=fragment):
        open_archive(KVASIR_INSTRUMENT, changed)
    assert not (tmp_path / "escaped.jpg").exists() and not (archive_store / "escaped.jpg").exists()
    unpacked = archive_store / "unpacked"
    assert not unpacked.exists() or not [p for p in unpacked.iterdir() if p.is_dir()]


def test_a_nested_archive_is_unpacked_once(archive_store: Path, make_archive) -> None:
    path = make_archive("kvasir_instrument", count=4, layout="nested")
    for _ in range(2):
        with open_archive(KVASIR_INSTRUMENT, path) as archive:
            assert len(archive.ids) == 4
    folders = [p for p in (archive_store / "unpacked").iterdir() if p.is_dir()]
    assert len(folders) == 2  # images.tar.gz and masks.tar.gz, each once
