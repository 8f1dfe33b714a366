"""The TFDS builders: registration, metadata, where the archive comes from, and bad inputs.

Builds here use the array_record format and ``as_data_source``, so none of these tests
needs TensorFlow (the TFRecord path is covered by the parity and client tests).
"""

from __future__ import annotations

import logging
import pickle
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

tfds = pytest.importorskip("tensorflow_datasets")
from tensorflow_datasets.core.download.download_manager import (  # noqa: E402
    NonMatchingChecksumError,
)

from kvasir_seg.catalog import KVASIR_SEG, get_spec  # noqa: E402
from kvasir_seg.errors import (  # noqa: E402
    ArchiveError,
    ChecksumError,
    DownloadError,
    KvasirSegError,
    LayoutError,
)
from kvasir_seg.splits import read_id_list  # noqa: E402
from kvasir_seg.store import sha256_of  # noqa: E402
from kvasir_seg_tfds import BUILDERS, ChecksumMismatchError  # noqa: E402
from kvasir_seg_tfds.generate import stale_files  # noqa: E402

PACKAGE = Path(__file__).resolve().parents[1] / "kvasir_seg_tfds"


def _build(
    name: str, data_dir: Path, manual_dir: Path | None = None, **builder_kwargs: object
) -> tfds.core.DatasetBuilder:
    """``tfds.builder(name)`` prepared in array_record from ``manual_dir`` (if given)."""
    builder = tfds.builder(name, data_dir=data_dir, file_format="array_record", **builder_kwargs)
    builder.download_and_prepare(
        download_config=tfds.download.DownloadConfig(manual_dir=manual_dir)
    )
    return builder


def _ids(builder: tfds.core.DatasetBuilder, split: str) -> set[str]:
    return {example["image_id"].decode() for example in builder.as_data_source(split=split)}


def _alone(path: Path, tmp_path: Path) -> Path:
    """A fresh manual_dir holding only a copy of ``path``."""
    folder = tmp_path / "manual"
    folder.mkdir()
    shutil.copy(path, folder / path.name)
    return folder


# --------------------------------------------------------------------------- registration


def test_import_registers_each_dataset_with_the_hf_configs(
    dataset_name: str, tmp_path: Path
) -> None:
    builder = tfds.builder(dataset_name, data_dir=tmp_path)
    spec = get_spec(dataset_name)
    assert builder.name == dataset_name and type(builder) is BUILDERS[dataset_name]
    assert [c.name for c in builder.BUILDER_CONFIGS] == [c.name for c in spec.configs]
    assert builder.builder_config.name == spec.default_config.name
    assert str(builder.version) == "1.0.0"


def test_a_pickled_builder_is_made_again_with_the_same_arguments(tmp_path: Path) -> None:
    builder = tfds.builder(
        "kvasir_seg/pranet",
        data_dir=tmp_path,
        file_format="array_record",
        verification_mode="no_checks",
    )
    copy = pickle.loads(pickle.dumps(builder))
    assert type(copy) is type(builder) and copy.data_dir == builder.data_dir
    assert (copy.builder_config.name, copy.verify_checksums) == ("pranet", False)
    assert copy.info.file_format == tfds.core.FileFormat.ARRAY_RECORD


def test_config_is_chosen_by_name(tmp_path: Path) -> None:
    assert tfds.builder("kvasir_seg/pranet", data_dir=tmp_path).builder_config.name == "pranet"
    with pytest.raises(ValueError, match="BuilderConfig nanonet not found"):
        tfds.builder("kvasir_seg/nanonet", data_dir=tmp_path)


def test_folder_files_are_current_with_the_catalog(dataset_name: str) -> None:
    """Every file of the dataset folder is what ``python -m kvasir_seg_tfds.generate`` writes."""
    assert stale_files(dataset_name) == [], "stale: run python -m kvasir_seg_tfds.generate"
    folder = PACKAGE / dataset_name
    assert any((folder / "dummy_data").rglob("*.jpg"))
    assert sum(f.stat().st_size for f in (folder / "dummy_data").rglob("*")) < 1_000_000


def test_info_carries_description_terms_citation_and_features(tmp_path: Path) -> None:
    info = tfds.builder("kvasir_seg", data_dir=tmp_path).info
    assert "1000 colonoscopy images" in info.description
    assert "Research and educational use only" in info.description
    assert "Research and educational use only" in info.redistribution_info.license
    assert info.homepage == KVASIR_SEG.homepage and "jha2020kvasir" in info.citation
    assert info.supervised_keys == ("image", "mask")
    features = info.features
    assert features["mask"].shape == (None, None, 1) and features["image"].shape == (None, None, 3)
    assert features["bboxes"]["label"].names == ["polyp"]
    capsule = tfds.builder("kvasir_capsule_seg", data_dir=tmp_path).info.features
    assert {"video_id", "frame"} <= set(capsule)


