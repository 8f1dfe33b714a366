"""Fixtures of the ``kvasir-seg`` command tests: run it, write predictions and references.

Every run is isolated: the Hugging Face home, the default archive folder and the TFDS
data are inside the test's temporary folder, the Hub is offline, and the download mirror
points at a closed local port unless a test serves one (nothing reaches the internet).

Two runners return the same :class:`Result`: :func:`kvasir_seg_cli` calls
``kvasir_seg.app.cli.main`` in this process (most tests), :func:`kvasir_seg_subprocess`
runs ``python -m kvasir_seg`` in a fresh interpreter, for what one process cannot show:
an install without some packages (``hide=``), plugins loaded at import, commands that build
a cache in its default place (``datasets`` and TFDS read ``$HF_HOME`` and ``$TFDS_DATA_DIR``
once, when first imported), and a few end-to-end runs.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from scipy import ndimage

from kvasir_seg.archive import open_archive
from kvasir_seg.logs import forget_warnings

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

#: The commands that build Hugging Face or TFDS caches: in this process their default
#: place is wherever the first import of ``datasets`` or TFDS found it, so an in-process
#: run names its ``--cache-dir`` (or the test uses :func:`kvasir_seg_subprocess`).
_CACHE_BUILDERS = ("prepare", "export")


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
    """``kvasir_seg_cli(*args, ok=True)``: run ``kvasir-seg`` in this process.

    String arguments are split on whitespace (``"show kvasir_seg -n 4"``); anything else
    (paths, numbers) is one argument. With ``ok=True`` the run must succeed; ``ok=False``
    returns failures for the test to look at. Each run starts as a new process would: the
    environment of :func:`kvasir_seg_subprocess`, the once-per-process warnings unsaid;
    the environment and the libraries' progress-bar switches are put back afterwards.
    """
    home = tmp_path / "home"

    def run(*args: object, ok: bool = True) -> Result:
        argv = _words(args)
        if argv[:1] and argv[0] in _CACHE_BUILDERS and "--cache-dir" not in argv:
            pytest.fail(
                f"an in-process `{argv[0]}` would build in the cache that `datasets` or TFDS "
                "found when first imported: give --cache-dir, or use kvasir_seg_subprocess"
            )
        with _environment(_command_env(home)), _progress_bars_kept():
            forget_warnings()
            return _checked(_main_in_process(argv), ok)

    return run


@pytest.fixture
def kvasir_seg_subprocess(tmp_path: Path) -> Runner:
    """``kvasir_seg_subprocess(*args, ok=True, hide=())``: run ``python -m kvasir_seg`` in a
    subprocess, arguments as :func:`kvasir_seg_cli` takes them. ``hide=("datasets",)`` runs
    it as on an install without those packages.
    """
    home = tmp_path / "home"

    def run(*args: object, ok: bool = True, hide: tuple[str, ...] = ()) -> Result:
        entry = ["-c", _HIDING_MAIN, json.dumps(hide)] if hide else ["-m", "kvasir_seg"]
        command = [sys.executable, *entry, *_words(args)]
        return _checked(_run(command, {**os.environ, **_command_env(home)}), ok)

    return run


@pytest.fixture
def python_beside_cli(tmp_path: Path) -> Callable[[str], Result]:
    """``python_beside_cli(code)``: run Python code in a subprocess with the caches and
    the archive store that :func:`kvasir_seg_cli` uses (what a user types next)."""
    home = tmp_path / "home"
    env = {**os.environ, **_command_env(home)}
    return lambda code: _checked(_run([sys.executable, "-c", code], env), ok=True)


def _command_env(home: Path) -> dict[str, str]:
    """What one run changes in the environment: the caches inside ``home``, no network."""
    return {
        "HF_HOME": str(home / "huggingface"),
        "HF_HUB_OFFLINE": "1",
        "KVASIR_SEG_DATA": str(home / "archives"),
        "TFDS_DATA_DIR": str(home / "tensorflow_datasets"),
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "KVASIR_SEG_MIRROR": os.environ.get("KVASIR_SEG_MIRROR", REFUSED),
    }


@contextmanager
def _environment(changes: dict[str, str]) -> Iterator[None]:
    """``os.environ`` with ``changes``, and as it was afterwards (whatever the run set)."""
    saved = dict(os.environ)
    os.environ.update(changes)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextmanager
def _progress_bars_kept() -> Iterator[None]:
    """``-q`` switches off the progress bars of ``datasets`` and TFDS for the whole process;
    put them back as they were (on, for a library that was not imported yet)."""
    before = _progress_bars()
    try:
        yield
    finally:
        for library, on in _progress_bars().items():
            if on != before.get(library, True):
                _switch_progress_bars(library, before.get(library, True))


def _progress_bars() -> dict[str, bool]:
    """Whether the progress bars of ``datasets`` and TFDS are on, for those imported."""
    states = {}
    if "datasets" in sys.modules:
        from datasets.utils import are_progress_bars_disabled

        states["datasets"] = not are_progress_bars_disabled()
    if "tensorflow_datasets" in sys.modules:
        from tensorflow_datasets.core.utils import tqdm_utils

        states["tfds"] = getattr(tqdm_utils, "_active", True)  # TFDS has no public getter
    return states


def _switch_progress_bars(library: str, on: bool) -> None:
    if library == "datasets":
        from datasets.utils import disable_progress_bars, enable_progress_bars

        (enable_progress_bars if on else disable_progress_bars)()
    else:
        from tensorflow_datasets.core.utils import tqdm_utils

        tqdm_utils.display_progress_bar(on)


def _main_in_process(argv: list[str]) -> Result:
    """``main(argv)`` with stdout and stderr captured; an escaping exception is printed
    with its traceback and exits 1, as the interpreter would."""
    from kvasir_seg.app.cli import main

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            status = main(argv)
        except SystemExit as exit_:  # argparse: --help, usage errors
            status = _exit_status(exit_.code)
        except Exception:
            traceback.print_exc()
            status = 1
    return Result(status, out.getvalue(), err.getvalue())


def _exit_status(code: object) -> int:
    if code is None or isinstance(code, int):
        return code or 0
    print(code, file=sys.stderr)
    return 1


def _run(command: list[str], env: dict[str, str]) -> Result:
    completed = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
    return Result(completed.returncode, completed.stdout, completed.stderr)


def _checked(result: Result, ok: bool) -> Result:
    if ok:
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr, result.stderr
    return result


def _words(args: tuple[object, ...]) -> list[str]:
    return [word for arg in args for word in (arg.split() if isinstance(arg, str) else [str(arg)])]


def _ground_truth(
    archive: Path, dataset: str, config: str | None = None, split: str = "train"
) -> dict[str, np.ndarray]:
    """The bool masks of one split, read through the core reader."""
    with open_archive(dataset, archive, verify=False) as opened:
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


# -- folders of reference sets, as PraNet's TestDataset lays them out ---------------------

#: The predictions' size in the tests: a network's output, e.g. PraNet's 352x352.
NETWORK_SIZE = (352, 352)


def polyp_mask(rng: np.random.Generator, width: int, height: int) -> np.ndarray:
    """A bool mask of one round polyp, somewhere inside a ``width`` x ``height`` image."""
    rows, columns = np.mgrid[:height, :width]
    centre = rng.uniform(0.3, 0.7, 2) * (height, width)
    radius = rng.uniform(0.1, 0.3) * min(height, width)
    return np.hypot(rows - centre[0], columns - centre[1]) < radius


def soft_map(mask: np.ndarray, shift: int, blur: float = 3.0) -> np.ndarray:
    """A probability map of ``mask`` moved ``shift`` pixels down, with soft edges (0..1)."""
    distance = ndimage.distance_transform_edt(~np.roll(mask, shift, axis=0)) - (
        ndimage.distance_transform_edt(np.roll(mask, shift, axis=0))
    )
    return 1 / (1 + np.exp(distance / blur))


@dataclass
class ReferenceTree:
    """A TestDataset-like folder written by :func:`write_test_dataset`."""

    root: Path
    #: set name -> image id -> the bool ground truth as the files mean it
    masks: dict[str, dict[str, np.ndarray]]

    def write_predictions(
        self,
        folder: Path,
        shift: int = 3,
        size: tuple[int, int] | None = NETWORK_SIZE,
        encode: Callable[[np.ndarray, Path], None] | None = None,
    ) -> Path:
        """8-bit probability maps ``<folder>/<set>/<id>.png``, at ``size`` (None: the mask's).

        ``encode(map_in_0_1, path_without_suffix)`` writes a file another way.
        """
        for name, masks in self.masks.items():
            (folder / name).mkdir(parents=True, exist_ok=True)
            for image_id, mask in masks.items():
                probabilities = soft_map(mask, shift)
                if size is not None:
                    image = Image.fromarray(probabilities.astype(np.float32), "F")
                    probabilities = np.asarray(image.resize(size, Image.Resampling.BILINEAR))
                probabilities = np.clip(probabilities, 0, 1)
                if encode is not None:
                    encode(probabilities, folder / name / image_id)
                else:
                    grey = np.rint(probabilities * 255).astype(np.uint8)
                    Image.fromarray(grey, "L").save(folder / name / f"{image_id}.png")
        return folder


def write_test_dataset(
    root: Path, sets: dict[str, tuple[int, tuple[int, int], str]], seed: int = 0
) -> ReferenceTree:
    """Write sets ``{name: (count, (width, height), layout)}`` under ``root``.

    Layouts: ``"masks"`` (``<set>/images/`` and ``<set>/masks/``, 0/255 PNG masks, as
    PraNet's TestDataset), ``"jpeg"`` (the same with RGB JPEG masks at quality 75: values
    near 0 and 255 with compression noise, as the Kvasir archives store them), ``"flat"``
    (``<set>/<id>.png`` masks only).
    """
    rng = np.random.default_rng(seed)
    masks: dict[str, dict[str, np.ndarray]] = {}
    for name, (count, (width, height), layout) in sets.items():
        folder = root / name if layout == "flat" else root / name / "masks"
        folder.mkdir(parents=True, exist_ok=True)
        if layout != "flat":
            (root / name / "images").mkdir(exist_ok=True)
        masks[name] = {}
        for index in range(count):
            image_id = f"{name.lower()}_{index:02d}"
            mask = polyp_mask(rng, width, height)
            grey = Image.fromarray(mask.astype(np.uint8) * 255, "L")
            if layout == "jpeg":
                path = folder / f"{image_id}.jpg"
                grey.convert("RGB").save(path, quality=75)
                mask = np.asarray(Image.open(path).convert("L")) > 127
            else:
                grey.save(folder / f"{image_id}.png")
            if layout != "flat":
                colours = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
                Image.fromarray(colours, "RGB").save(root / name / "images" / f"{image_id}.jpg")
            masks[name][image_id] = mask
    return ReferenceTree(root, masks)


@pytest.fixture
def test_dataset(tmp_path: Path) -> ReferenceTree:
    """Three sets as PraNet's TestDataset holds them: two with masks/, one JPEG-masked."""
    return write_test_dataset(
        tmp_path / "TestDataset",
        {
            "CVC-300": (6, (300, 240), "masks"),
            "Kvasir": (7, (420, 380), "jpeg"),
            "ETIS": (6, (390, 320), "masks"),
        },
    )
