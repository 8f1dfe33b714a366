"""The core reader: every real layout, and a clear error for every bad input."""

from __future__ import annotations

import io
import json
import shutil
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from kvasir_seg.archive import open_archive
from kvasir_seg.errors import ArchiveError, KvasirSegError, LayoutError
from kvasir_seg.masks import Box, boxes_from_mask
from kvasir_seg.testing import CAPSULE_LAYOUTS, write_archive


def _zip_folder(folder: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
    return target


@pytest.fixture
def folder(make_archive) -> Path:
    """A fresh extracted Kvasir-SEG folder that a test may damage."""
    return make_archive("kvasir_seg", count=6, zipped=False)


def _box_file(folder: Path) -> Path:
    return folder / "Kvasir-SEG" / "kavsir_bboxes.json"


def test_zip_is_read_in_place_with_pairs_boxes_and_sizes(kvasir_seg_zip: Path) -> None:
    with zipfile.ZipFile(kvasir_seg_zip) as raw:
        entries = json.loads(raw.read("Kvasir-SEG/kavsir_bboxes.json"))
        with open_archive("kvasir_seg", kvasir_seg_zip, verify=False) as archive:
            assert archive.ids == sorted(entries)
            assert list(entries) != sorted(entries), "the fixture's box file must be unsorted"
            for example in archive.examples():
                image = raw.read(f"Kvasir-SEG/images/{example.image_id}.jpg")
                assert example.image_bytes == image
                width, height = Image.open(io.BytesIO(image)).size
                assert (example.width, example.height) == (width, height)
                mask = Image.open(io.BytesIO(raw.read(f"Kvasir-SEG/masks/{example.image_id}.jpg")))
                assert mask.mode == "RGB"
                np.testing.assert_array_equal(example.mask, np.asarray(mask.convert("L")) > 127)
                expected = [
                    Box(b["xmin"], b["ymin"], b["xmax"], b["ymax"])
                    for b in entries[example.image_id]["bbox"]
                ]
                assert list(example.bboxes) == expected
                assert example.bbox_source == "official"


def test_fixture_has_multiple_and_degenerate_boxes(kvasir_seg_zip: Path) -> None:
    with open_archive("kvasir_seg", kvasir_seg_zip, verify=False) as archive:
        boxes = [b for e in archive.examples() for b in e.bboxes]
        counts = [len(e.bboxes) for e in archive.examples()]
    assert max(counts) >= 3
    assert any(b.ymax - b.ymin == 1 for b in boxes)
    assert any(b.xmin == 0 for b in boxes)


def test_zip_folder_parent_and_extracted_folder_read_the_same(
    kvasir_seg_zip: Path, kvasir_seg_folder: Path
) -> None:
    ids = {}
    for location in (
        kvasir_seg_zip,
        kvasir_seg_zip.parent,
        kvasir_seg_folder,
        kvasir_seg_folder / "Kvasir-SEG",
    ):
        with open_archive("kvasir_seg", location, verify=False) as archive:
            ids[str(location)] = [(e.image_id, e.mask.sum(), e.bboxes) for e in archive.examples()]
    assert len({repr(v) for v in ids.values()}) == 1


def test_macosx_and_dot_files_are_skipped(kvasir_seg_zip: Path) -> None:
    with zipfile.ZipFile(kvasir_seg_zip) as raw:
        names = raw.namelist()
    assert any(n.startswith("__MACOSX/") for n in names) and any("/.DS_Store" in n for n in names)
    with open_archive("kvasir_seg", kvasir_seg_zip, verify=False) as archive:
        assert len(archive.ids) == 12


def test_sessile_boxes_come_from_the_mask_without_a_box_file(sessile_zip: Path) -> None:
    with open_archive("kvasir_sessile", sessile_zip) as archive:
        for example in archive.examples():
            assert example.bbox_source == "mask"
            assert list(example.bboxes) == boxes_from_mask(example.mask)
            assert example.extra["kvasir_seg_official_split"] in {"train", "validation"}
            assert example.extra["kvasir_seg_pranet_split"] in {"train", "test"}


@pytest.mark.parametrize("layout", sorted(CAPSULE_LAYOUTS))
def test_capsule_folders_are_found_by_pairing(make_archive, layout: str) -> None:
    path = make_archive("kvasir_capsule_seg", count=7, layout=layout)
    with open_archive("kvasir_capsule_seg", path) as archive:
        examples = list(archive.examples())
        assert archive.layout.box_file is None
    assert len(examples) == 7
    first = examples[0]
    assert (first.width, first.height) == (336, 336)
    assert first.extra == {"video_id": "131368cc17e44240", "frame": 28955}
    assert all(e.bbox_source == "mask" and e.mask.any() for e in examples)


# ----------------------------------------------------------------------------- bad inputs


def _expect(
    error: type[KvasirSegError], location: Path, *fragments: str, dataset: str = "kvasir_seg"
) -> str:
    with pytest.raises(error) as caught, open_archive(dataset, location, verify=False) as archive:
        list(archive.examples())
    message = str(caught.value)
    for fragment in fragments:
        assert fragment in message, message
    return message


@pytest.mark.parametrize(
    ("dataset", "layout"),
    [("kvasir_seg", "nested"), ("kvasir_capsule_seg", "nested"), ("kvasir_instrument", "unnamed")],
)
def test_a_synthetic_layout_the_dataset_lacks_is_refused(
    tmp_path: Path, dataset: str, layout: str
) -> None:
    """Not written in the plain layout instead (kvasir_seg) nor a KeyError (capsule)."""
    with pytest.raises(ValueError, match=f"layout '{layout}' is not one of {dataset}'s"):
        write_archive(dataset, tmp_path, layout=layout)
    assert not list(tmp_path.iterdir())


def test_missing_path(tmp_path: Path) -> None:
    _expect(
        ArchiveError,
        tmp_path / "nowhere",
        "does not exist",
        "https://datasets.simula.no/downloads/kvasir-seg.zip",
    )


def test_image_without_mask(folder: Path) -> None:
    victim = sorted((folder / "Kvasir-SEG" / "masks").iterdir())[0]
    victim.unlink()
    _expect(LayoutError, folder, "1 image(s) have no mask", victim.stem)


def test_mask_without_image(folder: Path) -> None:
    victim = sorted((folder / "Kvasir-SEG" / "images").iterdir())[0]
    victim.unlink()
    entries = json.loads(_box_file(folder).read_text())
    del entries[victim.stem]
    _box_file(folder).write_text(json.dumps(entries))
    _expect(LayoutError, folder, "1 mask(s) have no image", victim.stem)


def test_box_entry_without_image(folder: Path) -> None:
    entries = json.loads(_box_file(folder).read_text())
    entries["cjunknownid000000000000000"] = {"height": 1, "width": 1, "bbox": []}
    _box_file(folder).write_text(json.dumps(entries))
    _expect(LayoutError, folder, "box entries have no image", "cjunknownid000000000000000")


def test_image_without_box_entry(folder: Path) -> None:
    entries = json.loads(_box_file(folder).read_text())
    entries.pop(sorted(entries)[0])
    _box_file(folder).write_text(json.dumps(entries))
    _expect(LayoutError, folder, "images have no box entry")


def test_missing_box_file(folder: Path) -> None:
    _box_file(folder).unlink()
    _expect(LayoutError, folder, "kavsir_bboxes.json", "missing")


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"{not json", "not valid JSON"),
        (b"[]", "expected an object"),
        (b'{"a": {"bbox": [{"xmin": 1}]}}', "malformed"),
    ],
)
def test_malformed_box_file(folder: Path, content: bytes, fragment: str) -> None:
    _box_file(folder).write_bytes(content)
    _expect(LayoutError, folder, fragment)


