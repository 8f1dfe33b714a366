"""One trust rule for every door (Hugging Face, TFDS, the command line, open_archive).

A zip that fails its checksum is read only once the user accepts it with checks skipped
(one warning, when it is accepted); from then on that same file is read everywhere without
the option, with one INFO line per process at most; any other copy that fails needs the
option again; a good copy replacing a bad one is read as verified. A failing local copy is
never answered with a network error.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import shutil
from pathlib import Path

import pytest

from kvasir_seg.archive import open_archive
from kvasir_seg.catalog import KVASIR_SEG, KVASIR_SESSILE
from kvasir_seg.errors import ChecksumError
from kvasir_seg.plan import resolve_archive
from kvasir_seg.store import default_store
from kvasir_seg_hf import load_dataset

NO_CHECKS = {"verification_mode": "no_checks"}
TFDS = importlib.util.find_spec("tensorflow_datasets") is not None
REFUSED = "http://127.0.0.1:9/"  # a download would fail with a connection error


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any download attempt fails fast (a DownloadError, which no test here expects)."""
    monkeypatch.setenv("KVASIR_SEG_MIRROR", REFUSED)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _accepted_lines(caplog: pytest.LogCaptureFixture, level: int = logging.WARNING) -> list[str]:
    """What our loggers said of an accepted copy, at ``level`` exactly."""
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno == level and r.name.startswith("kvasir_seg") and "accepted" in r.getMessage()
    ]


def _accept(spec, path: Path) -> None:
    """Accept the copy at ``path`` as a user does: open it once with checks skipped."""
    open_archive(spec, path, verify=False).close()


