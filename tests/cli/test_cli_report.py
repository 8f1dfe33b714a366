"""``kvasir-seg report``: one self-contained HTML page that renders in a real browser."""

from __future__ import annotations

import base64
import io
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from kvasir_seg.app.grid import FALSE_NEGATIVE, FALSE_POSITIVE, TRUE_POSITIVE
from kvasir_seg.app.plots import SET_COLOURS
from kvasir_seg.app.report_page import TABLE_HEADER

pytest.importorskip("matplotlib")


class _Page(HTMLParser):
    """The tags, attributes and table rows of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "tr":
            self.rows.append([])
        if tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _parse(path: Path) -> tuple[str, _Page]:
    text = path.read_text(encoding="utf-8")
    page = _Page()
    page.feed(text)
    return text, page


def _pictures(page: _Page) -> list[np.ndarray]:
    found = []
    for tag, attrs in page.tags:
        if tag == "img":
            source = attrs["src"] or ""
            assert source.startswith("data:image/png;base64,"), source[:40]
            data = base64.b64decode(source.split(",", 1)[1])
            with Image.open(io.BytesIO(data)) as image:
                assert image.format == "PNG"
                assert [int(attrs["width"]), int(attrs["height"])] == list(image.size)
                found.append(np.asarray(image.convert("RGB")))
    return found


def _hex(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))


def _count(pixels: np.ndarray, colour: tuple[int, int, int], tolerance: int = 0) -> int:
    """How many pixels have ``colour`` (each channel within ``tolerance``)."""
    distance = np.abs(pixels.astype(int) - np.array(colour)).max(axis=-1)
    return int(np.count_nonzero(distance <= tolerance))


@pytest.fixture
def report_of_three_sets(test_dataset, tmp_path: Path, kvasir_seg_cli) -> tuple[Path, dict]:
    predictions = test_dataset.write_predictions(tmp_path / "results", shift=6)
    out = tmp_path / "report.html"
    summary = kvasir_seg_cli(
        "report --references",
        test_dataset.root,
        "--predictions",
        predictions,
        "--resize bilinear --worst 5 --json -q --out",
        out,
    ).json()
    return out, summary


def test_the_page_is_self_contained_with_every_section(report_of_three_sets, test_dataset) -> None:
    out, summary = report_of_three_sets
    assert summary["out"] == str(out) and summary["num_images"] == 19
    text, page = _parse(out)
    assert text.startswith("<!DOCTYPE html>")
    # Nothing to fetch: no script, stylesheet link, frame or remote address anywhere.
    assert not re.search(r"https?://|<script|<link|<iframe|url\(", text, re.IGNORECASE)
    for tag, attrs in page.tags:
        for name in ("src", "href"):
            assert (attrs.get(name) or "data:").startswith("data:"), (tag, attrs)
    histogram, curve, gallery = _pictures(page)
    for picture in (histogram, curve):
        assert _count(picture, _hex(SET_COLOURS[0])) > 100  # the first set's colour
        assert _count(picture, _hex(SET_COLOURS[2])) > 100  # the third set's
    # The worst five images, drawn as `show` draws them.
    for colour in (TRUE_POSITIVE, FALSE_POSITIVE, FALSE_NEGATIVE):
        assert _count(gallery, colour) > 100, colour
    assert gallery.shape[1] == 4 * 200

    headings = [row for row in page.rows if row and row[0] == "set"]
    assert len(headings) == 3  # default scores, PraNet scores, every image
    default_rows = page.rows[1:6]
    assert [row[0] for row in default_rows] == [
        "CVC-300",
        "ETIS",
        "Kvasir",
        "mean over sets",
        "all images",
    ]
    assert re.fullmatch(r"0\.\d{3} ± 0\.\d{3}", default_rows[0][2])
    images = page.rows[-19:]
    assert {(row[0], row[1]) for row in images} == {
        (name, image_id) for name, masks in test_dataset.masks.items() for image_id in masks
    }
    dice = [float(row[2]) for row in images]
    assert dice == sorted(dice)  # worst first


def test_a_dataset_split_shows_its_own_images(
    capsule_zip: Path, tmp_path: Path, kvasir_seg_cli, ground_truth, write_masks
) -> None:
    truth = ground_truth(capsule_zip, "kvasir_capsule_seg")
    folder = write_masks(
        tmp_path / "predictions", {i: np.roll(m, 7, axis=0) for i, m in truth.items()}
    )
    out = tmp_path / "capsule.html"
    printed = kvasir_seg_cli(
        "report --dataset kvasir_capsule_seg --split train --data-dir",
        capsule_zip,
        "--predictions",
        folder,
        "--worst 3 -q --out",
        out,
    ).stdout
    assert printed.startswith(f"wrote {out}") and "10 images" in printed
    text, page = _parse(out)
    assert "kvasir_capsule_seg / default / train" in text
    gallery = _pictures(page)[2]
    assert gallery.shape[1] == 3 * 200


def test_without_matplotlib_the_command_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    from kvasir_seg.app.cli import main

    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib` fails
    status = main(
        [
            "report",
            "--references",
            str(tmp_path),
            "--predictions",
            str(tmp_path),
            "--out",
            str(tmp_path / "r.html"),
        ]
    )
    assert status == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith(
        "kvasir-seg: error: matplotlib, needed for the report's plots, is not installed"
    )
    assert 'pip install ".[report]"' in error
    assert not (tmp_path / "r.html").exists()


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_the_page_renders_in_headless_chromium(report_of_three_sets, tmp_path: Path) -> None:
    out, _ = report_of_three_sets
    screenshot = tmp_path / "screenshot.png"
    profile = tmp_path / "chromium-profile"
    profile.mkdir()
    width, height = 1100, 2600
    completed = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
            f"--user-data-dir={profile}",
            f"--screenshot={screenshot}",
            f"--window-size={width},{height}",
            out.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert screenshot.is_file(), completed.stderr[-2000:]
    with Image.open(screenshot) as image:
        assert image.size == (width, height)
        pixels = np.asarray(image.convert("RGB"))
    assert pixels.std() > 20, "the screenshot is blank"
    assert _count(pixels, (255, 255, 255)) > 0.3 * width * height  # the white page
    assert _count(pixels, _hex(TABLE_HEADER)) > 5000  # the tables' header rows
    assert _count(pixels, _hex(SET_COLOURS[0]), tolerance=2) > 100  # the plots drawn
    assert _count(pixels, _hex(SET_COLOURS[1]), tolerance=2) > 100
    assert _count(pixels, TRUE_POSITIVE, tolerance=2) > 100  # the gallery drawn
