"""The layers: the core imports neither an ecosystem (datasets, TensorFlow, torch) nor the app.

Each check runs in a fresh interpreter, so that nothing another test imported counts.
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import kvasir_seg

ROOT = Path(__file__).resolve().parents[1]
#: Adapters that live inside the core package: they import their ecosystem, nothing imports them.
ADAPTERS = ("kvasir_seg.scores.torch",)
#: What the core must never import: the ecosystems (their adapters import them) and the app.
FORBIDDEN = (
    "datasets",
    "tensorflow",
    "tensorflow_datasets",
    "evaluate",
    "huggingface_hub",
    "pyarrow",
    "pandas",
    "torch",
    "mlcroissant",
)


def _python(code: str) -> str:
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


def core_modules() -> list[str]:
    """Every module of the core: ``kvasir_seg`` without the app and the adapters."""
    names = ["kvasir_seg"]
    for info in pkgutil.walk_packages(kvasir_seg.__path__, "kvasir_seg."):
        name = info.name
        if name == "kvasir_seg.__main__" or name.startswith("kvasir_seg.app"):
            continue
        if name in ADAPTERS:
            continue
        names.append(name)
    return names


def test_the_core_imports_neither_an_ecosystem_nor_the_app() -> None:
    modules = core_modules()
    assert {"kvasir_seg.catalog", "kvasir_seg.archive.reader", "kvasir_seg.scores.pranet"} <= set(
        modules
    )
    loaded = json.loads(
        _python(
            "import importlib, json, sys\n"
            f"for name in {modules!r}:\n"
            "    importlib.import_module(name)\n"
            "print(json.dumps(sorted(sys.modules)))\n"
        )
    )
    assert "numpy" in loaded and "kvasir_seg.testing" in loaded
    forbidden = [
        name
        for name in loaded
        if name.split(".")[0] in FORBIDDEN
        or name.startswith(("kvasir_seg.app", "kvasir_seg_hf", "kvasir_seg_tfds"))
    ]
    assert forbidden == []
