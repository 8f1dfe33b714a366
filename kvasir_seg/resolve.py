"""Which copy of an archive is read, whether it may be read, and what the store remembers.

Hugging Face, TFDS, PyTorch, the command line and :func:`kvasir_seg.archive.open_archive`
all ask here, so all read the same copy and decide the same way; docs/archive-store.md
states the rules for users.

- Which copy: a path the user gives (:func:`locate_archive`); without one, :func:`find_copy`
  over the copies the store holds (verified, else accepted, else read whole; most recent
  first); with none, :func:`kvasir_seg.plan.resolve_archive` downloads one.
- Whether it may be read (:func:`judge`, :func:`resolve_path`; nothing written): a zip is
  *verified* (it matches its pin), *refused* (:class:`ChecksumError`) unless *accepted*
  before or *accepting* now (checks skipped), or *unpinned* (no pin yet); an extracted
  folder is a *folder* (no checksum).
- What the store remembers (:func:`settle`, the only caller of the store's writer, once
  the copy is open): a copy it does not know yet is read whole (every member, CRC-checked; a
  verified zip is the very bytes of the published archive or of the copy read whole when
  it was pinned) and remembered if it has the catalog's number of examples or is accepted;
  an unpinned zip then becomes the pin unless it is far from the size its dataset page
  states. A failed or partial read writes nothing.

    >>> from kvasir_seg.catalog import get_spec
    >>> copy = resolve_path(get_spec("kvasir_sessile"), "~/Downloads")  # doctest: +SKIP
    >>> copy.path, copy.trust, copy.identity[:12]  # doctest: +SKIP
    (PosixPath('/home/me/Downloads/kvasir-sessile.zip'), 'verified', '5f0c3a1e9b2d')

The examples below write small synthetic archives (:mod:`kvasir_seg.testing`) and use a
store of their own in a temporary folder.
"""

from __future__ import annotations

import hashlib
import logging
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kvasir_seg.catalog import STATED_SIZE_TOLERANCE, DatasetSpec
from kvasir_seg.errors import ArchiveError, ChecksumError, KvasirSegError
from kvasir_seg.logs import say_once
from kvasir_seg.store import ArchiveStore, Copy, Pin, default_store, now, sha256_of

if TYPE_CHECKING:
    from kvasir_seg.archive.reader import KvasirArchive

logger = logging.getLogger(__name__)

#: How :func:`find_copy` ranks the copies it may read (lowest first; then most recent);
#: ``refused`` and ``unreadable`` copies are not read.
RANK = {"verified": 0, "accepted": 1, "accepting": 1, "unpinned": 2, "folder": 2}

_HASHED: dict[tuple[str, int, int, int], str] = {}  # (real path, size, mtime, inode) -> sha256


@dataclass(frozen=True)
class ResolvedArchive:
    """A copy of an archive, found and checked: where it is, what it is, whether it may be read.

    Args:
        path: the zip, or the extracted folder.
        identity: the zip's SHA-256, or ``folder-<sha256 of its listing>`` for an extracted
            folder (:func:`folder_identity`).
        trust: what the checks found: ``"verified"`` (it matches its pin),
            ``"accepted"`` (the user accepted it with checks skipped before),
            ``"accepting"`` (accepted now), ``"unpinned"`` (no checksum to match yet),
            ``"folder"`` (an extracted folder: no checksum) or ``"refused"``; the store's
            listing adds ``"unreadable"`` and ``"missing"``.
        check: the same in words, for messages, ``kvasir-seg info`` and the record of
            what a build was made from.

    Example:
        >>> copy = ResolvedArchive(Path("/data/kvasir-seg.zip"), "03b30e21d584e04f", "verified",
        ...                        "matches the published checksum")
        >>> copy.matches_pin, copy.cache_key
        (True, '03b30e21d584e04f')
    """

    path: Path
    identity: str
    trust: str
    check: str

    @property
    def matches_pin(self) -> bool:
        """Whether the copy is a zip that matches its pin."""
        return self.trust == "verified"

    @property
    def cache_key(self) -> str:
        """A short key for cache folder names (16 hex digits of the identity)."""
        return self.identity.removeprefix("folder-")[:16]

    @property
    def is_zip(self) -> bool:
        """Whether the copy is a zip (else an extracted folder)."""
        return self.path.is_file()

    @property
    def size_bytes(self) -> int:
        """The archive's bytes (an extracted folder: its files')."""
        if self.is_zip:
            return self.path.stat().st_size
        return sum(p.stat().st_size for p in self.path.rglob("*") if p.is_file())


