"""Test isolation for every test folder (``tests/`` and the TFDS builder tests beside the
builders): offline Hugging Face libraries, and every cache the tests can write (the
archive store, Hugging Face, TFDS, Keras, matplotlib) in a scratch folder removed at exit,
so nothing leaks into the user's home.

pytest loads this file before any test module, so the variables (``tests/isolation.py``)
are set before anything imports ``datasets``, ``evaluate``, TFDS or Keras, and before any
session or module fixture runs. Each test then gets an archive store of its own.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import pytest

from isolation import isolate  # tests/ is on the path (pyproject: pythonpath)

_SCRATCH_HOME = tempfile.mkdtemp(prefix="kvasir-seg-tests-")
atexit.register(shutil.rmtree, _SCRATCH_HOME, ignore_errors=True)
isolate(_SCRATCH_HOME)


#: Not imported as doctest modules: the plugin registers a dataset when imported (its tests
#: do that themselves), and the smoke test runs against an installed wheel.
collect_ignore = ["tests/plugins", "tests/smoke_installed.py"]


@pytest.fixture(autouse=True)
def warnings_said_anew() -> None:
    """Each test sees the once-per-process warnings as a new process would."""
    from kvasir_seg.logs import forget_warnings

    forget_warnings()


@pytest.fixture(autouse=True)
def archive_store(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Each test gets an archive store of its own (``$KVASIR_SEG_DATA``): pins and remembered
    copies never leak from one test into another. Session and module fixtures, which
    run before it, share the scratch store set at import."""
    store = tmp_path_factory.mktemp("store")
    monkeypatch.setenv("KVASIR_SEG_DATA", str(store))
    return store
