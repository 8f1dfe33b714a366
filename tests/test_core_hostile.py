"""Hostile and odd archives: every one ends as our error naming the file, within bounds."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from kvasir_seg.archive import MAX_MEMBER_BYTES, open_archive
from kvasir_seg.archive.sources import ZipSource
from kvasir_seg.errors import ArchiveError, KvasirSegError, LayoutError

from hostile_files import patch_member, png_claiming


def _first_member(path: Path, folder: str) -> str:
    with zipfile.ZipFile(path) as archive:
        return sorted(n for n in archive.namelist() if f"/{folder}/" in n)[0]


def _read_all(dataset: str, location: Path) -> None:
    with open_archive(dataset, location, verify=False) as archive:
        list(archive.examples())


@pytest.fixture
def capsule(make_archive) -> Path:
    return make_archive("kvasir_capsule_seg", count=4)


def test_an_encrypted_member_is_refused_by_name(capsule: Path) -> None:
    member = _first_member(capsule, "images")
    patch_member(capsule, member, flags=0x1)
    with pytest.raises(ArchiveError, match=f"{member}.*encrypted.*extracted folder"):
        _read_all("kvasir_capsule_seg", capsule)


def test_a_deflate64_member_is_refused_by_name(capsule: Path) -> None:
    member = _first_member(capsule, "masks")
    patch_member(capsule, member, method=9)
    with pytest.raises(ArchiveError, match=f"{member}.*Deflate64.*7-Zip"):
        _read_all("kvasir_capsule_seg", capsule)


def test_a_member_name_flagged_utf8_but_invalid_is_refused(capsule: Path) -> None:
    member = _first_member(capsule, "images")
    broken = member.encode()[:-8] + b"\xff\xfe\xfd\xfc.jpg"
    patch_member(capsule, member, flags=0x800, new_name=broken)
    with pytest.raises(ArchiveError, match="not valid UTF-8"):
        _read_all("kvasir_capsule_seg", capsule)


def test_a_member_declaring_2_gib_is_refused_before_inflating(capsule: Path) -> None:
    member = _first_member(capsule, "images")
    patch_member(capsule, member, uncompressed_size=2 * 1024**3)
    with pytest.raises(ArchiveError, match=f"{member}.*declares 2,147,483,648 bytes"):
        _read_all("kvasir_capsule_seg", capsule)


def test_a_member_that_inflates_absurdly_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("capsule/images/a_1.jpg", bytes(20 * 1024 * 1024))
    with pytest.raises(ArchiveError, match="compresses .* to 1"):
        ZipSource(path).read("capsule/images/a_1.jpg")


def test_a_member_lying_about_its_size_cannot_inflate_beyond_the_bound(tmp_path: Path) -> None:
    # The header claims 1 MiB, the data inflates to more: zipfile stops at the declared
    # size and the CRC check fails; nothing larger than the bound is ever held.
    path = tmp_path / "liar.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("x/images/a_1.jpg", os.urandom(1024) * 3000)
    patch_member(path, "x/images/a_1.jpg", uncompressed_size=1024 * 1024)
    with pytest.raises(ArchiveError, match="corrupt"):
        ZipSource(path).read("x/images/a_1.jpg")
    assert MAX_MEMBER_BYTES == 256 * 1024 * 1024


@pytest.mark.parametrize("folder", ["images", "masks"])
@pytest.mark.parametrize("size", [(60000, 60000), (9000, 9000)])
def test_a_decompression_bomb_header_in_the_archive(
    make_archive, folder: str, size: tuple[int, int]
) -> None:
    root = make_archive("kvasir_seg", count=5, zipped=False)
    victim = sorted((root / "Kvasir-SEG" / folder).iterdir())[2]
    victim.write_bytes(png_claiming(*size))
    with pytest.raises(ArchiveError, match=f"{victim.name}.*beyond any real image"):
        _read_all("kvasir_seg", root)


def test_a_bomb_in_every_sampled_file_is_still_our_error(make_archive) -> None:
    root = make_archive("kvasir_capsule_seg", count=3, zipped=False)
    for path in (root / "Kvasir_Capsule_Seg" / "masks").iterdir():
        path.write_bytes(png_claiming(60000, 60000))
    with pytest.raises(LayoutError, match="found no folder of masks"):
        _read_all("kvasir_capsule_seg", root)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('{"%s": {"bbox": [{"xmin": Infinity, "ymin": 0, "xmax": 5, "ymax": 5}]}}', "not valid"),
        ('{"%s": {"bbox": [{"xmin": 1e400, "ymin": 0, "xmax": 5, "ymax": 5}]}}', "malformed"),
        ('{"%s": {"bbox": [{"xmin": NaN, "ymin": 0, "xmax": 5, "ymax": 5}]}}', "not valid"),
        ('{"%s": {"bbox": [{"xmin": 1, "ymin": 0, "xmax": 5, "ymax": 9e12}]}}', "malformed"),
        ('{"%s": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested far deeper"),
    ],
)
def test_hostile_box_files(make_archive, text: str, fragment: str) -> None:
    root = make_archive("kvasir_seg", count=3, zipped=False)
    box_file = root / "Kvasir-SEG" / "kavsir_bboxes.json"
    first = sorted(json.loads(box_file.read_text()))[0]
    box_file.write_text(text.replace("%s", first))
    with pytest.raises(LayoutError, match=fragment):
        _read_all("kvasir_seg", root)


def test_a_file_name_that_is_not_utf8_in_a_folder(make_archive) -> None:
    root = make_archive("kvasir_capsule_seg", count=3, zipped=False)
    images = root / "Kvasir_Capsule_Seg" / "images"
    first = sorted(images.iterdir())[0]
    os.rename(first, os.path.join(os.fsencode(images), b"\xff\xfe_28955.jpg"))
    with pytest.raises(LayoutError, match=r"\\xff\\xfe_28955.jpg is not valid UTF-8"):
        _read_all("kvasir_capsule_seg", root)


def test_a_link_leaving_the_folder_is_refused(make_archive, tmp_path: Path) -> None:
    root = make_archive("kvasir_capsule_seg", count=3, zipped=False)
    secret = tmp_path / "secret.jpg"
    victim = sorted((root / "Kvasir_Capsule_Seg" / "images").iterdir())[0]
    secret.write_bytes(victim.read_bytes())
    victim.unlink()
    victim.symlink_to(secret)
    with pytest.raises(ArchiveError, match=f"link to {secret}, outside"):
        _read_all("kvasir_capsule_seg", root)


def test_a_link_inside_the_folder_is_followed(make_archive) -> None:
    root = make_archive("kvasir_capsule_seg", count=3, zipped=False)
    images = root / "Kvasir_Capsule_Seg" / "images"
    victim = sorted(images.iterdir())[0]
    kept = root / "kept.jpg"
    kept.write_bytes(victim.read_bytes())
    victim.unlink()
    victim.symlink_to(kept)
    with open_archive("kvasir_capsule_seg", root) as archive:
        assert len(list(archive.examples())) == 3


def test_a_fifo_in_the_folder_is_refused_not_read(make_archive) -> None:
    root = make_archive("kvasir_capsule_seg", count=3, zipped=False)
    os.mkfifo(root / "Kvasir_Capsule_Seg" / "images" / "extra_1.jpg")
    with pytest.raises(ArchiveError, match="not a regular file"):
        _read_all("kvasir_capsule_seg", root)


def test_out_of_memory_while_decoding_is_our_error(
    make_archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_archive("kvasir_seg", count=3, zipped=False)
    with open_archive("kvasir_seg", root, verify=False) as archive:
        import kvasir_seg.image_files

        def exhausted(*args: object, **kwargs: object) -> None:
            raise MemoryError

        monkeypatch.setattr(kvasir_seg.image_files.Image, "open", exhausted)
        with pytest.raises(ArchiveError, match="cannot decode the image.*MemoryError"):
            archive.read_example(archive.ids[0])


def test_a_non_binary_mask_is_refused_per_example(make_archive) -> None:
    root = make_archive("kvasir_seg", count=5, zipped=False)
    victim = sorted((root / "Kvasir-SEG" / "masks").iterdir())[1]  # not a layout sample
    ramp = np.tile(np.linspace(0, 255, 64).astype(np.uint8), (48, 1))
    with Image.open(root / "Kvasir-SEG" / "images" / victim.name) as image:
        size = image.size
    Image.fromarray(ramp).resize(size).convert("RGB").save(victim, "JPEG")
    with pytest.raises(KvasirSegError, match=f"{victim.name} is not a binary mask"):
        _read_all("kvasir_seg", root)


def test_synthetic_archives_never_write_outside_the_target(tmp_path: Path) -> None:
    from kvasir_seg.testing import _Writer

    writer = _Writer(tmp_path, zipped=False)
    for hostile in ("/images/x.jpg", "../x.jpg", "a/../../x.jpg", ""):
        with pytest.raises(ValueError, match="not relative"):
            writer.add(hostile, b"x")
    writer.add("images/x.jpg", b"x")
    assert (tmp_path / "images" / "x.jpg").read_bytes() == b"x"


def test_a_dataset_without_a_root_folder_is_written_inside_the_target(tmp_path: Path) -> None:
    import numpy as np

    from kvasir_seg.testing import _write_kvasir, _Writer

    writer = _Writer(tmp_path, zipped=False)
    _write_kvasir(writer, np.random.default_rng(0), "", 2, True, [(40, 30)])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["images", "kavsir_bboxes.json", "masks"]


def test_a_box_label_that_is_not_a_class_of_the_dataset_is_refused() -> None:
    from kvasir_seg.archive.boxes import parse_box_file

    data = b'{"a": {"bbox": [{"label": "forceps", "xmin": 1, "ymin": 2, "xmax": 5, "ymax": 6}]}}'
    with pytest.raises(LayoutError, match="'forceps', which is not a class of this dataset"):
        parse_box_file(data, "bboxes.json")
    tools = ("snare", "forceps")
    (box,) = parse_box_file(data.replace(b"forceps", b"Forceps"), "bboxes.json", tools)["a"]
    assert box.label == 1 and box[:4] == (1, 2, 5, 6)
    unlabelled = b'{"a": {"bbox": [{"xmin": 1, "ymin": 2, "xmax": 5, "ymax": 6}]}}'
    with pytest.raises(LayoutError, match="the label None"):
        parse_box_file(unlabelled, "bboxes.json")