def locate_archive(spec: DatasetSpec, data_dir: str | os.PathLike[str]) -> Path:
    """The zip or extracted folder that a path given by the user names.

    When a folder holds both the zip and the extracted folder, the zip is read, and a
    warning says so.

    Args:
        spec: the dataset.
        data_dir: the zip itself, the folder that holds the zip under its official name,
            or the extracted folder (or its parent); ``~`` is expanded.

    Returns:
        The zip's path, or the extracted folder's.

    Raises:
        ArchiveError: nothing is at ``data_dir``, or it is a file that is not a zip.

    Example:
        >>> import tempfile
        >>> from kvasir_seg.catalog import get_spec
        >>> from kvasir_seg.testing import write_archive
        >>> folder = tempfile.mkdtemp()
        >>> zip_path = write_archive("kvasir_seg", folder, count=2)
        >>> locate_archive(get_spec("kvasir_seg"), folder) == zip_path
        True
    """
    path = Path(data_dir).expanduser()
    if not path.exists():
        raise ArchiveError(
            f"{path} does not exist. Download {spec.url} and pass the zip, the folder that "
            "holds it, or the folder it extracts to."
        )
    extracted = path / spec.root_folder if spec.root_folder and path.is_dir() else None
    if path.is_dir() and (path / spec.filename).is_file():
        if extracted is not None and extracted.is_dir():
            logger.warning(
                "%s holds both %s and the extracted %s/: reading the zip (pass the folder "
                "itself to read the extracted copy)",
                path,
                spec.filename,
                spec.root_folder,
            )
        return path / spec.filename
    if extracted is not None and extracted.is_dir():
        return extracted
    if path.is_file() and not zipfile.is_zipfile(path):
        raise ArchiveError(
            f"{path} is not a zip archive (or it is truncated). Expected the official "
            f"{spec.filename} from {spec.url}: delete the file and download it again."
        )
    if not path.is_file() and not path.is_dir():
        raise ArchiveError(f"{path} is neither a zip file nor a folder.")
    return path


def folder_identity(path: Path) -> str:
    """The identity of an extracted folder: a fingerprint of its files' names, sizes and times.

    Dot-files and ``__MACOSX`` are left out, as the reader leaves them out.

    Args:
        path: the folder.

    Returns:
        ``folder-<sha256>``.

    Example:
        >>> import tempfile
        >>> folder_identity(Path(tempfile.mkdtemp()))[:14]
        'folder-e3b0c44'
    """
    digest = hashlib.sha256()
    for folder, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__MACOSX")
        for name in sorted(f for f in files if not f.startswith(".")):
            file = Path(folder, name)
            status = file.stat() if file.exists() else file.lstat()  # a dangling link
            relative = file.relative_to(path).as_posix()
            line = f"{relative}\0{status.st_size}\0{status.st_mtime_ns}\n"
            digest.update(line.encode("utf-8", "surrogateescape"))
    return f"folder-{digest.hexdigest()}"


def identity_of(spec: DatasetSpec, path: Path, store: ArchiveStore | None = None) -> str:
    """The identity of a zip or an extracted folder; nothing is checked, nothing written.

    A zip's SHA-256 is hashed once per process and file, or not at all when the store
    remembers it for this file's size, mtime and inode.

    Args:
        spec: the dataset.
        path: the zip or folder (as :func:`locate_archive` gives it).
        store: the archive store (default: :func:`kvasir_seg.store.default_store`).

    Returns:
        The zip's SHA-256, or the folder's :func:`folder_identity`.

    Example:
        >>> import tempfile
        >>> from kvasir_seg.catalog import get_spec
        >>> from kvasir_seg.store import ArchiveStore, sha256_of
        >>> from kvasir_seg.testing import write_archive
        >>> zip_path = write_archive("kvasir_sessile", tempfile.mkdtemp(), count=2)
        >>> store = ArchiveStore(tempfile.mkdtemp())
        >>> identity_of(get_spec("kvasir_sessile"), zip_path, store) == sha256_of(zip_path)
        True
    """
    if path.is_dir():
        return folder_identity(path)
    status, real = path.stat(), str(path.resolve())
    key = (real, status.st_size, status.st_mtime_ns, status.st_ino)
    if key not in _HASHED:
        copies = (store or default_store()).copies(spec)
        known = [c.identity for c in copies if c.path == real and c.stamped(status)]
        _HASHED[key] = known[0] if known else sha256_of(path)
    return _HASHED[key]


