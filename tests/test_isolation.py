"""A test run writes nothing into the user's home: no archive store pins nor records, no
Hugging Face locks or metric files, no TFDS data, no Keras config.

A few representative tests run in a subprocess whose ``HOME`` is an empty folder and whose
environment holds none of the variables that would point the libraries elsewhere; the
folder must still be empty afterwards.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: One test of each kind that writes caches, several through session or module fixtures
#: (set up before any per-test fixture runs).
REPRESENTATIVE = (
    # Hugging Face: a builder made without cache_dir, from a module-scoped archive.
    "tests/cli/test_fourth_dataset.py::test_hugging_face_loads_it",
    # TFDS build and Keras metrics, in a module fixture reading a session fixture's folder.
    "tests/test_keras_metrics.py::test_evaluate_equals_compute_scores_on_tfds_masks",
    # The evaluate module without cache_dir, on a module fixture's load_dataset.
    "tests/cli/test_seams.py::test_the_evaluate_module_takes_the_loaders_masks",
    # A kvasir-seg command in a subprocess.
    "tests/cli/test_cli_info.py::test_info_text_json_and_bibtex",
)

#: Variables removed from the run's environment, as on a machine that sets none of them.
UNSET = ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "TFDS_DATA_DIR", "KVASIR_SEG_DATA", "KERAS_HOME")


def test_a_test_run_writes_nothing_into_the_home(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in UNSET and not name.startswith("HF_")
    }
    env["HOME"] = str(home)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
        + ["--basetemp", str(tmp_path / "basetemp"), *REPRESENTATIVE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    summary = done.stdout.strip().splitlines()[-1]
    assert "passed" in summary and "skipped" not in summary, summary  # all of them ran
    written = sorted(str(path.relative_to(home)) for path in home.rglob("*"))
    assert not written, "the tests wrote into $HOME:\n" + "\n".join(written)
