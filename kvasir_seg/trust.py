"""Whether an archive may be read: the one check every door makes, and the one trust rule.

:func:`check_archive` is the only answer to "is this zip (or folder) usable, and what is
it?". Hugging Face, TFDS, the command line and the downloader all ask it, so they all
decide the same way:

- a zip must match its **pin**: the published SHA-256, or the one recorded on first use
  for archives without one (:mod:`kvasir_seg.store`);
- an archive with no pin yet is opened (layout, pairs, box file) and pinned only when it
  is **complete**: exactly the catalog's number of examples. A subset, a test archive or a
  truncated hand-made zip is read, but never becomes the pin;
- a zip that fails its pin is refused (:class:`ChecksumError`: the copy, expected vs
  found, and the option) unless the user **accepts** it, once, with checks skipped
  (``verification_mode="no_checks"``, ``--no-verify``). Accepting records that file (its
  path and SHA-256) in the store: from then on that same file is read by every door
  without the option, with one warning per process naming it and its checksum. Any other
  copy that fails needs the option again;
- an extracted folder has no checksum: its identity is a fingerprint of its files.

    >>> from kvasir_seg.catalog import get_spec
    >>> archive = check_archive(get_spec("kvasir_seg"), "kvasir-seg.zip")  # doctest: +SKIP
    >>> archive.identity[:12], archive.check  # doctest: +SKIP
    ('03b30e21d584', 'sha256 03b30e21... matches the published checksum')
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from kvasir_seg.archive import open_archive
from kvasir_seg.archive.sources import FolderSource
from kvasir_seg.catalog import DatasetSpec
from kvasir_seg.errors import ChecksumError
from kvasir_seg.logs import warn_once
from kvasir_seg.store import ArchiveStore, Pin, default_store

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ResolvedArchive:
    """An archive found and checked: where it is, what it is, how it was checked."""

    path: Path
    #: The SHA-256 of a zip, or ``folder-<sha256 of its listing>`` for an extracted folder.
    identity: str
    #: How it was checked, for messages and ``kvasir-seg info``.
    check: str
    #: False for a zip read although it fails its pin (accepted with checks skipped).
    matches_pin: bool = True

    @property
    def cache_key(self) -> str:
        """A short key for cache folder names (16 hex digits of the identity)."""
        return self.identity.removeprefix("folder-")[:16]

    @property
    def is_zip(self) -> bool:
        return self.path.is_file()

    @property
    def size_bytes(self) -> int:
        """The archive's bytes (an extracted folder: its files')."""
        if self.is_zip:
            return self.path.stat().st_size
        return sum(p.stat().st_size for p in self.path.rglob("*") if p.is_file())


def folder_identity(path: Path) -> str:
    """``folder-<sha256>`` of the names, sizes and modification times of a folder's files."""
    digest = hashlib.sha256()
    for name in FolderSource(path).names():
        status = (path / name).stat()
        digest.update(f"{name}\0{status.st_size}\0{status.st_mtime_ns}\n".encode())
    return f"folder-{digest.hexdigest()}"


def identity_of(path: Path, store: ArchiveStore | None = None) -> str:
    """The identity of the zip (its SHA-256) or extracted folder at ``path``; nothing checked."""
    return folder_identity(path) if path.is_dir() else (store or default_store()).sha256(path)


def check_archive(
    spec: DatasetSpec,
    path: str | os.PathLike[str],
    *,
    verify: bool = True,
    store: ArchiveStore | None = None,
    origin: str | None = None,
    require_complete: bool = False,
    remember: bool = True,
) -> ResolvedArchive:
    """Check the zip or extracted folder at ``path`` as the module doc says.

    ``verify=False`` accepts a zip that fails its pin (and records the acceptance);
    ``origin`` is where a pin recorded now came from (default: the path);
    ``require_complete`` opens the zip even when its pin is known (downloads: a cut
    transfer must show as incomplete, not as another file); ``remember`` records the
    location in the store, so that later calls without a path find it.

    Raises :class:`ChecksumError` for a zip that fails its pin and was never accepted, and
    the reader's errors (:class:`~kvasir_seg.errors.ArchiveError`,
    :class:`~kvasir_seg.errors.LayoutError`) for one that is not the dataset's archive.
    """
    store = store or default_store()
    path = Path(path).expanduser()
    if path.is_dir():
        archive = ResolvedArchive(path, identity_of(path), "extracted folder: no checksum")
    else:
        origin = origin or str(path.absolute())
        archive = _check_zip(spec, path, verify, store, origin, require_complete)
    if remember:
        store.remember(spec, path)
    return archive