def judge(
    spec: DatasetSpec, path: Path, *, verify: bool = True, store: ArchiveStore | None = None
) -> ResolvedArchive:
    """Check whether a copy may be read: its checksum, or the user's acceptance; nothing is written.

    A zip that matches its pin is verified; one that does not is refused, unless the user
    accepted it before or accepts it now (``verify=False``). A zip without a pin (no
    published checksum, none recorded yet) is unpinned; an extracted folder has no checksum.

    Args:
        spec: the dataset.
        path: the zip or folder (as :func:`locate_archive` gives it).
        verify: False accepts a zip that fails its checksum.
        store: the archive store (default: :func:`kvasir_seg.store.default_store`).

    Returns:
        The copy, its ``trust`` one of ``"verified"``, ``"accepted"``, ``"accepting"``,
        ``"unpinned"``, ``"folder"`` or ``"refused"``.

    Example:
        >>> import tempfile
        >>> from kvasir_seg.catalog import get_spec
        >>> from kvasir_seg.store import ArchiveStore
        >>> from kvasir_seg.testing import write_archive
        >>> zip_path = write_archive("kvasir_seg", tempfile.mkdtemp(), count=2)
        >>> store = ArchiveStore(tempfile.mkdtemp())
        >>> judge(get_spec("kvasir_seg"), zip_path, store=store).trust  # not the published zip
        'refused'
        >>> judge(get_spec("kvasir_seg"), zip_path, verify=False, store=store).trust
        'accepting'
    """
    store = store or default_store()
    if path.is_dir():
        return ResolvedArchive(
            path, folder_identity(path), "folder", "extracted folder: no checksum"
        )
    digest, pin = identity_of(spec, path, store), store.pin(spec)
    accepted = [c for c in store.copies(spec) if c.identity == digest and c.trust == "accepted"]
    if pin is None:
        trust, check = "unpinned", "not pinned (no checksum is published)"
        if spec.far_from_stated_size(path.stat().st_size):
            check = f"not pinned: {_far(spec, path.stat().st_size)}"
    elif digest == pin.sha256:
        trust, check = "verified", f"matches {pin.describe()}"
    elif accepted:
        when = f"{accepted[0].recorded_at}, {accepted[0].path}"
        trust, check = "accepted", f"accepted with checks skipped ({when})"
    elif not verify:
        trust, check = "accepting", "accepted with checks skipped just now"
    else:
        trust, check = "refused", "refused unless accepted with checks skipped"
    if trust in ("accepted", "accepting", "refused"):
        check += f"; it does NOT match {pin.describe()} (sha256 {pin.sha256})"
    return ResolvedArchive(path, digest, trust, check)


def resolve_path(
    spec: DatasetSpec,
    data_dir: str | os.PathLike[str],
    *,
    verify: bool = True,
    store: ArchiveStore | None = None,
) -> ResolvedArchive:
    """Find the copy a path given by the user names, and check that it may be read.

    Args:
        spec: the dataset.
        data_dir: the path (see :func:`locate_archive`).
        verify: False accepts a zip that fails its checksum (:func:`judge`).
        store: the archive store (default: :func:`kvasir_seg.store.default_store`).

    Returns:
        The copy; when the user accepted it before, an INFO line says so, once per process.

    Raises:
        ChecksumError: a zip fails its pin and was never accepted (the message says how to
            accept it, or to download it again).
        ArchiveError: there is no zip or folder at ``data_dir`` (:func:`locate_archive`).

    Example:
        >>> import tempfile
        >>> from kvasir_seg.catalog import get_spec
        >>> from kvasir_seg.store import ArchiveStore
        >>> from kvasir_seg.testing import write_archive
        >>> folder = write_archive("kvasir_seg", tempfile.mkdtemp(), count=2, zipped=False)
        >>> resolve_path(get_spec("kvasir_seg"), folder, store=ArchiveStore(folder)).trust
        'folder'
    """
    store = store or default_store()
    copy = judge(spec, locate_archive(spec, data_dir), verify=verify, store=store)
    if copy.trust == "refused":
        raise ChecksumError(_mismatch_message(spec, copy, store))
    if copy.trust == "accepted":
        _say_accepted(spec, copy)
    return copy


