"""Kvasir-Instrument: its own split lists, its box labels, and every form users have it in.

The forms (:data:`kvasir_seg.testing.INSTRUMENT_LAYOUTS`, each zipped and extracted): the
folders unpacked (``images/``, ``masks/``), nested as ``images.tar.gz`` and
``masks.tar.gz`` (as public preparation scripts read the download), and unpacked in place
(``images/images/``, ``masks/masks/``, as public notebooks read it); masks as RGB, RGBA,
grey, 1-bit and palette PNGs. All read to the same examples; what could be read two ways
is refused.
"""

from __future__ import annotations

import io
import shutil
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from kvasir_seg.archive import Example, open_archive
from kvasir_seg.catalog import KVASIR_INSTRUMENT
from kvasir_seg.errors import ArchiveError, LayoutError
from kvasir_seg.testing import INSTRUMENT_LAYOUTS, MASK_MODES

#: Every form as (layout, zipped).
FORMS = [(layout, zipped) for layout in INSTRUMENT_LAYOUTS for zipped in (True, False)]
FORM_IDS = [f"{layout}-{'zip' if zipped else 'folder'}" for layout, zipped in FORMS]


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


def _fingerprint(example: Example) -> tuple[Any, ...]:
    """Everything an example holds, comparable with ``==`` (the mask as shape and bytes)."""
    return (
        example.image_id,
        example.image_bytes,
        example.mask.shape,
        example.mask.tobytes(),
        example.height,
        example.width,
        example.bboxes,
        example.bbox_source,
        example.extra,
    )


def _read(path: Path) -> tuple[dict[str, list[str]], list[tuple[Any, ...]]]:
    """The splits (ids in order) and every example, in split order."""
    with open_archive(KVASIR_INSTRUMENT, path) as archive:
        splits = archive.assign_splits()
        ids = [image_id for split in splits.values() for image_id in split]
        return splits, [_fingerprint(example) for example in archive.examples(ids)]


@pytest.fixture(scope="module")
def complete_flat(make_archive) -> tuple[dict[str, list[str]], list[tuple[Any, ...]]]:
    """The 590 examples of a complete archive, extracted, with flat folders: the reference."""
    return _read(make_archive("kvasir_instrument", complete=True, zipped=False))


@pytest.mark.parametrize(("layout", "zipped"), FORMS, ids=FORM_IDS)
def test_every_form_reads_to_the_same_examples(
    layout: str, zipped: bool, complete_flat, make_archive
) -> None:
    path = make_archive("kvasir_instrument", complete=True, layout=layout, zipped=zipped)
    splits, examples = _read(path)
    assert {name: len(ids) for name, ids in splits.items()} == {"train": 472, "test": 118}
    expected_splits, expected = complete_flat
    assert splits == expected_splits  # the same ids, in the lists' order
    assert examples == expected


def _first_channel_masks(path: Path) -> dict[str, np.ndarray]:
    """The masks as public scripts read them: ``np.array(png)[:, :, 0] / 255`` (> 0.5)."""
    masks = {}
    for png in sorted((path / "kvasir-instrument" / "masks" / "masks").glob("*.png")):
        masks[png.stem] = np.asarray(Image.open(png))[:, :, 0] / 255 > 0.5
    return masks


@pytest.mark.parametrize("mask_mode", MASK_MODES)
@pytest.mark.parametrize(
    ("layout", "zipped"), [("notebook", False), ("nested", True)], ids=["notebook", "nested"]
)
def test_every_mask_encoding_reads_to_the_same_masks(
    mask_mode: str, layout: str, zipped: bool, make_archive
) -> None:
    rgb = make_archive("kvasir_instrument", count=8, layout=layout, zipped=zipped)
    path = make_archive(
        "kvasir_instrument", count=8, layout=layout, zipped=zipped, mask_mode=mask_mode
    )
    assert _read(path) == _read(rgb)
    if mask_mode.startswith("RGB") and layout == "notebook":
        with open_archive(KVASIR_INSTRUMENT, path) as archive:
            ours = {e.image_id: e.mask for e in archive.examples()}
        theirs = _first_channel_masks(path)
        assert sorted(theirs) == sorted(ours)
        for image_id, mask in theirs.items():
            np.testing.assert_array_equal(ours[image_id], mask)


