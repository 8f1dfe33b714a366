"""The layers: the core imports neither an ecosystem (datasets, TensorFlow, torch) nor the app.

Each runtime check runs in a fresh interpreter, so that nothing another test imported counts;
the rule on torch is also read off the sources (an import inside a function counts too).
"""

from __future__ import annotations

import ast
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import kvasir_seg

ROOT = Path(__file__).resolve().parents[1]
#: Adapters that live inside the core package: they import their ecosystem, nothing imports them.
#: They are the only modules of ``kvasir_seg`` that may import PyTorch.
ADAPTERS = ("kvasir_seg.scores.torch", "kvasir_seg.torch")
#: PyTorch and its libraries: only :data:`ADAPTERS` import them.
TORCH = ("torch", "torchvision", "torchmetrics")
#: What the core must never import: the ecosystems (their adapters import them) and the app.
FORBIDDEN = (
    "datasets",
    "tensorflow",
    "tensorflow_datasets",
    "evaluate",
    "huggingface_hub",
    "pyarrow",
    "pandas",
    *TORCH,
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
        or name in ADAPTERS
        or name.startswith(("kvasir_seg.app", "kvasir_seg_hf", "kvasir_seg_tfds"))
    ]
    assert forbidden == []


def _imported(path: Path) -> set[str]:
    """The top-level names of every module ``path``'s source imports, anywhere in it."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_only_the_adapters_of_the_core_package_import_torch() -> None:
    """Nowhere in ``kvasir_seg`` (the app included) but :data:`ADAPTERS`, not even lazily."""
    package = Path(kvasir_seg.__file__).parent
    importing = {
        ".".join(("kvasir_seg", *path.relative_to(package).with_suffix("").parts))
        for path in package.rglob("*.py")
        if _imported(path) & set(TORCH)
    }
    assert importing == set(ADAPTERS)