def _say_accepted(spec: DatasetSpec, copy: ResolvedArchive) -> None:
    """One line, once per process: the copy read is one the user accepted."""
    key = ("accepted", spec.name, copy.identity)
    message = "%s: reading %s (sha256 %s), %s"
    say_once(logger, logging.INFO, key, message, spec.name, copy.path, copy.identity, copy.check)


def _mismatch_message(spec: DatasetSpec, copy: ResolvedArchive, store: ArchiveStore) -> str:
    pin = store.pin(spec)
    assert pin is not None  # a copy is refused only for failing its pin
    size = f" ({pin.size_bytes} bytes)" if pin.size_bytes is not None else ""
    message = (
        f"{copy.path} is not the {spec.filename} this project knows: expected sha256 "
        f"{pin.sha256}{size}, {pin.describe()}; found sha256 {copy.identity} "
        f"({copy.size_bytes} bytes). Delete it and download {spec.url} again; or, if you trust "
        "this file, accept it once with checks skipped (verification_mode='no_checks' for "
        "Hugging Face and TFDS, --no-verify on the command line, verify=False for "
        "open_archive): every later call then reads this same file."
    )
    if pin.source == "first-use":
        message += (
            f" If the archive was really updated, forget the old pin: `kvasir-seg download "
            f"{spec.name} --forget-pin` (or delete {store.record_path(spec)})."
        )
    return message


def _store_copies(spec: DatasetSpec, verify: bool, store: ArchiveStore) -> list[ResolvedArchive]:
    """Each copy the store holds (remembered, most recent first, then its own zip), checked;
    one that cannot be read is ``unreadable``."""
    known = {Path(c.path): c.identity for c in store.copies(spec)}
    own = store.archive_path(spec)
    if own.is_file() and own.resolve() not in known:
        known[own] = ""
    judged = []
    for path, identity in known.items():
        try:
            judged.append(judge(spec, locate_archive(spec, path), verify=verify, store=store))
        except (KvasirSegError, OSError) as error:
            why = f"unreadable: {error}" if path.exists() else "gone"
            judged.append(ResolvedArchive(path, identity, "unreadable", why))
    return judged


def find_copy(
    spec: DatasetSpec,
    *,
    verify: bool = True,
    store: ArchiveStore | None = None,
    say: bool = True,
) -> ResolvedArchive | None:
    """The copy a call without a path reads: the best one the store holds.

    Verified copies come first, then accepted ones, then unpinned zips and folders; among
    equals, the one remembered most recently. A warning says which copy is read and why
    when it is not verified and another copy came first (remembered later, or the pinned
    one, now gone).

    Args:
        spec: the dataset.
        verify: False accepts a zip that fails its checksum (:func:`judge`).
        store: the archive store (default: :func:`kvasir_seg.store.default_store`).
        say: False logs nothing (``kvasir-seg info`` lists the copies itself).

    Returns:
        The copy, or None when the store holds none that can be read.

    Raises:
        ChecksumError: every copy the store holds fails its checksum (a local copy that
            fails is reported, never answered with a download).

    Example:
        >>> import tempfile
        >>> from kvasir_seg.catalog import get_spec
        >>> from kvasir_seg.store import ArchiveStore
        >>> print(find_copy(get_spec("kvasir_seg"), store=ArchiveStore(tempfile.mkdtemp())))
        None
    """
    store = store or default_store()
    copies = _store_copies(spec, verify, store)
    usable = [c for c in copies if c.trust in RANK]
    if not usable:
        refused = [c for c in copies if c.trust == "refused"]
        if refused:
            raise ChecksumError(_mismatch_message(spec, refused[0], store))
        return None
    chosen = min(usable, key=lambda c: RANK[c.trust])  # the first of the lowest rank
    pin = store.pin(spec)
    lost = [c for c in copies if c.trust == "unreadable" and pin and c.identity == pin.sha256]
    passed = list(
        dict.fromkeys(f"{c.path} ({c.check})" for c in copies[: copies.index(chosen)] + lost)
    )
    if say and passed and chosen.trust != "verified":
        logger.warning(
            "%s: reading %s (%s), the most trusted copy the archive store holds; not %s "
            "(pass a path as data_dir to read another copy)",
            spec.name,
            chosen.path,
            chosen.check,
            ", nor ".join(passed),
        )
    if say and chosen.trust == "accepted":
        _say_accepted(spec, chosen)
    return chosen


