"""What is on this machine for a dataset: its archive in the store, its pin, its built caches.

Read from the files alone (no ``datasets`` or TensorFlow import): the archive store
(:mod:`kvasir_seg.store`), the Hugging Face cache (``$HF_DATASETS_CACHE``, else
``$HF_HOME/datasets``, else ``~/.cache/huggingface/datasets``) and the TFDS data folder
(``$TFDS_DATA_DIR``, else ``~/tensorflow_datasets``), in their default places.

    >>> from kvasir_seg.catalog import get_spec
    >>> status = dataset_status(get_spec("kvasir_sessile"))  # doctest: +SKIP
    >>> status["pin"]["source"], [c["config"] for c in status["hf_caches"]]  # doctest: +SKIP
    ('first-use', ['default'])
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from kvasir_seg.archive import locate_archive
from kvasir_seg.catalog import DatasetSpec
from kvasir_seg.errors import KvasirSegError
from kvasir_seg.plan import read_built_from
from kvasir_seg.store import ArchiveStore, default_store
from kvasir_seg.trust import describe_copy


def hf_cache_root() -> Path:
    """Where ``datasets`` caches by default (as ``datasets.config`` computes it)."""
    if os.environ.get("HF_DATASETS_CACHE"):
        return Path(os.environ["HF_DATASETS_CACHE"]).expanduser()
    home = os.environ.get("HF_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or "~/.cache", "huggingface"
    )
    return Path(home).expanduser() / "datasets"


def tfds_data_root() -> Path:
    """Where TFDS prepares datasets by default."""
    return Path(os.environ.get("TFDS_DATA_DIR") or "~/tensorflow_datasets").expanduser()


def folder_size(path: Path) -> int:
    """Bytes of the files below ``path``."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _caches(root: Path, pattern: str) -> list[dict[str, Any]]:
    """The caches below ``root`` whose ``dataset_info.json`` matches ``pattern``, each with
    what it was built from (the core's marker, :func:`kvasir_seg.plan.read_built_from`)."""
    found = []
    for info in sorted(root.glob(pattern)):
        folder = info.parent
        config, version = folder.relative_to(root).parts[:2]
        built = read_built_from(folder) or {}
        identity = built.get("identity")
        found.append(
            {
                "config": config,
                "version": version,
                "archive_key": identity.removeprefix("folder-")[:16] if identity else None,
                "built_from": built.get("path"),
                "path": str(folder),
                "size_bytes": folder_size(folder),
            }
        )
    return found


def dataset_status(spec: DatasetSpec, store: ArchiveStore | None = None) -> dict[str, Any]:
    """The archive, pin and caches of ``spec`` on this machine, as plain data.

    ``checksum`` is ``published``, ``recorded on first use`` (with the date) or ``unknown``
    (no published checksum and no copy seen yet). ``copies`` says of each copy found what
    the trust rule makes of it (:func:`kvasir_seg.trust.describe_copy`). Each cache says
    whether it was built from the copy that would be read now (``current``).
    """
    store = store or default_store()
    known = store.describe(spec)
    pin = known["pin"]
    if pin is None:
        checksum = "unknown: not published, no copy seen yet"
    elif pin["source"] == "published":
        checksum = f"published (sha256 {pin['sha256']})"
    else:
        checksum = f"recorded on first use {pin['recorded_at']} (sha256 {pin['sha256']})"
    copies = []
    for location in known["locations"]:
        try:
            copies.append(describe_copy(spec, locate_archive(spec, location), store))
        except (KvasirSegError, OSError) as error:
            copies.append({"path": location, "identity": None, "trust": f"unreadable: {error}"})
    readable = [c for c in copies if c["identity"] and not c["trust"].startswith("fails")]
    current = readable[0]["identity"].removeprefix("folder-")[:16] if readable else None
    caches = {
        "hf_caches": _caches(hf_cache_root() / spec.name, "*/*/*/dataset_info.json"),
        "tfds_caches": _caches(tfds_data_root() / spec.name, "*/*/dataset_info.json"),
    }
    for entries in caches.values():
        for entry in entries:
            entry["current"] = current is not None and entry["archive_key"] == current
    return {
        "store": known["store"],
        "archives": known["locations"],
        "copies": [
            {"path": c["path"], "sha256": c["identity"], "trust": c["trust"]} for c in copies
        ],
        "checksum": checksum,
        "pin": pin,
        **caches,
    }
