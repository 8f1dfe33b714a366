"""Shared fixtures: synthetic archives in the real layouts, and a local HTTP server.

Everything here is offline: archives are written by :mod:`kvasir_seg.testing`, and
downloads go to a server on 127.0.0.1 through the ``KVASIR_SEG_MIRROR`` variable.
"""

from __future__ import annotations

import functools
import http.server
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kvasir_seg.testing import write_archive

from archives import complete_archive
from local_servers import serving


@pytest.fixture(scope="session")
def kvasir_seg_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 12-example synthetic Kvasir-SEG zip (real ids, sizes, noisy RGB JPEG masks)."""
    return write_archive("kvasir_seg", tmp_path_factory.mktemp("kvasir_seg"), count=12)


@pytest.fixture(scope="session")
def kvasir_seg_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same 12 examples as :func:`kvasir_seg_zip`, extracted."""
    return write_archive(
        "kvasir_seg", tmp_path_factory.mktemp("kvasir_seg_dir"), count=12, zipped=False
    )


@pytest.fixture(scope="session")
def sessile_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_archive("kvasir_sessile", tmp_path_factory.mktemp("sessile"), count=8)


@pytest.fixture(scope="session")
def sessile_complete_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """All 196 Kvasir-Sessile examples (small images): a copy that is pinned on first use."""
    return complete_archive("kvasir_sessile", tmp_path_factory.mktemp("sessile_complete"))


@pytest.fixture(scope="session")
def capsule_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_archive("kvasir_capsule_seg", tmp_path_factory.mktemp("capsule"), count=10)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture
def http_mirror(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A folder served on 127.0.0.1 and set as ``KVASIR_SEG_MIRROR``; put zips in it."""
    root = tmp_path / "mirror"
    root.mkdir()
    with serving(functools.partial(_QuietHandler, directory=str(root))) as url:
        monkeypatch.setenv("KVASIR_SEG_MIRROR", url)
        yield root


README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.fixture(scope="session")
def readme_code() -> Callable[[str], list[str]]:
    """``readme_code("PyTorch")``: the ```python blocks of that README section, in order."""

    def blocks(section: str) -> list[str]:
        text = README.read_text(encoding="utf-8")
        start = text.index(f"\n## {section}\n")
        end = text.find("\n## ", start + 1)
        body = text[start : end if end != -1 else None]
        return [block.split("```", 1)[0] for block in body.split("```python\n")[1:]]

    return blocks


@pytest.fixture(scope="session")
def fresh_python() -> Callable[[str], str]:
    """``fresh_python(script)``: run ``script`` in a new interpreter, return its stdout.

    For what one process cannot show, e.g. which modules an import pulls in.
    """

    def run(script: str) -> str:
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    return run
