"""The archive store from the command line: one path given once serves every later command,
Hugging Face and TFDS; offline failures are quick and say what to do; an install with one
backend runs the CLI."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

from kvasir_seg.catalog import KVASIR_SESSILE
from kvasir_seg.store import sha256_of

TFDS = importlib.util.find_spec("tensorflow_datasets") is not None


def _downloads(tmp_path: Path, zip_path: Path) -> Path:
    folder = tmp_path / "downloads"
    folder.mkdir()
    shutil.copy(zip_path, folder / zip_path.name)
    return folder


def test_one_data_dir_then_no_path_anywhere(
    sessile_complete_zip: Path,
    tmp_path: Path,
    kvasir_seg_cli,
    kvasir_seg_subprocess,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sessile_zip = sessile_complete_zip
    downloads = _downloads(tmp_path, sessile_zip)
    # A subprocess: the cache is built in its default place, $HF_HOME of the run.
    kvasir_seg_subprocess("prepare kvasir_sessile -q --data-dir", downloads)
    shown = kvasir_seg_cli("show kvasir_sessile -n 2 --json -q --out", tmp_path / "grid.png")
    assert shown.json()["ids"] and (tmp_path / "grid.png").is_file()
    status = kvasir_seg_cli("info kvasir_sessile --json").json()["status"]
    assert status["archives"] == [str(downloads / KVASIR_SESSILE.filename)]
    assert status["pin"]["source"] == "first-use" and status["pin"]["recorded_at"]
    assert status["pin"]["sha256"] == sha256_of(sessile_zip)
    assert [c["config"] for c in status["hf_caches"]] == ["default"]
    assert status["hf_caches"][0]["current"] and status["hf_caches"][0]["size_bytes"] > 0
    assert "recorded on first use" in kvasir_seg_cli("info kvasir_sessile").stdout

    # The same store, from Python: no path for Hugging Face nor for TFDS.
    monkeypatch.setenv("KVASIR_SEG_DATA", str(tmp_path / "home" / "archives"))
    from kvasir_seg_hf import load_dataset

    assert load_dataset("kvasir_sessile", split="train", cache_dir=tmp_path / "c").num_rows == 196
    if TFDS:
        import tensorflow_datasets as tfds

        import kvasir_seg_tfds  # noqa: F401

        builder = tfds.builder(
            "kvasir_sessile", data_dir=tmp_path / "tfds", file_format="array_record"
        )
        builder.download_and_prepare()
        assert builder.info.splits["train"].num_examples == 196


def test_offline_with_nothing_in_the_store_is_one_quick_error(
    tmp_path: Path, kvasir_seg_cli
) -> None:
    failed = kvasir_seg_cli("show kvasir_sessile --out", tmp_path / "x.png", ok=False)
    failed.assert_user_error(
        KVASIR_SESSILE.url,
        "in a browser",
        str(tmp_path / "home" / "archives" / "kvasir-sessile.zip"),
    )


def test_an_install_without_datasets_prepares_tfds_and_names_the_missing_extra(
    sessile_zip: Path, tmp_path: Path, kvasir_seg_subprocess
) -> None:
    downloads = _downloads(tmp_path, sessile_zip)
    assert "Kvasir-Sessile" in kvasir_seg_subprocess("info", hide=("datasets",)).stdout
    kvasir_seg_subprocess(
        "export kvasir_sessile --to",
        tmp_path / "out",
        "--data-dir",
        downloads,
        ok=False,
        hide=("datasets",),
    ).assert_user_error('pip install ".[hf]"')
    prepare = ("prepare kvasir_sessile -q --json --data-dir", downloads)
    if TFDS:
        report = kvasir_seg_subprocess(
            *prepare, "--file-format array_record", hide=("datasets",)
        ).json()
        assert [r["backend"] for r in report] == ["tfds"]
    kvasir_seg_subprocess(*prepare, "--backend hf", ok=False, hide=("datasets",)).assert_user_error(
        'pip install ".[hf]"'
    )


def test_an_install_without_tfds_prepares_hf_and_names_the_missing_extra(
    sessile_zip: Path, tmp_path: Path, kvasir_seg_subprocess
) -> None:
    downloads = _downloads(tmp_path, sessile_zip)
    hide = ("tensorflow", "tensorflow_datasets")
    report = kvasir_seg_subprocess(
        "prepare kvasir_sessile -q --json --data-dir", downloads, hide=hide
    )
    assert [r["backend"] for r in report.json()] == ["hf"]
    kvasir_seg_subprocess(
        "prepare kvasir_sessile --backend tfds --data-dir", downloads, ok=False, hide=hide
    ).assert_user_error('pip install ".[tfds]"')


def test_neither_backend_is_a_clear_error(
    sessile_zip: Path, tmp_path: Path, kvasir_seg_subprocess
) -> None:
    downloads = _downloads(tmp_path, sessile_zip)
    kvasir_seg_subprocess(
        "prepare kvasir_sessile --data-dir",
        downloads,
        ok=False,
        hide=("datasets", "tensorflow", "tensorflow_datasets"),
    ).assert_user_error("neither is installed")


def test_hostile_archives_are_one_error_line_on_the_command_line(
    make_archive, tmp_path: Path, kvasir_seg_cli, kvasir_seg_subprocess
) -> None:
    from hostile_files import patch_member

    archive = make_archive("kvasir_capsule_seg", count=3)
    import zipfile

    with zipfile.ZipFile(archive) as opened:
        member = sorted(n for n in opened.namelist() if "/images/" in n)[1]
    patch_member(archive, member, flags=0x1)
    kvasir_seg_cli(
        "show kvasir_capsule_seg --out", tmp_path / "x.png", "--data-dir", archive, ok=False
    ).assert_user_error(member, "encrypted")
    broken = make_archive("kvasir_sessile", count=6, zipped=False)
    victim = sorted((broken / "sessile-main-Kvasir-SEG" / "masks").iterdir())[4]
    victim.write_bytes(b"\xff\xd8 broken")
    # A subprocess: --num-proc forks, which the test process (threads, TensorFlow) should not.
    kvasir_seg_subprocess(
        "prepare kvasir_sessile --num-proc 2 --data-dir",
        broken,
        "--cache-dir",
        tmp_path / "c",
        ok=False,
    ).assert_user_error(victim.name, "cannot decode the image")