def settle(
    spec: DatasetSpec,
    copy: ResolvedArchive,
    archive: KvasirArchive,
    *,
    store: ArchiveStore | None = None,
    record_as: Path | None = None,
    origin: str | None = None,
) -> None:
    """Remember a copy, now open, when the store should and does not know it yet.

    The only caller of :meth:`~kvasir_seg.store.ArchiveStore.record_copy`. A copy is
    remembered when it has the catalog's number of examples, or the user accepts it; it is
    read whole first (every member, CRC-checked) unless it is a verified zip. An unpinned
    zip then becomes the pin, unless its size is far from the one its dataset page states.
    A copy the store knows, a partial copy, or a read that fails writes nothing.

    Args:
        spec: the dataset.
        copy: the copy, as :func:`resolve_path` or :func:`find_copy` gave it.
        archive: the copy, opened (:class:`~kvasir_seg.archive.reader.KvasirArchive`).
        store: the archive store (default: :func:`kvasir_seg.store.default_store`).
        record_as: the path to remember (a download is read as its ``.part`` file;
            default: the copy's path).
        origin: where a pin recorded now came from (default: the path remembered).

    Raises:
        ArchiveError: a member cannot be read while the copy is read whole.

    Example:
        >>> import tempfile
        >>> from kvasir_seg.archive import KvasirArchive
        >>> from kvasir_seg.catalog import get_spec
        >>> from kvasir_seg.store import ArchiveStore
        >>> from kvasir_seg.testing import write_archive
        >>> spec, store = get_spec("kvasir_seg"), ArchiveStore(tempfile.mkdtemp())
        >>> zip_path = write_archive(spec, tempfile.mkdtemp(), count=2)
        >>> copy = resolve_path(spec, zip_path, verify=False, store=store)  # accept it
        >>> with KvasirArchive(spec, copy.path) as archive:
        ...     settle(spec, copy, archive, store=store)
        >>> [(c.trust, c.identity == copy.identity) for c in store.copies(spec)]
        [('accepted', True)]
    """
    store = store or default_store()
    path = (record_as or copy.path).resolve()
    if any(c.path == str(path) and c.identity == copy.identity for c in store.copies(spec)):
        return
    accepting = copy.trust in ("accepted", "accepting")
    count = len(archive.ids)
    if not accepting and count != spec.expected_examples:
        say_once(
            logger,
            logging.INFO,
            ("partial", copy.identity),
            "%s: %s holds %d of the %d examples of the official archive: read, not remembered",
            spec.name,
            copy.path,
            count,
            spec.expected_examples,
        )
        return
    if copy.trust != "verified":  # a verified zip is byte for byte one known whole
        archive.read_whole()
    status = copy.path.stat() if copy.is_zip else None
    pin = None
    if copy.trust == "unpinned" and status is not None:
        if spec.far_from_stated_size(status.st_size):
            far = _far(spec, status.st_size)
            logger.warning("%s: %s is %s: read, never pinned", spec.name, copy.path, far)
        else:
            pin = Pin(copy.identity, status.st_size, "first-use", now(), origin or str(path))
    stamp = (status.st_size, status.st_mtime_ns, status.st_ino) if status else (None,) * 3
    trust = "accepted" if accepting else "read whole"
    store.record_copy(spec, Copy(str(path), copy.identity, trust, now(), *stamp), pin)
    if pin is not None:
        logger.warning(
            "%s: no checksum is published for %s; pinned sha256 %s (%d bytes, every member "
            "read) from %s (trust on first use): later copies must match it",
            spec.name,
            spec.filename,
            pin.sha256,
            pin.size_bytes,
            pin.recorded_from,
        )
    elif copy.trust == "accepting":
        logger.warning(
            "%s: %s (sha256 %s) %s; every later call reads it without the option",
            spec.name,
            path,
            copy.identity,
            copy.check,
        )