def test_no_checksums_tsv_is_shipped_for_downloads_tfds_never_makes(dataset_name: str) -> None:
    """TFDS checks ``checksums.tsv`` only for ``dl_manager.download``, which the builders
    never call: the core downloads and checks the archive (see the download tests below)."""
    assert not (PACKAGE / dataset_name / "checksums.tsv").exists()
    assert not BUILDERS[dataset_name].url_infos


def test_a_first_build_says_nothing_tfds_cannot_know(
    sessile_zip: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """No "Variant folder ... has no dataset_info.json" (TFDS probing a folder not built yet)
    and no "Unknown size" (TFDS printing sizes before the build); the size is recorded."""
    with caplog.at_level(logging.DEBUG):
        builder = _build(
            "kvasir_sessile", tmp_path / "data", manual_dir=_alone(sessile_zip, tmp_path)
        )
    printed = capfd.readouterr()
    said = caplog.text + printed.out + printed.err
    assert "Variant folder" not in said and "Unknown size" not in said
    assert "kvasir_sessile: preparing array_record in" in caplog.text
    assert builder.info.download_size == sessile_zip.stat().st_size
    again = tfds.builder("kvasir_sessile", data_dir=tmp_path / "data")
    assert again.info.download_size == sessile_zip.stat().st_size
    # A variant folder that is there but incomplete is still reported, by TFDS.
    Path(tfds.builder("kvasir_sessile", data_dir=tmp_path / "other").data_dir).mkdir(parents=True)
    with caplog.at_level(logging.WARNING):
        assert not tfds.builder("kvasir_sessile", data_dir=tmp_path / "other").is_prepared()
    assert "has no dataset_info.json" in caplog.text


# --------------------------------------------------------------------------- manual_dir


def test_extracted_folder_in_manual_dir(kvasir_seg_folder: Path, tmp_path: Path) -> None:
    builder = _build("kvasir_seg", tmp_path / "data", manual_dir=kvasir_seg_folder)
    train, validation = _ids(builder, "train"), _ids(builder, "validation")
    assert len(train) + len(validation) == 12
    assert train <= set(read_id_list("kvasir_seg/official/train.txt"))
    assert validation <= set(read_id_list("kvasir_seg/official/val.txt"))
    # manual_dir may also be the extracted root folder itself.
    again = _build(
        "kvasir_seg/pranet", tmp_path / "data2", manual_dir=kvasir_seg_folder / "Kvasir-SEG"
    )
    assert _ids(again, "train") | _ids(again, "test") == train | validation


def test_no_checks_reads_a_zip_whose_checksum_differs(
    kvasir_seg_zip: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # The same meaning as Hugging Face's verification_mode="no_checks": only a warning.
    with caplog.at_level(logging.WARNING):
        builder = _build(
            "kvasir_seg",
            tmp_path / "data",
            manual_dir=_alone(kvasir_seg_zip, tmp_path),
            verification_mode="no_checks",
        )
    assert builder.info.splits.total_num_examples == 12
    assert KVASIR_SEG.sha256 in caplog.text and sha256_of(kvasir_seg_zip) in caplog.text
    with pytest.raises(KvasirSegError, match="verification_mode must be"):
        tfds.builder("kvasir_seg", data_dir=tmp_path, verification_mode="sometimes")


def test_wrong_checksum_in_manual_dir_is_a_clear_error(
    kvasir_seg_zip: Path, tmp_path: Path
) -> None:
    with pytest.raises(ChecksumMismatchError) as caught:
        _build("kvasir_seg", tmp_path / "data", manual_dir=_alone(kvasir_seg_zip, tmp_path))
    assert isinstance(caught.value, ChecksumError) and isinstance(
        caught.value, NonMatchingChecksumError
    )
    message = str(caught.value)
    assert KVASIR_SEG.sha256 in message and sha256_of(kvasir_seg_zip) in message
    assert "'verification_mode': 'no_checks'" in message and KVASIR_SEG.url in message
    assert not (tmp_path / "data" / "kvasir_seg" / "official" / "1.0.0").exists()


def test_unpublished_zip_in_manual_dir_is_pinned_on_first_use(
    sessile_complete_zip: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sessile_zip = sessile_complete_zip
    with caplog.at_level(logging.WARNING):
        builder = _build(
            "kvasir_sessile", tmp_path / "data", manual_dir=_alone(sessile_zip, tmp_path)
        )
    assert builder.info.splits["train"].num_examples == 196
    assert sha256_of(sessile_zip) in caplog.text and "trust on first use" in caplog.text


def test_capsule_zip_and_its_unknown_layout(capsule_zip: Path, tmp_path: Path) -> None:
    builder = _build("kvasir_capsule_seg", tmp_path / "data", manual_dir=capsule_zip.parent)
    examples = list(builder.as_data_source(split="train"))
    assert len(examples) == 10
    assert {e["video_id"] for e in examples} == {b"131368cc17e44240"}
    assert sorted(e["frame"] for e in examples) == list(range(28955, 28965))


def test_truncated_zip_in_manual_dir(dataset_name: str, make_archive, tmp_path: Path) -> None:
    # Truncated, whether or not a checksum is published: said so before any checksum.
    zip_path = make_archive(dataset_name, count=4)
    zip_path.write_bytes(zip_path.read_bytes()[: zip_path.stat().st_size // 2])
    with pytest.raises(ArchiveError, match="truncated"):
        _build(dataset_name, tmp_path / "data", manual_dir=zip_path.parent)


def test_a_layout_it_does_not_know(make_archive, tmp_path: Path) -> None:
    folder = make_archive("kvasir_seg", count=4, zipped=False)
    shutil.rmtree(folder / "Kvasir-SEG" / "masks")
    with pytest.raises(LayoutError, match="Kvasir-SEG"):
        _build("kvasir_seg", tmp_path / "data", manual_dir=folder)


def test_a_manual_dir_without_the_dataset(kvasir_seg_zip: Path, tmp_path: Path) -> None:
    with pytest.raises(LayoutError, match="kvasir-sessile.zip"):
        _build("kvasir_sessile", tmp_path / "data", manual_dir=_alone(kvasir_seg_zip, tmp_path))


# --------------------------------------------------------------------------- downloads


def test_download_from_a_mirror_is_verified_by_the_core(
    http_mirror: Path, make_archive, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    zip_path = make_archive("kvasir_sessile", complete=True, into=http_mirror)
    with caplog.at_level(logging.WARNING, logger="kvasir_seg_tfds"):
        builder = _build("kvasir_sessile", tmp_path / "data")
    assert builder.info.splits["train"].num_examples == 196
    assert sha256_of(zip_path) in caplog.text
    make_archive("kvasir_seg", count=4, into=http_mirror)
    with pytest.raises(ChecksumMismatchError, match=KVASIR_SEG.sha256):
        _build("kvasir_seg", tmp_path / "data")


def test_failed_download_says_how_to_use_manual_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Our downloader, not TFDS's (which retries for minutes): a refused connection fails
    # at once, with the URL to open in a browser and where to put the file.
    monkeypatch.setenv("KVASIR_SEG_MIRROR", "http://127.0.0.1:9/")
    with pytest.raises(DownloadError) as caught:
        _build("kvasir_seg", tmp_path / "data")
    message = str(caught.value)
    assert KVASIR_SEG.url in message and "Connection refused" in message
    assert "DownloadConfig(manual_dir=" in message and KVASIR_SEG.filename in message


def test_mask_values_are_zero_and_one(kvasir_seg_folder: Path, tmp_path: Path) -> None:
    builder = _build("kvasir_seg", tmp_path / "data", manual_dir=kvasir_seg_folder)
    for example in builder.as_data_source(split="validation"):
        mask = example["mask"]
        assert mask.dtype == np.uint8 and mask.shape == (example["height"], example["width"], 1)
        assert set(np.unique(mask)) <= {0, 1}
        boxes = example["bboxes"]["bbox"]
        assert len(boxes) and all(((b >= 0) & (b <= 1)).all() for b in boxes)


def test_zip_members_are_not_extracted(sessile_zip: Path, tmp_path: Path) -> None:
    _build("kvasir_sessile", tmp_path / "data", manual_dir=_alone(sessile_zip, tmp_path))
    leftovers = [p for p in (tmp_path / "data").rglob("*.jpg")]
    assert leftovers == []
    assert zipfile.is_zipfile(tmp_path / "manual" / sessile_zip.name)


def test_a_corrupt_member_fails_the_build_with_its_name(make_archive, tmp_path: Path) -> None:
    folder = make_archive("kvasir_seg", count=6, zipped=False)
    broken = sorted((folder / "Kvasir-SEG" / "masks").glob("*.jpg"))[3]
    broken.write_bytes(b"\xff\xd8 not a jpeg")
    with pytest.raises(ArchiveError, match=broken.stem):
        _build("kvasir_seg", tmp_path / "data", manual_dir=folder)
    assert not list((tmp_path / "data").rglob("*.array_record*"))