def _notebook(make_archive, **options: Any) -> Path:
    """A fresh notebook-form folder (``images/images/``, ``masks/masks/``) a test may change."""
    return make_archive("kvasir_instrument", count=6, layout="notebook", zipped=False, **options)


def _refused(path: Path, error: type[Exception], *fragments: str) -> str:
    with pytest.raises(error) as caught, open_archive(KVASIR_INSTRUMENT, path) as archive:
        archive.assign_splits()
        list(archive.examples())
    message = str(caught.value)
    for fragment in fragments:
        assert fragment in message, message
    return message


@pytest.mark.parametrize(
    ("folder", "found"),
    [
        ("images", "several folders hold images named like the masks in masks/masks/: images/, "),
        ("masks", "several folders hold masks: masks/, masks/masks/; expected one"),
    ],
)
def test_a_folder_both_in_x_and_in_x_x_is_refused(folder: str, found: str, make_archive) -> None:
    """The same files twice (unpacked in place beside an earlier copy): which copy is meant
    cannot be told from the files, so the reader says what it found and how to choose."""
    root = _notebook(make_archive) / "kvasir-instrument"
    for path in (root / folder / folder).iterdir():
        shutil.copy(path, root / folder / path.name)
    _refused(
        root.parent,
        LayoutError,
        found,
        f"{folder}/{folder}/ sits inside {folder}/",
        f"{folder}.tar.gz",
        "keep one",
    )


def test_tar_gz_members_beside_the_folders_unpacked_from_them_are_refused(
    archive_store: Path, make_archive
) -> None:
    nested = make_archive("kvasir_instrument", count=6, layout="nested", zipped=False)
    root = _notebook(make_archive) / "kvasir-instrument"
    for member in ("images.tar.gz", "masks.tar.gz"):
        shutil.copy(nested / "kvasir-instrument" / member, root / member)
    _refused(
        root.parent,
        LayoutError,
        "several folders hold masks",
        "or delete the .tar.gz the folder was unpacked from",
    )


def test_a_missing_split_list_says_where_it_was_looked_for(make_archive) -> None:
    root = _notebook(make_archive) / "kvasir-instrument"
    (root / "test.txt").unlink()
    _refused(
        root.parent,
        LayoutError,
        "kvasir-instrument: cannot read test.txt (",
        "has test.txt in the folder that holds the images (images/images/) and the masks "
        "(masks/masks/)",
        "put the file there",
    )


def _recolour(root: Path, change) -> str:
    """Rewrite the first mask of the notebook folder ``root`` as ``change(grey)``; its name."""
    png = sorted((root / "kvasir-instrument" / "masks" / "masks").glob("*.png"))[0]
    grey = np.asarray(Image.open(png).convert("L"))
    Image.fromarray(change(grey)).save(png)
    return png.name


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda g: np.dstack([g, g * 0, g * 0]), "red, green and blue channels that differ"),
        (
            lambda g: np.dstack([g * 0, g * 0, g * 0, g]),
            "alpha channel that is not fully opaque",
        ),
    ],
    ids=["red tool", "tool in alpha"],
)
def test_a_mask_whose_channels_disagree_is_refused_by_name(
    change, fragment: str, make_archive
) -> None:
    root = _notebook(make_archive)
    name = _recolour(root, change)
    message = _refused(root, ArchiveError, f"masks/masks/{name} has ", fragment)
    assert "Save the mask as a" in message or "Save the mask alone" in message
    assert message.endswith("download it again.")
