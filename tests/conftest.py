"""Shared fixtures: synthetic archives in the real layouts, and a local HTTP server.

Everything here is offline: archives are written by :mod:`kvasir_seg.testing` (through
:func:`make_archive`), and downloads go to a server on 127.0.0.1 through the
``KVASIR_SEG_MIRROR`` variable. What must hold for every dataset of the catalog takes
:func:`dataset_name`.
"""

from __future__ import annotations

import functools
import http.server
import json
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kvasir_seg.catalog import DATASETS, DatasetSpec, get_spec
from kvasir_seg.testing import write_archive

from local_servers import serving

#: The image sizes of a complete archive, so that 196 or 1000 examples are quick to write.
SMALL_SIZES = [(48, 40), (56, 44), (40, 36)]

#: ``make_archive(dataset, *, count=None, seed=0, zipped=True, complete=False, into=None,
#: **layout_options) -> Path``: see :func:`make_archive`.
ArchiveFactory = Callable[..., Path]


@pytest.fixture(scope="session")
def make_archive(tmp_path_factory: pytest.TempPathFactory) -> ArchiveFactory:
    """``make_archive("kvasir_seg", count=6)``: write a synthetic archive, return its path.

    Each archive goes into a fresh temporary folder (so tests never collide on paths, and
    the folder holds nothing else), or into ``into`` (e.g. a folder served as a mirror).
    The zip, named as the official one, when ``zipped``; else the folder it extracts to.
    ``complete=True`` writes the catalog's full number of examples at small sizes, and
    pads a zip to the size its dataset page states (a stored member of zeros, which the
    reader ignores): only such a copy is pinned on first use. Other options
    (``layout``, ``box_file``, ``sizes``, ``junk``) go to
    :func:`kvasir_seg.testing.write_archive`.
    """

    def make(
        dataset: str | DatasetSpec,
        *,
        count: int | None = None,
        seed: int = 0,
        zipped: bool = True,
        complete: bool = False,
        into: Path | None = None,
        **layout_options: object,
    ) -> Path:
        spec = get_spec(dataset) if isinstance(dataset, str) else dataset
        if complete:
            assert count is None, "a complete archive has the catalog's number of examples"
            count = spec.expected_examples
            layout_options = {"sizes": SMALL_SIZES, **layout_options}
        folder = tmp_path_factory.mktemp(spec.name) if into is None else into
        path = write_archive(spec, folder, count=count, seed=seed, zipped=zipped, **layout_options)
        if complete and zipped and spec.stated_mib is not None:
            pad_to(path, round(spec.stated_mib * 2**20))
        return path

    return make


def pad_to(path: Path, size: int) -> None:
    """Add a stored member of zeros to the zip at ``path`` so that it is ``size`` bytes."""
    name = "padding.bin"
    overhead = 2 * (30 + len(name)) + 16 + 22  # local header, central entry, extra slack
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr(name, bytes(max(0, size - path.stat().st_size - overhead)))


@pytest.fixture(scope="module", params=list(DATASETS))
def dataset_name(request: pytest.FixtureRequest) -> str:
    """Each dataset of the catalog in turn, for what must hold for every one of them.

    Module-scoped, so that a module's fixtures may build on it (one archive per dataset).
    """
    return request.param


@pytest.fixture(scope="session")
def kvasir_seg_zip(make_archive: ArchiveFactory) -> Path:
    """A 12-example synthetic Kvasir-SEG zip (real ids, sizes, noisy RGB JPEG masks)."""
    return make_archive("kvasir_seg", count=12)


@pytest.fixture(scope="session")
def kvasir_seg_folder(make_archive: ArchiveFactory) -> Path:
    """The same 12 examples as :func:`kvasir_seg_zip`, extracted."""
    return make_archive("kvasir_seg", count=12, zipped=False)


@pytest.fixture(scope="session")
def sessile_zip(make_archive: ArchiveFactory) -> Path:
    return make_archive("kvasir_sessile", count=8)


@pytest.fixture(scope="session")
def sessile_complete_zip(make_archive: ArchiveFactory) -> Path:
    """All 196 Kvasir-Sessile examples (small images): a copy that is pinned on first use."""
    return make_archive("kvasir_sessile", complete=True)


@pytest.fixture(scope="session")
def capsule_zip(make_archive: ArchiveFactory) -> Path:
    return make_archive("kvasir_capsule_seg", count=10)


def _store_files(store: Path) -> dict[str, object]:
    """Every JSON file of the archive store at ``store`` (records, pins), by its path there."""
    return {
        path.relative_to(store).as_posix(): json.loads(path.read_text())
        for path in sorted(store.rglob("*.json"))
        if "unpacked" not in path.relative_to(store).parts
    }


@pytest.fixture(scope="session")
def store_files() -> Callable[[Path], dict[str, object]]:
    """``store_files(store)``: the store's JSON files (records, pins) by their path in the
    store, to compare before and after a call: reading must write nothing."""
    return _store_files


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture
def http_mirror(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A folder served on 127.0.0.1 and set as ``KVASIR_SEG_MIRROR``; put zips in it
    (``make_archive(name, into=http_mirror)``)."""
    root = tmp_path / "mirror"
    root.mkdir()
    with serving(functools.partial(_QuietHandler, directory=str(root))) as url:
        monkeypatch.setenv("KVASIR_SEG_MIRROR", url)
        yield root


ROOT = Path(__file__).resolve().parents[1]


def code_blocks(document: str, section: str) -> list[str]:
    """The ```python blocks of one section of a document of the checkout, in order.

    ``document`` is a path from the root (``"README.md"``, ``"docs/pytorch.md"``);
    ``section`` a heading's text, at any level: its section runs to the next heading of the
    same or a higher level, so ``"PyTorch"`` (a ``#`` title) is the whole document.
    """
    lines = (ROOT / document).read_text(encoding="utf-8").splitlines(keepends=True)
    headings = [
        (index, len(line) - len(line.lstrip("#")), line.lstrip("#").strip())
        for index, line in enumerate(lines)
        if line.startswith("#") and line.lstrip("#").startswith(" ")
    ]
    fences = {index for index, line in enumerate(lines) if line.startswith("```")}
    headings = [h for h in headings if sum(f < h[0] for f in fences) % 2 == 0]  # not in code
    found = [(index, level) for index, level, text in headings if text == section]
    assert len(found) == 1, f"{document} has {len(found)} sections titled {section!r}"
    start, level = found[0]
    end = min((i for i, lv, _ in headings if i > start and lv <= level), default=len(lines))
    body = "".join(lines[start:end])
    return [block.split("```", 1)[0] for block in body.split("```python\n")[1:]]


@pytest.fixture(scope="session")
def snippets() -> Callable[[str, str], list[str]]:
    """``snippets("docs/pytorch.md", "PyTorch")``: that section's ```python blocks, in order
    (see :func:`code_blocks`). The tests run them verbatim on the synthetic archives."""
    return code_blocks


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
