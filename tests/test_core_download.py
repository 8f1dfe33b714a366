"""Downloading: verified, written through a .part file, clear errors with manual steps."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import pytest

from kvasir_seg.catalog import KVASIR_CAPSULE_SEG, KVASIR_SEG
from kvasir_seg.download import fetch_archive
from kvasir_seg.errors import ChecksumError, DownloadError
from kvasir_seg.resolve import resolve_path


def test_download_from_mirror_is_verified_and_renamed(
    http_mirror: Path, capsule_zip: Path, tmp_path: Path
) -> None:
    payload = capsule_zip.read_bytes()
    (http_mirror / KVASIR_CAPSULE_SEG.filename).write_bytes(payload)
    spec = replace(KVASIR_CAPSULE_SEG, sha256=hashlib.sha256(payload).hexdigest())
    path, downloaded = fetch_archive(spec, tmp_path / "cache", progress=False)
    assert downloaded
    assert path == tmp_path / "cache" / "kvasir-capsule-seg.zip"
    assert path.read_bytes() == payload
    assert not list((tmp_path / "cache").glob("*.part"))
    # A second call reuses the verified file without contacting the server.
    (http_mirror / KVASIR_CAPSULE_SEG.filename).unlink()
    assert fetch_archive(spec, tmp_path / "cache", progress=False) == (path, False)


def test_checksum_mismatch_leaves_nothing_behind(
    http_mirror: Path, kvasir_seg_zip: Path, tmp_path: Path
) -> None:
    (http_mirror / KVASIR_SEG.filename).write_bytes(kvasir_seg_zip.read_bytes())
    with pytest.raises(ChecksumError) as caught:
        fetch_archive(KVASIR_SEG, tmp_path / "cache", progress=False)
    assert KVASIR_SEG.sha256 in str(caught.value) and "no_checks" in str(caught.value)
    assert [p.name for p in (tmp_path / "cache").iterdir()] == ["kvasir-seg.zip.lock"]


def test_unreachable_server_says_what_to_download_and_where(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("KVASIR_SEG_MIRROR", "http://127.0.0.1:9/")  # discard port: refused
    with pytest.raises(DownloadError) as caught:
        fetch_archive(KVASIR_SEG, tmp_path, progress=False, timeout=5)
    message = str(caught.value)
    assert "http://127.0.0.1:9/kvasir-seg.zip" in message
    assert KVASIR_SEG.url in message and str(tmp_path / "kvasir-seg.zip") in message


def test_server_error_is_a_download_error(http_mirror: Path, tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match="HTTP 404"):
        fetch_archive(KVASIR_CAPSULE_SEG, tmp_path, progress=False)


def test_a_zip_without_a_published_checksum_is_identified_by_its_sha256(
    capsule_zip: Path,
) -> None:
    copy = resolve_path(KVASIR_CAPSULE_SEG, capsule_zip)
    assert copy.identity == hashlib.sha256(capsule_zip.read_bytes()).hexdigest()
    assert copy.trust == "unpinned" and "not pinned" in copy.check