def test_inverted_box(folder: Path) -> None:
    entries = json.loads(_box_file(folder).read_text())
    first = sorted(entries)[0]
    entries[first]["bbox"] = [{"label": "polyp", "xmin": 50, "ymin": 5, "xmax": 10, "ymax": 30}]
    _box_file(folder).write_text(json.dumps(entries))
    _expect(LayoutError, folder, "inverted", first)


def test_mask_size_differs_from_image(folder: Path) -> None:
    victim = sorted((folder / "Kvasir-SEG" / "masks").iterdir())[0]
    Image.new("RGB", (40, 30)).save(victim, "JPEG")
    _expect(LayoutError, folder, "is 40x30 but image", victim.name)


def test_unreadable_member(folder: Path) -> None:
    victim = sorted((folder / "Kvasir-SEG" / "images").iterdir())[0]
    victim.write_bytes(b"this is not a jpeg")
    _expect(ArchiveError, folder, "cannot decode", victim.name)


def test_truncated_zip(kvasir_seg_zip: Path, tmp_path: Path) -> None:
    truncated = tmp_path / "kvasir-seg.zip"
    truncated.write_bytes(kvasir_seg_zip.read_bytes()[: kvasir_seg_zip.stat().st_size // 2])
    _expect(ArchiveError, truncated, "truncated", "download it again")


def test_corrupt_zip_member(kvasir_seg_zip: Path, tmp_path: Path) -> None:
    data = bytearray(kvasir_seg_zip.read_bytes())
    with zipfile.ZipFile(kvasir_seg_zip) as raw:
        info = raw.getinfo(sorted(n for n in raw.namelist() if "/images/" in n)[0])
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + 100
    data[start : start + 64] = bytes(64)
    corrupt = tmp_path / "kvasir-seg.zip"
    corrupt.write_bytes(bytes(data))
    _expect(ArchiveError, corrupt, "corrupt", info.filename)


def test_not_a_zip(tmp_path: Path) -> None:
    fake = tmp_path / "kvasir-seg.zip"
    fake.write_text("<html>502 Bad Gateway</html>")
    _expect(ArchiveError, fake, "not a zip archive")


def test_folder_without_images(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    _expect(LayoutError, tmp_path, "holds no images", "kvasir-seg.zip")


def test_unknown_layout(tmp_path: Path) -> None:
    for folder, size in (("photos", (30, 20)), ("other", (25, 25))):
        (tmp_path / folder).mkdir()
        Image.new("RGB", size, (120, 60, 30)).save(tmp_path / folder / "x.jpg")
    _expect(LayoutError, tmp_path, "found no folder of masks", "photos/")


def test_two_mask_folders_are_ambiguous(make_archive) -> None:
    root = make_archive("kvasir_capsule_seg", count=3, zipped=False)
    shutil.copytree(root / "Kvasir_Capsule_Seg" / "masks", root / "Kvasir_Capsule_Seg" / "gt_copy")
    _expect(
        LayoutError,
        root,
        "several folders hold masks",
        "gt_copy/",
        "masks/",
        dataset="kvasir_capsule_seg",
    )


def test_duplicate_stems(folder: Path) -> None:
    image = sorted((folder / "Kvasir-SEG" / "images").iterdir())[0]
    shutil.copy(image, image.with_suffix(".png"))
    _expect(LayoutError, folder, "two files named", image.stem)


def test_a_folder_with_both_the_zip_and_the_extracted_copy_says_which_is_read(
    kvasir_seg_zip: Path, make_archive, caplog: pytest.LogCaptureFixture
) -> None:
    from kvasir_seg.archive import locate_archive
    from kvasir_seg.catalog import KVASIR_SEG

    both = make_archive("kvasir_seg", count=3, zipped=False)
    shutil.copy(kvasir_seg_zip, both / KVASIR_SEG.filename)
    assert locate_archive(KVASIR_SEG, both) == both / KVASIR_SEG.filename
    assert "holds both kvasir-seg.zip and the extracted Kvasir-SEG/: reading the zip" in caplog.text


@pytest.mark.parametrize("layout", ["misleading", "annotated-first", "official-guess"])
def test_overlays_never_win_over_the_plain_images_whatever_the_names(
    make_archive, layout: str, caplog: pytest.LogCaptureFixture
) -> None:
    images, masks, overlays, _ = CAPSULE_LAYOUTS[layout]
    path = make_archive("kvasir_capsule_seg", count=6, layout=layout)
    with zipfile.ZipFile(path) as raw, open_archive("kvasir_capsule_seg", path) as archive:
        assert (archive.layout.image_folder, archive.layout.mask_folder) == (images, masks)
        assert archive.layout.reasons[overlays] == "box-drawn overlays of the images"
        for example in archive.examples():
            assert example.image_bytes == raw.read(f"{images}/{example.image_id}.jpg")
    if Path(masks).name != "masks":
        assert "not the documented folder names" in caplog.text and masks in caplog.text


def test_two_folders_of_different_plain_images_are_a_tie(make_archive) -> None:
    root = make_archive("kvasir_capsule_seg", count=4, zipped=False)
    other = make_archive("kvasir_capsule_seg", count=4, zipped=False, seed=9)
    shutil.copytree(other / "Kvasir_Capsule_Seg" / "images", root / "Kvasir_Capsule_Seg" / "frames")
    with warnings.catch_warnings():
        # The two pictures differ by noise only (no pixel changed by a drawn line): the
        # comparison decides that without averaging an empty selection (issue 24).
        warnings.simplefilter("error")
        message = _expect(
            LayoutError,
            root,
            "cannot tell which folder holds the plain images",
            "frames/",
            "images/",
            "move the others out",
            dataset="kvasir_capsule_seg",
        )
    assert "first" not in message


@pytest.mark.parametrize("saved_again", [False, True])
def test_copies_of_the_images_are_one_folder(make_archive, saved_again: bool) -> None:
    root = make_archive("kvasir_capsule_seg", count=4, zipped=False)
    images, copy = root / "Kvasir_Capsule_Seg" / "images", root / "Kvasir_Capsule_Seg" / "copy"
    shutil.copytree(images, copy)
    if saved_again:  # the same pictures, encoded again as JPEG
        for path in copy.iterdir():
            Image.open(images / path.name).save(path, "JPEG", quality=90)
    with open_archive("kvasir_capsule_seg", root) as archive:
        assert len(list(archive.examples())) == 4
        assert "a copy of the images" in archive.layout.reasons.values()
