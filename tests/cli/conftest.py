"""Fixtures of the ``kvasir-seg`` command tests: run it in a subprocess, write predictions.

Every run is isolated: the Hugging Face home, the default archive folder and the TFDS
data are inside the test's temporary folder, the Hub is offline, and the download mirror
points at a closed local port unless a test serves one (nothing reaches the internet).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from kvasir_seg.archive import open_archive

REFUSED = "http://127.0.0.1:9/"  # the discard port: connection refused

#: Runs the command with some top-level packages made unimportable, as on an install that
#: lacks them (patching the path finder: ``sys.modules[name] = None`` would fool TFDS).
_HIDING_MAIN = """
import importlib.machinery, json, sys
hidden = set(json.loads(sys.argv.pop(1)))
original = importlib.machinery.PathFinder.find_spec
def find_spec(cls, name, path=None, target=None):
    return None if name.partition(".")[0] in hidden else original(name, path, target)
importlib.machinery.PathFinder.find_spec = classmethod(find_spec)
from kvasir_seg.app.cli import main
sys.exit(main(sys.argv[1:]))
"""


@dataclass
class Result:
    """What one run of ``kvasir-seg`` returned."""

    returncode: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)

    def assert_user_error(self, *fragments: str) -> str:
        """Non-zero status, no traceback, one ``error:`` line holding every fragment."""
        assert self.returncode != 0, self.stdout
        assert "Traceback" not in self.stderr, self.stderr
        errors = [line for line in self.stderr.splitlines() if ": error: " in line]
        assert len(errors) == 1, self.stderr
        for fragment in fragments:
            assert fragment in errors[0], errors[0]
        return errors[0]


Runner = Callable[..., Result]


@pytest.fixture
def kvasir_seg_cli(tmp_path: Path) -> Runner:
    """``kvasir_seg_cli(*args, ok=True)``: run ``python -m kvasir_seg`` in a subprocess.

    String arguments are split on whitespace (``"show kvasir_seg -n 4"``); anything else
    (paths, numbers) is one argument. With ``ok=True`` the run must succeed; ``ok=False``
    returns failures for the test to look at. ``hide=("datasets",)`` runs it as on an
    install without those packages.
    """
    home = tmp_path / "home"

    def run(*args: object, ok: bool = True, hide: tuple[str, ...] = ()) -> Result:
        env = {
            **os.environ,
            "HF_HOME": str(home / "huggingface"),
            "HF_HUB_OFFLINE": "1",
            "KVASIR_SEG_DATA": str(home / "archives"),
            "TFDS_DATA_DIR": str(home / "tensorflow_datasets"),
            "TF_CPP_MIN_LOG_LEVEL": "3",
            "KVASIR_SEG_MIRROR": os.environ.get("KVASIR_SEG_MIRROR", REFUSED),
        }
        entry = ["-c", _HIDING_MAIN, json.dumps(hide)] if hide else ["-m", "kvasir_seg"]
        completed = subprocess.run(
            [sys.executable, *entry, *_words(args)],
            capture_output=True,
            text=True,
            env=env,
            timeout=600,
        )
        result = Result(completed.returncode, completed.stdout, completed.stderr)
        if ok:
            assert result.returncode == 0, result.stderr
            assert "Traceback" not in result.stderr, result.stderr
        return result

    return run


def _words(args: tuple[object, ...]) -> list[str]:
    return [word for arg in args for word in (arg.split() if isinstance(arg, str) else [str(arg)])]


def _ground_truth(
    archive: Path, dataset: str, config: str | None = None, split: str = "train"
) -> dict[str, np.ndarray]:
    """The bool masks of one split, read through the core reader."""
    with open_archive(dataset, archive) as opened:
        ids = opened.assign_splits(config)[split]
        return {example.image_id: example.mask for example in opened.examples(ids)}


def _write_masks(folder: Path, masks: dict[str, np.ndarray], suffix: str = ".png") -> Path:
    """Save bool masks as 0/255 grey files ``<id><suffix>`` (JPEG at quality 90)."""
    folder.mkdir(parents=True, exist_ok=True)
    for image_id, mask in masks.items():
        image = Image.fromarray(np.asarray(mask, dtype=np.uint8) * 255, "L")
        image.save(folder / f"{image_id}{suffix}", quality=90)
    return folder


@pytest.fixture
def ground_truth() -> Callable[..., dict[str, np.ndarray]]:
    """``ground_truth(archive, dataset, config=None, split="train")``: id -> bool mask."""
    return _ground_truth


@pytest.fixture
def write_masks() -> Callable[..., Path]:
    """``write_masks(folder, {id: mask}, suffix=".png")``: predictions as 0/255 files."""
    return _write_masks
