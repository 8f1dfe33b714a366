"""Test isolation for every test folder (``tests/`` and the TFDS builder tests beside the
builders): offline Hugging Face libraries, a scratch home for module caches and Keras, and
an archive store of its own for each test, so nothing leaks into the user's caches.

pytest loads this file before any test module, so the variables below are set before
anything imports ``datasets``, ``evaluate`` or Keras.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

# Tests never reach the network: the Hugging Face libraries fail fast instead of trying.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

# Nor do they write into the user's home: evaluate copies metric scripts into its modules
# cache, Keras writes its config on import. Both go to a folder removed at exit.
_SCRATCH_HOME = tempfile.mkdtemp(prefix="kvasir-seg-tests-")
atexit.register(shutil.rmtree, _SCRATCH_HOME, ignore_errors=True)
os.environ["HF_MODULES_CACHE"] = os.path.join(_SCRATCH_HOME, "hf-modules")
os.environ["KERAS_HOME"] = os.path.join(_SCRATCH_HOME, "keras")


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
    """Each test gets an archive store of its own (``$KVASIR_SEG_DATA``): pins and recorded
    locations never leak from one test into another, nor into the user's cache."""
    store = tmp_path_factory.mktemp("store")
    monkeypatch.setenv("KVASIR_SEG_DATA", str(store))
    return store
