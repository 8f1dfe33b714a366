"""The archive store, downloads that are never served half-done, caches tied to the archive.

Servers run on 127.0.0.1 only; every test has its own store (``$KVASIR_SEG_DATA``).
"""

from __future__ import annotations

import http.server
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kvasir_seg.archive import open_archive
from kvasir_seg.catalog import KVASIR_CAPSULE_SEG, KVASIR_SESSILE
from kvasir_seg.download import fetch_archive
from kvasir_seg.errors import ChecksumError, DownloadError
from kvasir_seg.plan import resolve_archive
from kvasir_seg.store import ArchiveStore, default_store, sha256_of

from local_servers import serving


class _Server:
    """Serves ``files``; ``mode``: ok, cut (half the body), nolength-cut, slow."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.mode = "ok"
        self.gets: list[str] = []
        self.url = ""


def _handler(state: _Server) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

        def do_GET(self) -> None:  # noqa: N802
            name = self.path.lstrip("/")
            state.gets.append(name)
            if name not in state.files:
                self.send_error(404)
                return
            body = state.files[name]
            self.send_response(200)
            if state.mode != "nolength-cut":
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if state.mode in ("cut", "nolength-cut"):
                body = body[: len(body) // 2]
            if state.mode == "slow":
                for start in range(0, len(body), 4096):
                    self.wfile.write(body[start : start + 4096])
                    time.sleep(0.01)
                return
            self.wfile.write(body)

    return Handler


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Server]:
    state = _Server()
    with serving(_handler(state)) as url:
        state.url = url
        monkeypatch.setenv("KVASIR_SEG_MIRROR", url)
        yield state


@pytest.fixture
def capsule_bytes(make_archive) -> bytes:
    return make_archive("kvasir_capsule_seg", count=4).read_bytes()


# ----------------------------------------------------------------------------- downloads


def test_a_transfer_cut_short_without_a_length_is_never_complete(
    server: _Server, capsule_bytes: bytes, archive_store: Path
) -> None:
    server.files = {KVASIR_CAPSULE_SEG.filename: capsule_bytes}
    server.mode = "nolength-cut"
    with pytest.raises(DownloadError, match="not a complete kvasir-capsule-seg.zip"):
        fetch_archive(KVASIR_CAPSULE_SEG, progress=False)
    assert not (archive_store / KVASIR_CAPSULE_SEG.filename).exists()
    assert default_store().pin(KVASIR_CAPSULE_SEG) is None  # nothing pinned from half a file


def test_a_transfer_cut_short_with_a_length_is_never_complete(
    server: _Server, capsule_bytes: bytes, archive_store: Path
) -> None:
    server.files = {KVASIR_CAPSULE_SEG.filename: capsule_bytes}
    server.mode = "cut"
    with pytest.raises(DownloadError, match=f"stopped after {len(capsule_bytes) // 2} of"):
        fetch_archive(KVASIR_CAPSULE_SEG, progress=False)
    assert not (archive_store / KVASIR_CAPSULE_SEG.filename).exists()


def test_a_download_into_another_store_is_pinned_and_remembered_there(
    server: _Server, make_archive, tmp_path: Path
) -> None:
    """``store=`` is the store checked and the one written: the default store stays empty."""
    complete = make_archive("kvasir_capsule_seg", complete=True)
    server.files = {KVASIR_CAPSULE_SEG.filename: complete.read_bytes()}
    other = ArchiveStore(tmp_path / "other")
    path, downloaded = fetch_archive(KVASIR_CAPSULE_SEG, progress=False, store=other)
    assert downloaded and path == other.archive_path(KVASIR_CAPSULE_SEG)
    assert other.pin(KVASIR_CAPSULE_SEG).sha256 == sha256_of(path)
    assert [c.path for c in other.copies(KVASIR_CAPSULE_SEG)] == [str(path.resolve())]
    assert default_store().pin(KVASIR_CAPSULE_SEG) is None
    assert default_store().copies(KVASIR_CAPSULE_SEG) == []


@pytest.mark.parametrize("damage", ["empty", "truncated", "html"])
def test_a_broken_file_in_place_is_not_present_but_downloaded_again(
    server: _Server, capsule_bytes: bytes, archive_store: Path, damage: str
) -> None:
    server.files = {KVASIR_CAPSULE_SEG.filename: capsule_bytes}
    broken = {
        "empty": b"",
        "truncated": capsule_bytes[: len(capsule_bytes) // 3],
        "html": b"<html>502 Bad Gateway</html>",
    }[damage]
    (archive_store / KVASIR_CAPSULE_SEG.filename).write_bytes(broken)
    path, _ = fetch_archive(KVASIR_CAPSULE_SEG, progress=False)
    assert path.read_bytes() == capsule_bytes and server.gets == [KVASIR_CAPSULE_SEG.filename]


def test_two_processes_downloading_one_archive_give_one_correct_file(
    server: _Server, capsule_bytes: bytes, archive_store: Path
) -> None:
    server.files = {KVASIR_CAPSULE_SEG.filename: capsule_bytes}
    server.mode = "slow"
    command = [sys.executable, "-m", "kvasir_seg", "download", "kvasir_capsule_seg", "-q", "--json"]
    processes = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [process.communicate(timeout=300) for process in processes]
    assert [process.returncode for process in processes] == [0, 0], outputs
    statuses = sorted(json.loads(out)[0]["status"] for out, _ in outputs)
    assert statuses == ["downloaded", "present"]
    assert server.gets == [KVASIR_CAPSULE_SEG.filename]  # one transfer; the other waited
    assert (archive_store / KVASIR_CAPSULE_SEG.filename).read_bytes() == capsule_bytes
    assert not list(archive_store.glob("*.part"))


# ----------------------------------------------------------------------------- pins


def test_first_use_pins_and_a_later_different_file_is_refused(
    server: _Server, make_archive
) -> None:
    first = make_archive("kvasir_sessile", complete=True)
    server.files = {KVASIR_SESSILE.filename: first.read_bytes()}
    resolve_archive(KVASIR_SESSILE, progress=False)
    pin = default_store().pin(KVASIR_SESSILE)
    assert pin is not None and pin.source == "first-use" and pin.sha256 == sha256_of(first)
    assert pin.recorded_at and pin.size_bytes == first.stat().st_size

    second = make_archive("kvasir_sessile", complete=True, seed=1)
    with pytest.raises(ChecksumError) as caught:
        resolve_archive(KVASIR_SESSILE, second)
    message = str(caught.value)
    assert f"expected sha256 {sha256_of(first)}" in message
    assert f"found sha256 {sha256_of(second)}" in message
    assert "recorded on first use" in message and "--forget-pin" in message
    # A forced download of a different file is refused as well, and leaves no .part.
    server.files = {KVASIR_SESSILE.filename: second.read_bytes()}
    with pytest.raises(ChecksumError):
        fetch_archive(KVASIR_SESSILE, progress=False, force=True)
    default_store().forget(KVASIR_SESSILE)
    assert resolve_archive(KVASIR_SESSILE, second).identity == sha256_of(second)


def test_a_zip_read_once_through_data_dir_is_found_again_without_it(
    sessile_complete_zip: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KVASIR_SEG_MIRROR", "http://127.0.0.1:9/")  # nothing to download
    with open_archive(KVASIR_SESSILE, sessile_complete_zip.parent) as opened:
        first = opened.path
    again = resolve_archive(KVASIR_SESSILE)
    assert again.path == first == sessile_complete_zip
    assert again.identity == sha256_of(sessile_complete_zip) and again.matches_pin


def test_a_copy_judged_but_not_read_is_not_remembered(
    sessile_complete_zip: Path, monkeypatch: pytest.MonkeyPatch, archive_store: Path
) -> None:
    monkeypatch.setenv("KVASIR_SEG_MIRROR", "http://127.0.0.1:9/")
    assert resolve_archive(KVASIR_SESSILE, sessile_complete_zip).trust == "unpinned"
    with pytest.raises(DownloadError):
        resolve_archive(KVASIR_SESSILE)
    assert not (archive_store / "records").exists()


def test_offline_without_any_archive_fails_at_once_with_what_to_do(
    monkeypatch: pytest.MonkeyPatch, archive_store: Path
) -> None:
    monkeypatch.setenv("KVASIR_SEG_MIRROR", "http://127.0.0.1:9/")
    with pytest.raises(DownloadError) as caught:
        resolve_archive(KVASIR_SESSILE, progress=False)
    message = str(caught.value)
    assert KVASIR_SESSILE.url in message and "in a browser" in message
    assert str(archive_store / KVASIR_SESSILE.filename) in message


def test_an_unwritable_store_only_warns(
    sessile_complete_zip: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog
) -> None:
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the store folder should be")
    monkeypatch.setenv("KVASIR_SEG_DATA", str(blocked / "store"))
    with open_archive(KVASIR_SESSILE, sessile_complete_zip) as opened:  # read whole: remembered
        assert len(opened.ids) == 196
    assert "cannot write the archive store" in caplog.text
