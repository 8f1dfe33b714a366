"""CI's oldest row installs the floor of every dependency the user extras declare: its
constraints file, ``ci/oldest.txt``, pins exactly the floors of ``pyproject.toml``, so that
raising (or lowering) a floor without testing it fails here."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10 (CI's oldest row): pytest brings tomli there
    tomllib = pytest.importorskip("tomli")
requirements = pytest.importorskip("packaging.requirements")  # pytest brings packaging
utils = pytest.importorskip("packaging.utils")

ROOT = Path(__file__).resolve().parents[1]
#: The extras the version rows install (``.ci/run``): every user extra but ``tfds-cli``
#: (apache-beam has no floor to test), and the test tools.
ROW_EXTRAS = ("hf", "tfds", "metrics", "report", "torch")


def _floors() -> dict[str, str]:
    """Each dependency of the core and of :data:`ROW_EXTRAS` -> its declared ``>=`` floor."""
    with open(ROOT / "pyproject.toml", "rb") as file:
        project = tomllib.load(file)["project"]
    declared = [*project["dependencies"]]
    declared += [r for extra in ROW_EXTRAS for r in project["optional-dependencies"][extra]]
    floors = {}
    for text in declared:
        requirement = requirements.Requirement(text)
        for specifier in requirement.specifier:
            if specifier.operator == ">=":
                floors[utils.canonicalize_name(requirement.name)] = specifier.version
    return floors


def _pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "ci" / "oldest.txt").read_text(encoding="utf-8").splitlines():
        line = line.partition("#")[0].strip()
        if line:
            name, version = line.split("==")
            pins[utils.canonicalize_name(name)] = version
    return pins


def test_the_oldest_row_pins_every_declared_floor_and_nothing_else() -> None:
    floors, pins = _floors(), _pins()
    assert {"numpy", "datasets", "tensorflow-cpu", "torch", "torchvision"} <= set(floors)
    assert pins.keys() == floors.keys(), (
        f"in pyproject.toml only: {sorted(floors.keys() - pins.keys())}; "
        f"in ci/oldest.txt only: {sorted(pins.keys() - floors.keys())}"
    )
    version = utils.canonicalize_version
    drifted = {n: (floors[n], pins[n]) for n in pins if version(floors[n]) != version(pins[n])}
    assert not drifted, f"declared floor != oldest pin: {drifted}"


def test_ci_runs_both_rows_with_these_extras() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    installed = re.search(r'"\.\[([\w,-]+)\]" "\$@"', ci)
    assert installed and installed.group(1) == ",".join((*ROW_EXTRAS, "test"))
    assert re.search(r"^version_row oldest 3\.10 -c ci/oldest\.txt$", ci, flags=re.M)
    assert re.search(r"^version_row newest 3\.13$", ci, flags=re.M)
