"""The archive store: one place where every entry point finds the verified archives.

The store is a folder (``$KVASIR_SEG_DATA``, else ``$XDG_CACHE_HOME/kvasir_seg/archives``,
else ``~/.cache/kvasir_seg/archives``) that holds:

- the archives ``kvasir-seg download`` fetched (``kvasir-seg.zip``, ...), and the ones the
  Hugging Face and TFDS builders download;
- ``records/<dataset>.json``: for each dataset, the **pin** of its archive when no checksum
  is published (the SHA-256 and size of the first complete copy seen: trust on first use,
  with the date and where it came from), and the **locations** of the archives used
  through ``data_dir=`` / ``manual_dir=`` / ``--data-dir`` (a record of the path: no copy,
  no link), so that later calls without a path find them; and the copies that fail their
  pin but that the user **accepted** with checks skipped (see :mod:`kvasir_seg.trust`);
- ``identities.json``: the SHA-256 of each zip seen, keyed by its real path and valid while
  its size, mtime and inode are unchanged (a replaced file is hashed again).

A published checksum (in :mod:`kvasir_seg.catalog`) always wins over a recorded pin.
Writes are atomic (temporary file + rename) and serialised by a lock file, so processes
may share the store. An unwritable store only costs the memory of what was seen: a warning
is logged and nothing fails.

    >>> from kvasir_seg.catalog import get_spec
    >>> store = ArchiveStore("/tmp/kvasir-store")
    >>> store.pin(get_spec("kvasir_seg")).source
    'published'
"""

from __future__ import annotations

import datetime as _datetime
import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from filelock import FileLock

from kvasir_seg.catalog import DatasetSpec

logger = logging.getLogger(__name__)

#: Environment variable naming the store folder.
STORE_VARIABLE = "KVASIR_SEG_DATA"
#: Environment variable naming a mirror (a base URL) to download the archives from.
MIRROR_VARIABLE = "KVASIR_SEG_MIRROR"
_CHUNK = 1 << 20

__all__ = [
    "MIRROR_VARIABLE",
    "STORE_VARIABLE",
    "ArchiveStore",
    "Pin",
    "default_store",
    "sha256_of",
    "store_root",
]


def store_root() -> Path:
    """The store folder: ``$KVASIR_SEG_DATA``, else ``<user cache>/kvasir_seg/archives``."""
    configured = os.environ.get(STORE_VARIABLE, "").strip()
    if configured:
        return Path(configured).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME", "").strip() or "~/.cache"
    return Path(cache).expanduser() / "kvasir_seg" / "archives"


def default_store() -> ArchiveStore:
    """The store at :func:`store_root` (read from the environment at each call)."""
    return ArchiveStore(store_root())


