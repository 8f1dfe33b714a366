"""Point every cache the tests can write at a scratch folder, never at the user's home.

The root ``conftest.py`` calls :func:`isolate` when pytest imports it (before any test
module, fixture or library import), ``smoke_installed.py`` at its start. It must run
before ``datasets``, ``evaluate``, ``huggingface_hub``, TFDS and Keras are imported: each
reads its folders from the environment once, when its config module is imported.
"""

from __future__ import annotations

import os
from pathlib import Path

#: variable -> sub-folder of the scratch root it is set to (what reads it, and when)
FOLDERS = {
    # kvasir_seg.store, at each call: the archive store, its pins and remembered copies.
    "KVASIR_SEG_DATA": "kvasir_seg/archives",
    # datasets.config, evaluate.config, huggingface_hub.constants, at import: every Hugging
    # Face cache (datasets, modules, evaluate, metrics, hub, token) lies under it.
    "HF_HOME": "huggingface",
    # tensorflow_datasets.core.constants.DATA_DIR, at import (and the `tfds` CLI's default).
    "TFDS_DATA_DIR": "tensorflow_datasets",
    # keras.src.backend.config, at import: it writes keras.json there.
    "KERAS_HOME": "keras",
    # The default of the above, and what matplotlib (font cache), TFDS (community cache)
    # and torch (hub) use.
    "XDG_CACHE_HOME": "cache",
    # matplotlib creates its config folder on import.
    "XDG_CONFIG_HOME": "config",
}

#: Variables that would send a library past the folders above, to the user's own: removed,
#: so that each cache follows HF_HOME or XDG_CACHE_HOME (and a test that gives one
#: subprocess an HF_HOME of its own gives it all of its Hugging Face caches).
OVERRIDES = (
    "HF_DATASETS_CACHE",
    "HF_DATASETS_DOWNLOADED_DATASETS_PATH",
    "HF_DATASETS_EXTRACTED_DATASETS_PATH",
    "HF_MODULES_CACHE",
    "HF_EVALUATE_CACHE",
    "HF_METRICS_CACHE",
    "HF_DATASETS_DOWNLOADED_EVALUATE_PATH",
    "HF_DATASETS_EXTRACTED_EVALUATE_PATH",
    "HF_HUB_CACHE",
    "HUGGINGFACE_HUB_CACHE",
    "HF_ASSETS_CACHE",
    "HUGGINGFACE_ASSETS_CACHE",
    "HF_XET_CACHE",
    "HF_TOKEN_PATH",
    "TFDS_CACHE_DIR",
    "MPLCONFIGDIR",
    "TORCH_HOME",
)


def isolate(root: str | os.PathLike[str]) -> Path:
    """Set :data:`FOLDERS` under ``root``, remove :data:`OVERRIDES`, and keep the Hugging
    Face libraries offline (they fail fast instead of trying the network)."""
    root = Path(root)
    for name in OVERRIDES:
        os.environ.pop(name, None)
    os.environ.update({name: str(root / folder) for name, folder in FOLDERS.items()})
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    return root