def _far(spec: DatasetSpec, size: int) -> str:
    tolerance = f"{STATED_SIZE_TOLERANCE:.0%}"
    return (
        f"{size:,} bytes, more than {tolerance} from the {spec.stated_mib} MB its dataset page "
        f"states: not the official {spec.filename}"
    )


def describe_copies(spec: DatasetSpec, store: ArchiveStore | None = None) -> list[dict[str, str]]:
    """Each copy the store holds, and whether it may be read (``kvasir-seg info``).

    Args:
        spec: the dataset.
        store: the archive store (default: :func:`kvasir_seg.store.default_store`).

    Returns:
        One ``{"path", "identity", "trust"}`` per copy (remembered, most recent first, then
        the store's own zip), ``trust`` in words; nothing is written.

    Example:
        >>> import tempfile
        >>> from kvasir_seg.catalog import get_spec
        >>> from kvasir_seg.store import ArchiveStore
        >>> describe_copies(get_spec("kvasir_seg"), ArchiveStore(tempfile.mkdtemp()))
        []
    """
    copies = _store_copies(spec, True, store or default_store())
    return [{"path": str(c.path), "identity": c.identity, "trust": c.check} for c in copies]


def stored_identity(spec: DatasetSpec, store: ArchiveStore | None = None) -> str | None:
    """The identity of the copy a call without a path would read (:func:`find_copy`).

    Nothing is refused (a replaced copy shows as a changed identity), downloaded or logged.

    Args:
        spec: the dataset.
        store: the archive store (default: :func:`kvasir_seg.store.default_store`).

    Returns:
        The identity, or None when the store holds no copy.

    Example:
        >>> import tempfile
        >>> from kvasir_seg.catalog import get_spec
        >>> from kvasir_seg.store import ArchiveStore
        >>> print(stored_identity(get_spec("kvasir_seg"), ArchiveStore(tempfile.mkdtemp())))
        None
    """
    copy = find_copy(spec, verify=False, store=store, say=False)
    return copy.identity if copy is not None else None


def remembered_archive(
    spec: DatasetSpec,
    data_dir: str | os.PathLike[str] | None = None,
    *,
    store: ArchiveStore | None = None,
) -> ResolvedArchive | None:
    """A copy that is gone but that the store remembers, whose cache may still be served.

    Nothing is built or checked.

    Args:
        spec: the dataset.
        data_dir: a path given by the user that no longer exists: the copy remembered
            there (None: the copy remembered last, else the pin).
        store: the archive store (default: :func:`kvasir_seg.store.default_store`).

    Returns:
        The copy, its ``trust`` ``"missing"``; None when ``data_dir`` exists, or the store
        remembers nothing.

    Example:
        >>> import tempfile
        >>> from kvasir_seg.catalog import get_spec
        >>> from kvasir_seg.store import ArchiveStore
        >>> store = ArchiveStore(tempfile.mkdtemp())
        >>> gone = remembered_archive(get_spec("kvasir_seg"), store=store)  # the published pin
        >>> gone.trust, gone.identity[:8]
        ('missing', '03b30e21')
    """
    store = store or default_store()
    copies = store.copies(spec)
    if data_dir is not None:
        path = Path(data_dir).expanduser()
        if path.exists():
            return None  # it exists but could not be used: that is not a missing copy
        wanted = {str(p.resolve()) for p in (path, path / spec.filename)}
        copies = [c for c in copies if c.path in wanted]
    pin = store.pin(spec) if data_dir is None else None
    if copies:
        path, digest = Path(copies[0].path), copies[0].identity
    elif pin is not None:
        path, digest = store.archive_path(spec), pin.sha256
    else:
        return None
    return ResolvedArchive(path, digest, "missing", f"missing; last seen with sha256 {digest}")