def sha256_of(path: str | os.PathLike[str]) -> str:
    """The SHA-256 hex digest of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class Pin:
    """What an archive must match: a published checksum, or one recorded on first use."""

    sha256: str
    size_bytes: int | None
    #: ``"published"`` (the catalog's) or ``"first-use"`` (recorded in the store).
    source: str
    recorded_at: str | None = None
    recorded_from: str | None = None

    def describe(self) -> str:
        if self.source == "published":
            return "the published checksum"
        return f"the checksum recorded on first use ({self.recorded_at}, from {self.recorded_from})"


@dataclass
class _Record:
    pin: dict[str, Any] | None = None
    locations: list[str] = field(default_factory=list)
    #: The copies that fail the pin but were accepted with checks skipped (newest first).
    accepted: list[dict[str, Any]] = field(default_factory=list)


def _describe_acceptance(entry: dict[str, Any]) -> str:
    return f"accepted {entry.get('accepted_at')}, from {entry.get('path')}"


def _now() -> str:
    return _datetime.datetime.now(_datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class ArchiveStore:
    """The store at ``root`` (see the module doc); created on first write."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).expanduser()

    # -- paths ----------------------------------------------------------------------------
    def archive_path(self, spec: DatasetSpec) -> Path:
        """Where the store keeps ``spec``'s downloaded zip."""
        return self.root / spec.filename

    def record_path(self, spec: DatasetSpec) -> Path:
        """The file of ``spec``'s pin, locations and accepted copies."""
        return self.root / "records" / f"{spec.name}.json"

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with FileLock(str(self.root / ".store.lock")):
            yield

    # -- JSON files -----------------------------------------------------------------------
    @staticmethod
    def _load(path: Path) -> dict[str, Any]:
        try:
            value = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as error:
            logger.warning("ignoring the unreadable store file %s (%s)", path, error)
            return {}
        return value if isinstance(value, dict) else {}

    def _save(self, path: Path, value: dict[str, Any]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(value, out, indent=2, sort_keys=True)
        os.replace(temporary, path)

    def _update(self, path: Path, change: Any) -> None:
        """Apply ``change(value)`` to a JSON file under the lock; warn if the store is read-only."""
        try:
            with self._locked():
                value = self._load(path)
                change(value)
                self._save(path, value)
        except OSError as error:
            logger.warning("cannot write the archive store %s (%s); continuing", self.root, error)

    def _record(self, spec: DatasetSpec) -> _Record:
        raw = self._load(self.record_path(spec))
        return _Record(
            pin=raw.get("pin"),
            locations=list(raw.get("locations", [])),
            accepted=list(raw.get("accepted", [])),
        )

    # -- identities -----------------------------------------------------------------------
    def sha256(self, path: Path) -> str:
        """The SHA-256 of a zip, hashed again only when its size, mtime or inode changed."""
        real = str(path.absolute())
        status = path.stat()
        stamp = {"size": status.st_size, "mtime_ns": status.st_mtime_ns, "inode": status.st_ino}
        known = self._load(self.root / "identities.json").get(real)
        if isinstance(known, dict) and all(known.get(k) == v for k, v in stamp.items()):
            return str(known["sha256"])
        digest = sha256_of(path)
        self._update(
            self.root / "identities.json",
            lambda value: value.__setitem__(real, {**stamp, "sha256": digest}),
        )
        return digest

    def last_sha256(self, path: Path) -> str | None:
        """The SHA-256 last seen at ``path`` (which may no longer exist), or None."""
        known = self._load(self.root / "identities.json").get(str(path.expanduser().absolute()))
        return str(known["sha256"]) if isinstance(known, dict) and "sha256" in known else None

    # -- pins -----------------------------------------------------------------------------
    def pin(self, spec: DatasetSpec) -> Pin | None:
        """The checksum ``spec``'s archive must match: published, recorded, or None."""
        if spec.sha256 is not None:
            return Pin(spec.sha256, spec.size_bytes, "published")
        recorded = self._record(spec).pin
        if not recorded:
            return None
        return Pin(
            sha256=str(recorded["sha256"]),
            size_bytes=recorded.get("size_bytes"),
            source="first-use",
            recorded_at=recorded.get("recorded_at"),
            recorded_from=recorded.get("recorded_from"),
        )

    def record_pin(self, spec: DatasetSpec, sha256: str, size: int, origin: str) -> Pin:
        """Record the first-use pin of an archive without a published checksum."""
        pin = Pin(sha256, size, "first-use", _now(), origin)
        logger.warning(
            "%s: no checksum is published for %s; recorded sha256 %s (%d bytes) from %s as its "
            "pin (trust on first use): later copies are checked against it. Please report it so "
            "that it can be published.",
            spec.name,
            spec.filename,
            sha256,
            size,
            origin,
        )
        data = {k: v for k, v in asdict(pin).items() if k != "source"}
        self._update(self.record_path(spec), lambda value: value.__setitem__("pin", data))
        return pin

    def forget(self, spec: DatasetSpec) -> None:
        """Forget ``spec``'s first-use pin, recorded locations and accepted copies."""
        self.record_path(spec).unlink(missing_ok=True)

    # -- accepted copies ------------------------------------------------------------------
    def accept(self, spec: DatasetSpec, origin: str, sha256: str) -> str:
        """Record that the user accepted the zip ``sha256`` (from ``origin``, a path or URL)
        with checks skipped, though it fails its pin; what was recorded, for messages."""
        entry = {"sha256": sha256, "path": origin, "accepted_at": _now()}

        def change(value: dict[str, Any]) -> None:
            kept = [a for a in value.get("accepted", []) if a.get("sha256") != sha256]
            value["accepted"] = [entry, *kept][:8]

        self._update(self.record_path(spec), change)
        return _describe_acceptance(entry)

    def accepted(self, spec: DatasetSpec, sha256: str) -> str | None:
        """How the zip ``sha256`` was accepted with checks skipped, or None if it never was."""
        for entry in self._record(spec).accepted:
            if isinstance(entry, dict) and entry.get("sha256") == sha256:
                return _describe_acceptance(entry)
        return None

    # -- locations ------------------------------------------------------------------------
    def remember(self, spec: DatasetSpec, path: Path) -> None:
        """Record ``path`` (a zip or an extracted folder) as a location of ``spec``'s archive."""
        real = str(path.resolve())
        if path.resolve() == self.archive_path(spec).resolve():
            return
        record = self._record(spec)
        if record.locations and record.locations[0] == real:
            return

        def change(value: dict[str, Any]) -> None:
            locations = [p for p in value.get("locations", []) if p != real]
            value["locations"] = [real, *locations][:8]

        self._update(self.record_path(spec), change)

    def locations(self, spec: DatasetSpec, *, existing: bool = True) -> list[Path]:
        """Where ``spec``'s archive may be, most recent first: the store's own zip, then the
        recorded paths (only those that still exist, unless ``existing`` is False)."""
        own = self.archive_path(spec)
        found = [own] if own.is_file() or not existing else []
        found += [Path(p) for p in self._record(spec).locations if Path(p).exists() or not existing]
        return found

    def describe(self, spec: DatasetSpec) -> dict[str, Any]:
        """What the store knows of ``spec``: pin, locations (for ``kvasir-seg info``)."""
        pin = self.pin(spec)
        return {
            "store": str(self.root),
            "pin": None if pin is None else asdict(pin),
            "locations": [str(p) for p in self.locations(spec)],
            "accepted": self._record(spec).accepted,
        }