def test_a_copy_accepted_once_is_read_later_without_the_option(
    make_archive, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    bad = make_archive("kvasir_seg", count=6)
    cache = tmp_path / "cache"
    with pytest.raises(ChecksumError):
        load_dataset("kvasir_seg", data_dir=bad, cache_dir=cache)
    caplog.set_level(logging.INFO)
    built = load_dataset("kvasir_seg", data_dir=bad, cache_dir=cache, **NO_CHECKS)
    # No data_dir, no option: the accepted copy, from the store's record, not the network.
    again = load_dataset("kvasir_seg", cache_dir=cache)
    assert again["train"].cache_files == built["train"].cache_files
    for split in ("train", "validation"):  # more calls, more splits: still one line
        load_dataset("kvasir_seg", split=split, cache_dir=cache)
    assert len(_accepted_lines(caplog)) == 1  # when it was accepted
    assert len(_accepted_lines(caplog, logging.INFO)) == 1  # when it was read again
    copies = default_store().copies(KVASIR_SEG)
    assert [(c.identity, c.trust) for c in copies] == [(_sha(bad), "accepted")]


def test_the_lines_name_the_copy_and_its_checksum_and_are_short(
    make_archive, caplog: pytest.LogCaptureFixture
) -> None:
    bad = make_archive("kvasir_seg", count=4, seed=5)
    caplog.set_level(logging.INFO)
    _accept(KVASIR_SEG, bad)
    _accept(KVASIR_SEG, bad)
    resolve_archive(KVASIR_SEG)
    (warning,) = _accepted_lines(caplog)
    (info,) = _accepted_lines(caplog, logging.INFO)
    for line in (warning, info):
        assert str(bad) in line and _sha(bad) in line and KVASIR_SEG.sha256 in line
        assert len(line) < 300 + 2 * len(str(bad)) and "\n" not in line


def test_another_failing_copy_needs_the_option_again_and_never_the_network(
    make_archive, tmp_path: Path
) -> None:
    accepted = make_archive("kvasir_seg", count=4)
    _accept(KVASIR_SEG, accepted)
    other = make_archive("kvasir_seg", count=5, seed=9)
    with pytest.raises(ChecksumError) as caught:
        load_dataset("kvasir_seg", data_dir=other, cache_dir=tmp_path / "cache")
    message = str(caught.value)
    assert str(other) in message and f"found sha256 {_sha(other)}" in message
    assert f"expected sha256 {KVASIR_SEG.sha256}" in message and "no_checks" in message
    # The accepted file replaced in place by another failing one: a checksum error
    # naming it, not a download attempt.
    shutil.copy(other, accepted)
    with pytest.raises(ChecksumError, match=str(accepted)):
        load_dataset("kvasir_seg", cache_dir=tmp_path / "cache")


def test_a_good_copy_replacing_an_accepted_bad_one_is_read_as_verified(
    make_archive, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    good = make_archive("kvasir_sessile", complete=True)  # pinned on first use
    resolve_archive(KVASIR_SESSILE, good)
    mine = tmp_path / "mine" / KVASIR_SESSILE.filename
    mine.parent.mkdir()
    shutil.copy(make_archive("kvasir_sessile", count=5), mine)
    cache = tmp_path / "cache"
    bad_rows = load_dataset(
        "kvasir_sessile", split="train", data_dir=mine, cache_dir=cache, **NO_CHECKS
    )
    assert bad_rows.num_rows == 5
    shutil.copy(good, mine)
    caplog.clear()
    caplog.set_level(logging.WARNING)
    rows = load_dataset("kvasir_sessile", split="train", data_dir=mine, cache_dir=cache)
    assert rows.num_rows == 196 and rows.cache_files != bad_rows.cache_files
    assert not _accepted_lines(caplog)
    assert resolve_archive(KVASIR_SESSILE, mine).matches_pin


def test_tfds_reads_the_copy_hugging_face_accepted(make_archive, tmp_path: Path) -> None:
    tfds = pytest.importorskip("tensorflow_datasets")
    import kvasir_seg_tfds  # noqa: F401

    bad = make_archive("kvasir_seg", count=6)
    load_dataset("kvasir_seg", data_dir=bad, cache_dir=tmp_path / "cache", **NO_CHECKS)
    builder = tfds.builder("kvasir_seg", data_dir=tmp_path / "tfds", file_format="array_record")
    builder.download_and_prepare()  # no manual_dir, no option: the store's accepted copy
    assert builder.info.splits.total_num_examples == 6
    other = make_archive("kvasir_seg", count=3, seed=4)
    with pytest.raises(ChecksumError, match="no_checks"):
        tfds.builder(
            "kvasir_seg", data_dir=tmp_path / "tfds2", file_format="array_record"
        ).download_and_prepare(
            download_config=tfds.download.DownloadConfig(manual_dir=other.parent)
        )


def test_the_command_line_follows_the_same_rule(
    make_archive, tmp_path: Path, kvasir_seg_zip: Path, kvasir_seg_cli, kvasir_seg_subprocess
) -> None:
    # A subprocess: the cache is built in its default place, $HF_HOME of the run.
    kvasir_seg_subprocess(
        "prepare kvasir_seg --backend hf -q --no-verify --data-dir", kvasir_seg_zip
    )
    shown = kvasir_seg_cli("show kvasir_seg -n 2 --json -q --out", tmp_path / "grid.png")
    assert shown.json()["ids"]
    info = kvasir_seg_cli("info kvasir_seg --json").json()["status"]
    (copy,) = info["copies"]
    assert copy["path"] == str(kvasir_seg_zip) and copy["sha256"] == _sha(kvasir_seg_zip)
    assert copy["trust"].startswith("accepted")
    assert info["hf_caches"] and all(cache["current"] for cache in info["hf_caches"])
    other = make_archive("kvasir_seg", count=3, seed=4)
    kvasir_seg_cli(
        "show kvasir_seg -n 2 -q --data-dir", other, "--out", tmp_path / "x.png", ok=False
    ).assert_user_error(str(other), "--no-verify")


@pytest.mark.skipif(not TFDS, reason="TensorFlow Datasets is not installed")
def test_prepare_with_no_verify_prints_lines_that_work_as_printed(
    kvasir_seg_zip: Path, kvasir_seg_subprocess, python_beside_cli
) -> None:
    report = kvasir_seg_subprocess(
        "prepare kvasir_seg --backend all --no-verify -q --json --data-dir", kvasir_seg_zip
    ).json()
    lines = list(dict.fromkeys(entry["load"] for entry in report))
    assert len(lines) == 4  # two configs, two ecosystems
    for line in lines:
        ran = python_beside_cli(f"{line}\nprint(sorted(ds))")
        assert "train" in ran.stdout, (line, ran.stderr)
        assert "Traceback" not in ran.stderr and "DownloadError" not in ran.stderr


@pytest.mark.skipif(not TFDS, reason="TensorFlow Datasets is not installed")
def test_tfds_serves_a_build_from_an_accepted_copy_with_one_line(
    make_archive, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import tensorflow_datasets as tfds

    import kvasir_seg_tfds  # noqa: F401

    bad = make_archive("kvasir_seg", count=4)
    data = tmp_path / "tfds"
    first = tfds.builder(
        "kvasir_seg", data_dir=data, file_format="array_record", verification_mode="no_checks"
    )
    first.download_and_prepare(download_config=tfds.download.DownloadConfig(manual_dir=bad.parent))
    from kvasir_seg.logs import forget_warnings

    forget_warnings()  # as a new process would
    caplog.clear()
    caplog.set_level(logging.INFO)
    later = tfds.builder("kvasir_seg", data_dir=data, file_format="array_record")
    later.download_and_prepare()  # no option, no manual_dir: the accepted copy, served
    assert later.info.splits.total_num_examples == 4
    assert "accepted with checks skipped" in later.info.metadata["archive"]["check"]
    assert not _accepted_lines(caplog)  # no warning in a later process: one INFO line
    (line,) = _accepted_lines(caplog, logging.INFO)
    assert str(bad) in line and _sha(bad) in line
