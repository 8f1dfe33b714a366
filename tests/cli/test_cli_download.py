"""``kvasir-seg download`` against a local HTTP server on 127.0.0.1 (never the internet)."""

from __future__ import annotations

import hashlib
import http.server
from collections.abc import Iterator
from pathlib import Path

import pytest

from kvasir_seg.catalog import DATASETS, KVASIR_CAPSULE_SEG, KVASIR_SEG, KVASIR_SESSILE

from local_servers import serving


class _Mirror:
    """What the server serves, how it misbehaves, and what it was asked."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.mode = "ok"  # "ok", "cut" (stop half-way), "error" (HTTP 500)
        self.requests: list[tuple[str, str | None]] = []
        self.url = ""


class _Handler(http.server.BaseHTTPRequestHandler):
    mirror: _Mirror

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:  # noqa: N802
        mirror = self.mirror
        name = self.path.lstrip("/")
        mirror.requests.append((name, self.headers.get("Range")))
        if mirror.mode == "error":
            self.send_error(500, "Internal Server Error")
            return
        if name not in mirror.files:
            self.send_error(404)
            return
        payload = mirror.files[name]
        start = int(self.headers["Range"][6:].rstrip("-")) if self.headers.get("Range") else 0
        self.send_response(206 if start else 200)
        if start:
            self.send_header("Content-Range", f"bytes {start}-{len(payload) - 1}/{len(payload)}")
        self.send_header("Content-Length", str(len(payload) - start))
        self.end_headers()
        body = payload[start:]
        if mirror.mode == "cut":
            body = body[: len(body) // 2]
        self.wfile.write(body)


@pytest.fixture
def mirror(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Mirror]:
    """A threaded server on 127.0.0.1, set as ``KVASIR_SEG_MIRROR`` for the command."""
    state = _Mirror()
    with serving(type("Handler", (_Handler,), {"mirror": state})) as url:
        state.url = url
        monkeypatch.setenv("KVASIR_SEG_MIRROR", url)
        yield state


def test_download_verifies_renames_and_reuses(
    mirror: _Mirror,
    sessile_complete_zip: Path,
    make_archive,
    tmp_path: Path,
    kvasir_seg_cli,
) -> None:
    mirror.files = {
        KVASIR_SESSILE.filename: sessile_complete_zip.read_bytes(),
        KVASIR_CAPSULE_SEG.filename: make_archive("kvasir_capsule_seg", complete=True).read_bytes(),
    }
    target = tmp_path / "zips"
    report = kvasir_seg_cli(
        "download", "kvasir_sessile", "kvasir-capsule-seg", "--to", target, "--json"
    ).json()
    assert [r["name"] for r in report] == ["kvasir_sessile", "kvasir_capsule_seg"]
    for entry in report:
        payload = mirror.files[Path(entry["path"]).name]
        assert Path(entry["path"]).read_bytes() == payload
        assert entry["status"] == "downloaded" and entry["size_bytes"] == len(payload)
        assert entry["sha256"] == hashlib.sha256(payload).hexdigest()
        # No published checksum: the first complete download is pinned (trust on first use).
        assert entry["verified"] is True and entry["pin"] == "first-use" and entry["pinned_at"]
    assert not list(target.glob("*.part"))
    asked = len(mirror.requests)

    text = kvasir_seg_cli("download", "kvasir_sessile", "--to", target).stdout
    assert "present" in text and "matches the pin recorded" in text
    assert len(mirror.requests) == asked, "a complete file is reused without a request"
    again = kvasir_seg_cli("download", "kvasir_sessile", "--to", target, "--force", "--json")
    assert again.json()[0]["status"] == "downloaded" and len(mirror.requests) == asked + 1


def test_checksum_mismatch_keeps_nothing_unless_told(
    mirror: _Mirror, kvasir_seg_zip: Path, tmp_path: Path, kvasir_seg_cli
) -> None:
    mirror.files = {KVASIR_SEG.filename: kvasir_seg_zip.read_bytes()}
    target = tmp_path / "zips"
    failed = kvasir_seg_cli("download", "kvasir_seg", "--to", target, ok=False)
    failed.assert_user_error(f"expected sha256 {KVASIR_SEG.sha256}", "--no-verify")
    assert [p.name for p in target.iterdir()] == [f"{KVASIR_SEG.filename}.lock"]

    kept = kvasir_seg_cli("download", "kvasir_seg", "--to", target, "--no-verify")
    assert "DOES NOT MATCH" in kept.stdout
    assert (target / KVASIR_SEG.filename).read_bytes() == kvasir_seg_zip.read_bytes()


def test_interrupted_download_resumes_where_it_stopped(
    mirror: _Mirror, sessile_zip: Path, tmp_path: Path, kvasir_seg_cli
) -> None:
    payload = sessile_zip.read_bytes()
    mirror.files = {KVASIR_SESSILE.filename: payload}
    mirror.mode = "cut"
    target = tmp_path / "zips"
    kvasir_seg_cli("download", "kvasir_sessile", "--to", target, ok=False).assert_user_error(
        "Run the same command again to resume"
    )
    partial = target / (KVASIR_SESSILE.filename + ".part")
    assert partial.read_bytes() == payload[: len(payload) // 2]
    assert not (target / KVASIR_SESSILE.filename).exists()

    mirror.mode = "ok"
    kvasir_seg_cli("download", "kvasir_sessile", "--to", target)
    assert mirror.requests[-1] == (KVASIR_SESSILE.filename, f"bytes={len(payload) // 2}-")
    assert (target / KVASIR_SESSILE.filename).read_bytes() == payload
    assert not partial.exists()


def test_server_error_says_what_to_download_by_hand_and_where(
    mirror: _Mirror, tmp_path: Path, kvasir_seg_cli
) -> None:
    mirror.mode = "error"
    target = tmp_path / "zips"
    result = kvasir_seg_cli("download", "all", "--to", target, "--json", ok=False)
    assert result.returncode == 1
    assert [entry["status"] for entry in result.json()] == ["failed"] * len(DATASETS)
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert len(errors) == len(DATASETS) and "Traceback" not in result.stderr
    assert "HTTP 500" in errors[0] and f"{mirror.url}{KVASIR_SEG.filename}" in errors[0]
    assert f"open {KVASIR_SEG.url} in a browser" in errors[0]
    assert str(target / KVASIR_SEG.filename) in errors[0]


def test_download_counts_the_copy_the_store_holds_and_says_where_offline(
    make_archive, store_files, tmp_path: Path, kvasir_seg_cli
) -> None:
    """After a load through --data-dir, `download` needs no network: it names the copy."""
    copy = make_archive("kvasir_capsule_seg", complete=True)
    kvasir_seg_cli("show kvasir_capsule_seg -n 2 -q --data-dir", copy, "--out", tmp_path / "x.png")
    store = tmp_path / "home" / "archives"
    before = store_files(store)
    (entry,) = kvasir_seg_cli("download kvasir_capsule_seg --json").json()
    assert entry["status"] == "present" and entry["path"] == str(copy) and entry["verified"]
    assert entry["sha256"] == hashlib.sha256(copy.read_bytes()).hexdigest()
    assert str(copy) in kvasir_seg_cli("download kvasir_capsule_seg").stdout
    assert store_files(store) == before
    assert not (store / KVASIR_CAPSULE_SEG.filename).exists()  # nothing fetched, nothing copied
