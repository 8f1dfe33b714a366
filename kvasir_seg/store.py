"""The archive store: what this machine knows of each dataset's archive.

A folder (``$KVASIR_SEG_DATA``, else ``$XDG_CACHE_HOME/kvasir_seg/archives``, else
``~/.cache/kvasir_seg/archives``) holding the zips downloaded into it, the nested archives
unpacked once (``unpacked/``), and one record per dataset, ``records/<dataset>.json``:

- ``pin``: without a published checksum, the SHA-256 and size of the first copy that was
  read whole and may be pinned (trust on first use), with the date and its origin;
- ``copies``: the copies read whole or accepted with checks skipped, most recent first,
  each with its real path, identity (a zip's SHA-256, a folder's fingerprint) and, for a
  zip, the size, mtime and inode its SHA-256 holds for (so that it is not hashed again).

:meth:`ArchiveStore.record_copy` is the only function that writes a record, and
:func:`kvasir_seg.resolve.settle` its only caller; :meth:`ArchiveStore.forget` clears one
(``--forget-pin``). A published checksum (the catalog's) always wins over a pin. Writes are
atomic and serialised by a lock file; an unwritable store logs a warning and fails nothing.

    >>> import tempfile
    >>> from kvasir_seg.catalog import get_spec
    >>> store = ArchiveStore(tempfile.mkdtemp())
    >>> store.pin(get_spec("kvasir_seg")).source, store.copies(get_spec("kvasir_seg"))
    ('published', [])
"""

from __future__ import annotations

import datetime as _datetime
import hashlib
import json
import logging
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from filelock import FileLock

from kvasir_seg.catalog import DatasetSpec

logger = logging.getLogger(__name__)

