"""What is on this machine for a dataset: its copies, its pin, which copy is read, its caches.

Read from the files alone (no ``datasets`` or TensorFlow import), writing nothing: the
archive store (:mod:`kvasir_seg.store`, judged by :mod:`kvasir_seg.resolve`), the Hugging
Face cache (``$HF_DATASETS_CACHE``, else
``$HF_HOME/datasets``, else ``~/.cache/huggingface/datasets``) and the TFDS data folder
(``$TFDS_DATA_DIR``, else ``~/tensorflow_datasets``), in their default places.

    >>> from kvasir_seg.catalog import get_spec
    >>> status = dataset_status(get_spec("kvasir_sessile"))  # doctest: +SKIP
    >>> status["pin"]["source"], [c["config"] for c in status["hf_caches"]]  # doctest: +SKIP
    ('first-use', ['default'])
"""

from __future__ import annotations

import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

from kvasir_seg.catalog import DatasetSpec
from kvasir_seg.errors import KvasirSegError
from kvasir_seg.plan import read_built_from
from kvasir_seg.resolve import describe_copies, find_copy
from kvasir_seg.store import ArchiveStore, default_store


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
    """The copies, pin, chosen copy and caches of ``spec`` on this machine, as plain data.

    ``checksum`` is ``published``, ``recorded on first use`` (with the date) or ``unknown``
    (no published checksum and no copy pinned yet). ``copies`` says of each copy the store
    holds what the checksum rule makes of it (:func:`kvasir_seg.resolve.describe_copies`);
    ``reads`` which one a call without a path reads, and why (None: it would download one).
    Each cache says whether it was built from that copy (``current``).
    """
    store = store or default_store()
    pin = store.pin(spec)
    if pin is None:
        checksum = "unknown: not published, no copy pinned yet"
    elif pin.source == "published":
        checksum = f"published (sha256 {pin.sha256})"
    else:
        checksum = f"recorded on first use {pin.recorded_at} (sha256 {pin.sha256})"
    try:
        chosen = find_copy(spec, store=store, say=False)
        reads = chosen and {"path": str(chosen.path), "why": chosen.check}
    except KvasirSegError as error:
        chosen, reads = None, {"path": None, "why": f"nothing: {error}"}
    current = chosen.cache_key if chosen is not None else None
    caches = {
        "hf_caches": _caches(hf_cache_root() / spec.name, "*/*/*/dataset_info.json"),
        "tfds_caches": _caches(tfds_data_root() / spec.name, "*/*/dataset_info.json"),
    }
    for entries in caches.values():
        for entry in entries:
            entry["current"] = current is not None and entry["archive_key"] == current
    copies = describe_copies(spec, store)
    return {
        "store": str(store.root),
        "archives": [c["path"] for c in copies],
        "copies": [
            {"path": c["path"], "sha256": c["identity"] or None, "trust": c["trust"]}
            for c in copies
        ],
        "reads": reads,
        "checksum": checksum,
        "pin": None if pin is None else asdict(pin),
        **caches,
    }