def _check_zip(
    spec: DatasetSpec,
    path: Path,
    verify: bool,
    store: ArchiveStore,
    origin: str,
    require_complete: bool,
) -> ResolvedArchive:
    pin = store.pin(spec)
    examples = _count_examples(spec, path) if pin is None or require_complete else None
    digest = store.sha256(path)
    if pin is None:
        if examples == spec.expected_examples:
            pin = store.record_pin(spec, digest, path.stat().st_size, origin)
            return ResolvedArchive(path, digest, f"sha256 {digest}: pinned now ({origin})")
        logger.info(
            "%s: %s (sha256 %s) holds %d of the %d examples of the official archive: read, "
            "not pinned",
            spec.name,
            path,
            digest,
            examples,
            spec.expected_examples,
        )
        return ResolvedArchive(path, digest, f"sha256 {digest}: incomplete copy, not pinned")
    if pin.sha256 == digest:
        return ResolvedArchive(path, digest, f"sha256 {digest} matches {pin.describe()}")
    accepted = store.accepted(spec, digest)
    if accepted is None and verify:
        raise ChecksumError(_mismatch_message(spec, path, digest, pin, store))
    if accepted is None:
        accepted = store.accept(spec, origin, digest)
    _announce(spec, path, digest, pin, accepted)
    return ResolvedArchive(
        path,
        digest,
        f"sha256 {digest} does NOT match {pin.describe()}; accepted with checks skipped "
        f"({accepted})",
        matches_pin=False,
    )


def _count_examples(spec: DatasetSpec, path: Path) -> int:
    """The number of examples of the archive at ``path`` (raises if it is not one)."""
    with open_archive(spec, path) as archive:
        return len(archive.ids)


def _announce(spec: DatasetSpec, path: Path, digest: str, pin: Pin, accepted: str) -> None:
    warn_once(
        logger,
        ("accepted", spec.name, str(path), digest),
        "%s: reading %s (sha256 %s), which you accepted with checks skipped (%s) although %s "
        "is sha256 %s",
        spec.name,
        path,
        digest,
        accepted.partition(",")[0],
        pin.describe(),
        pin.sha256,
    )


def _mismatch_message(
    spec: DatasetSpec, path: Path, digest: str, pin: Pin, store: ArchiveStore
) -> str:
    expected = f"sha256 {pin.sha256}" + (
        f" ({pin.size_bytes} bytes)" if pin.size_bytes is not None else ""
    )
    message = (
        f"{path} is not the {spec.filename} this project knows: expected {expected}, "
        f"{pin.describe()}; found sha256 {digest} ({path.stat().st_size} bytes). Delete it and "
        f"download {spec.url} again; or, if you trust this file, accept it once with checks "
        "skipped (verification_mode='no_checks' for Hugging Face and TFDS, --no-verify on the "
        "command line): every later call then reads this same file."
    )
    if pin.source == "first-use":
        message += (
            f" If the archive was really updated, forget the old pin: "
            f"`kvasir-seg download {spec.name} --forget-pin` (or delete "
            f"{store.record_path(spec)})."
        )
    return message


def describe_copy(spec: DatasetSpec, path: Path, store: ArchiveStore | None = None) -> dict:
    """What the trust rule says of the copy at ``path`` now, without recording anything:
    ``{"path", "identity", "trust"}`` (for ``kvasir-seg info``).

    ``trust`` is ``matches ...`` (its pin), ``accepted ...`` (fails its pin, accepted with
    checks skipped), ``fails ...`` (refused until accepted), ``not pinned yet`` or
    ``extracted folder: no checksum``.
    """
    store = store or default_store()
    identity = identity_of(path, store)
    pin = store.pin(spec)
    if path.is_dir():
        trust = "extracted folder: no checksum"
    elif pin is None:
        trust = "not pinned yet (no checksum is published)"
    elif pin.sha256 == identity:
        trust = f"matches {pin.describe()}"
    else:
        accepted = store.accepted(spec, identity)
        trust = (
            f"{accepted}, with checks skipped: it does NOT match {pin.describe()}"
            if accepted
            else f"fails {pin.describe()}: refused unless accepted with checks skipped"
        )
    return {"path": str(path), "identity": identity, "trust": trust}