#: Environment variable naming the store folder.
STORE_VARIABLE = "KVASIR_SEG_DATA"
#: How many copies a record keeps (the oldest are forgotten).
MAX_COPIES = 8
_CHUNK = 1 << 20


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
    """The SHA-256 of a file, read in 1 MiB chunks.

    Args:
        path: the file.

    Returns:
        The hex digest.

    Example:
        >>> import tempfile
        >>> with tempfile.NamedTemporaryFile() as file:
        ...     sha256_of(file.name)[:16]
        'e3b0c44298fc1c14'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def now() -> str:
    """The time now, as the store records it (UTC, to the second)."""
    return _datetime.datetime.now(_datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Pin:
    """What a zip must match: a published checksum, or one recorded on first use.

    Args:
        sha256: the SHA-256 the zip must have.
        size_bytes: its size, when known.
        source: ``"published"`` (the catalog's) or ``"first-use"`` (recorded in the store).
        recorded_at: when a first-use pin was recorded (:func:`now`'s format).
        recorded_from: the path or URL the pinned copy came from.

    Example:
        >>> Pin("ab12", 10, "first-use", "2026-01-02T03:04:05Z", "/data/x.zip").describe()
        'the checksum recorded on first use (2026-01-02T03:04:05Z, from /data/x.zip)'
    """

    sha256: str
    size_bytes: int | None
    source: str
    recorded_at: str | None = None
    recorded_from: str | None = None

    def describe(self) -> str:
        """The pin in words, for messages (where it comes from, and when)."""
        if self.source == "published":
            return "the published checksum"
        return f"the checksum recorded on first use ({self.recorded_at}, from {self.recorded_from})"


@dataclass(frozen=True)
class Copy:
    """A copy the store remembers: read whole, or accepted with checks skipped.

    Args:
        path: the copy's real path (a zip, or an extracted folder).
        identity: a zip's SHA-256, or a folder's ``folder-<sha256>`` fingerprint
            (:func:`kvasir_seg.resolve.folder_identity`).
        trust: ``"read whole"`` (every member read and checked) or ``"accepted"`` (the
            user accepted it with checks skipped).
        recorded_at: when it was remembered (:func:`now`'s format).
        size_bytes: a zip's size when ``identity`` was computed (None for a folder).
        mtime_ns: a zip's modification time then, in nanoseconds.
        inode: a zip's inode then.

    Example:
        >>> copy = Copy("/data/kvasir-seg.zip", "03b30e21", "read whole", "2026-01-02T03:04:05Z")
        >>> copy.trust
        'read whole'
    """

    path: str
    identity: str
    trust: str
    recorded_at: str
    size_bytes: int | None = None
    mtime_ns: int | None = None
    inode: int | None = None

    def stamped(self, status: os.stat_result) -> bool:
        """Whether ``identity`` still holds for a file: same size, mtime and inode.

        Args:
            status: the file's ``os.stat`` result now.

        Returns:
            True when the file was not changed since ``identity`` was computed.

        Example:
            >>> import os, tempfile
            >>> with tempfile.NamedTemporaryFile() as file:
            ...     status = os.stat(file.name)
            ...     stamp = (status.st_size, status.st_mtime_ns, status.st_ino)
            ...     Copy(file.name, "e3b0c442", "read whole", now(), *stamp).stamped(status)
            True
        """
        return (self.size_bytes, self.mtime_ns, self.inode) == (
            status.st_size,
            status.st_mtime_ns,
            status.st_ino,
        )


class ArchiveStore:
    """The archive store in a folder (see the module docstring); created on first write.

    Args:
        root: the store's folder (``~`` is expanded); :func:`default_store` gives the one
            the environment names.

    Example:
        >>> from kvasir_seg.catalog import get_spec
        >>> store = ArchiveStore("~/kvasir-store")
        >>> store.record_path(get_spec("kvasir_seg")).relative_to(store.root).as_posix()
        'records/kvasir_seg.json'
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).expanduser()

    def archive_path(self, spec: DatasetSpec) -> Path:
        """Where the store keeps a dataset's downloaded zip.

        Args:
            spec: the dataset.

        Returns:
            ``<root>/<official file name>`` (which may not exist).

        Example:
            >>> from kvasir_seg.catalog import get_spec
            >>> ArchiveStore("/data/store").archive_path(get_spec("kvasir_seg")).name
            'kvasir-seg.zip'
        """
        return self.root / spec.filename

    def record_path(self, spec: DatasetSpec) -> Path:
        """The file of a dataset's record: its pin and the copies remembered.

        Args:
            spec: the dataset.

        Returns:
            ``<root>/records/<dataset>.json`` (which may not exist).

        Example:
            >>> from kvasir_seg.catalog import get_spec
            >>> ArchiveStore("/data/store").record_path(get_spec("kvasir_sessile")).name
            'kvasir_sessile.json'
        """
        return self.root / "records" / f"{spec.name}.json"

    def _record(self, spec: DatasetSpec) -> dict[str, Any]:
        path = self.record_path(spec)
        try:
            value = json.loads(path.read_text(encoding="utf-8"))
        except (FileNotFoundError, NotADirectoryError):
            return {}
        except (OSError, ValueError) as error:
            logger.warning("ignoring the unreadable store file %s (%s)", path, error)
            return {}
        return value if isinstance(value, dict) else {}

    def pin(self, spec: DatasetSpec) -> Pin | None:
        """The checksum a dataset's zip must match.

        Args:
            spec: the dataset.

        Returns:
            The published checksum (the catalog's, which always wins), else the one
            recorded on first use, else None.

        Example:
            >>> import tempfile
            >>> from kvasir_seg.catalog import get_spec
            >>> store = ArchiveStore(tempfile.mkdtemp())
            >>> store.pin(get_spec("kvasir_seg")).source, store.pin(get_spec("kvasir_sessile"))
            ('published', None)
        """
        if spec.sha256 is not None:
            return Pin(spec.sha256, spec.size_bytes, "published")
        recorded = self._record(spec).get("pin")
        if not isinstance(recorded, dict) or "sha256" not in recorded:
            return None
        return Pin(
            sha256=str(recorded["sha256"]),
            size_bytes=recorded.get("size_bytes"),
            source="first-use",
            recorded_at=recorded.get("recorded_at"),
            recorded_from=recorded.get("recorded_from"),
        )

    def copies(self, spec: DatasetSpec) -> list[Copy]:
        """The copies of a dataset's archive the store remembers.

        Args:
            spec: the dataset.

        Returns:
            The copies, most recent first (an unreadable record, or a malformed entry, is
            skipped with a warning).

        Example:
            >>> import tempfile
            >>> from kvasir_seg.catalog import get_spec
            >>> ArchiveStore(tempfile.mkdtemp()).copies(get_spec("kvasir_seg"))
            []
        """
        found = []
        for entry in self._record(spec).get("copies", []):
            try:
                found.append(Copy(**entry))
            except TypeError:
                logger.warning("ignoring a malformed entry of %s", self.record_path(spec))
        return found

    def record_copy(self, spec: DatasetSpec, copy: Copy, pin: Pin | None = None) -> None:
        """Remember a copy (first in the list), and record a pin.

        The only function that writes the store's records: :func:`kvasir_seg.resolve.settle`
        calls it, once a copy was read whole or accepted by the user. A record keeps the
        :data:`MAX_COPIES` most recent copies. The write is atomic and under a lock; a store
        that cannot be written logs a warning.

        Args:
            spec: the dataset.
            copy: the copy to remember (it replaces an entry with the same path).
            pin: the dataset's first-use pin to record, if one is recorded now.

        Example:
            >>> import tempfile
            >>> from kvasir_seg.catalog import get_spec
            >>> store, spec = ArchiveStore(tempfile.mkdtemp()), get_spec("kvasir_sessile")
            >>> copy = Copy("/data/kvasir-sessile.zip", "5f0c3a1e", "read whole", now())
            >>> store.record_copy(spec, copy, Pin("5f0c3a1e", 14_365_000, "first-use", now()))
            >>> store.copies(spec) == [copy], store.pin(spec).sha256
            (True, '5f0c3a1e')
        """

        def change(record: dict[str, Any]) -> None:
            kept = [c for c in record.get("copies", []) if c.get("path") != copy.path]
            record["copies"] = [asdict(copy), *kept][:MAX_COPIES]
            if pin is not None:
                record["pin"] = {k: v for k, v in asdict(pin).items() if k != "source"}

        self._update(spec, change)

    def forget(self, spec: DatasetSpec) -> None:
        """Forget a dataset's first-use pin and every copy remembered (``--forget-pin``).

        Args:
            spec: the dataset.

        Example:
            >>> import tempfile
            >>> from kvasir_seg.catalog import get_spec
            >>> store, spec = ArchiveStore(tempfile.mkdtemp()), get_spec("kvasir_sessile")
            >>> store.record_copy(spec, Copy("/data/x.zip", "5f0c3a1e", "accepted", now()))
            >>> store.forget(spec)
            >>> store.copies(spec)
            []
        """
        self.record_path(spec).unlink(missing_ok=True)

    def _update(self, spec: DatasetSpec, change: Any) -> None:
        """Apply ``change(record)`` under the lock, atomically; warn if the store is read-only."""
        path = self.record_path(spec)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with FileLock(str(self.root / ".store.lock")):
                record = self._record(spec)
                change(record)
                handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
                with os.fdopen(handle, "w", encoding="utf-8") as out:
                    json.dump(record, out, indent=2, sort_keys=True)
                os.replace(temporary, path)
        except OSError as error:
            logger.warning("cannot write the archive store %s (%s); continuing", self.root, error)
