"""Archives nested in the archive: ``.tar.gz`` (or ``.tgz``, ``.tar``) members of the zip.

Some archives (Kvasir-Instrument, as one public converter reads it) may hold their folders
as ``images.tar.gz`` and ``masks.tar.gz`` members instead of plain files. A tar cannot be
read at random in place, so each nested archive is unpacked **once** into the archive
store (``<store>/unpacked/<key>/``, keyed by what identifies the member's content: a zip
member's name, CRC-32 and sizes, a file's real path, size, mtime and inode) and read from
there; the outer zip is still read in place. The files of a nested archive
appear beside it: ``kvasir-instrument/images.tar.gz`` holding ``images/<id>.jpg`` gives
``kvasir-instrument/images/<id>.jpg`` (a tar without one top folder is put in a folder
named after it).

Unpacking is bounded like every other read: only regular files (a link, a device or a
name that climbs out is refused), at most :data:`~kvasir_seg.archive.sources.
MAX_MEMBER_BYTES` per file and :data:`MAX_UNPACKED_BYTES` in all. It goes into a temporary
folder, renamed into place only once every file is written, under a lock: a half-unpacked
folder is never read.

:func:`open_source` opens any archive: the zip or folder, with its nested archives.

    >>> import tempfile
    >>> from kvasir_seg.testing import write_archive
    >>> zip_path = write_archive("kvasir_instrument", tempfile.mkdtemp(), layout="nested")
    >>> source = open_source(zip_path)  # images.tar.gz and masks.tar.gz unpacked
    >>> sorted({name.rsplit("/", 1)[0] for name in source.names()})
    ['kvasir-instrument', 'kvasir-instrument/images', 'kvasir-instrument/masks']
    >>> source.close()
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import shutil
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

from filelock import FileLock

from kvasir_seg.archive.sources import MAX_MEMBER_BYTES, FolderSource, Source, ZipSource, skipped
from kvasir_seg.errors import ArchiveError
from kvasir_seg.store import store_root

#: The member suffixes read as nested archives.
NESTED_SUFFIXES = (".tar.gz", ".tgz", ".tar")
#: The most a nested archive may unpack to (the real archives are far smaller).
MAX_UNPACKED_BYTES = 8 * 1024**3
#: The file that marks an unpacked folder as complete.
_COMPLETE = ".kvasir-seg-unpacked"


def open_source(path: Path) -> Source:
    """Open any archive: a zip or a folder, with the files of its nested archives.

    Args:
        path: the zip, or the extracted folder.

    Returns:
        A :class:`ZipSource` for a file, a :class:`FolderSource` for a folder; one that holds
        nested archives (``.tar.gz`` members) is a :class:`NestedSource` over it.

    Example:
        >>> import tempfile
        >>> from kvasir_seg.testing import write_archive
        >>> source = open_source(write_archive("kvasir_seg", tempfile.mkdtemp(), count=2))
        >>> type(source).__name__
        'ZipSource'
        >>> source.close()
    """
    source: Source = ZipSource(path) if path.is_file() else FolderSource(path)
    nested = [name for name in source.names() if name.lower().endswith(NESTED_SUFFIXES)]
    if not nested:
        return source
    try:
        return NestedSource(source, nested)
    except BaseException:
        source.close()
        raise


class NestedSource(Source):
    """An archive with its nested archives unpacked, their files listed beside them.

    Each nested archive is unpacked once into the archive store (see the module docstring).

    Args:
        outer: the zip or folder.
        nested: the paths of its nested archives (``.tar.gz``, ``.tgz``, ``.tar`` members).

    Raises:
        ArchiveError: a nested archive cannot be read, or holds what no real archive holds
            (links, devices, names that climb out, more than :data:`MAX_UNPACKED_BYTES`).

    Example:
        >>> import tempfile
        >>> from kvasir_seg.archive.sources import ZipSource
        >>> from kvasir_seg.testing import write_archive
        >>> zip_path = write_archive("kvasir_instrument", tempfile.mkdtemp(), layout="nested")
        >>> outer = ZipSource(zip_path)
        >>> source = NestedSource(outer, ["kvasir-instrument/images.tar.gz"])
        >>> len(source.names()) - len(outer.names())  # 10 images instead of 1 member
        9
        >>> source.close()
    """

    def __init__(self, outer: Source, nested: list[str]) -> None:
        self.location = outer.location
        self._outer = outer
        self._nested = set(nested)
        self._inner: dict[str, tuple[FolderSource, str]] = {}
        for member in nested:
            folder = FolderSource(_unpacked(outer, member))
            beside = posixpath.dirname(member)
            for name in folder.names():
                self._inner[posixpath.join(beside, name) if beside else name] = (folder, name)

    def names(self) -> list[str]:
        return [n for n in self._outer.names() if n not in self._nested] + list(self._inner)

    def read(self, name: str) -> bytes:
        if name in self._inner:
            folder, inner = self._inner[name]
            return folder.read(inner)
        return self._outer.read(name)

    def read_all(self) -> int:
        inner = sum(len(folder.read(name)) for folder, name in self._inner.values())
        return self._outer.read_all() + inner

    def close(self) -> None:
        """Close the outer archive."""
        self._outer.close()


def _unpacked(outer: Source, member: str) -> Path:
    """The folder ``member`` of ``outer`` is unpacked in (unpacked now if it is not yet)."""
    key = hashlib.sha256(outer.fingerprint(member).encode()).hexdigest()[:24]
    home = store_root() / "unpacked"
    target = home / key
    if (target / _COMPLETE).is_file():
        return target
    home.mkdir(parents=True, exist_ok=True)
    with FileLock(str(home / f"{key}.lock")):
        if (target / _COMPLETE).is_file():
            return target
        scratch = Path(tempfile.mkdtemp(prefix=f"{key}.", dir=home))
        try:
            root = _unpack(outer, member, scratch)
            (root / _COMPLETE).write_text(member)
            shutil.rmtree(target, ignore_errors=True)  # an earlier, incomplete attempt
            os.replace(root, target)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    return target


def _unpack(outer: Source, member: str, scratch: Path) -> Path:
    """Unpack ``member`` below ``scratch``; the folder that is to become the unpacked one."""
    where = f"{outer.location}: the nested archive {member!r}"
    files = scratch / "files"
    total = 0
    try:
        with (
            outer.open(member, MAX_UNPACKED_BYTES) as stream,
            tarfile.open(fileobj=stream, mode="r|*") as tar,
        ):
            for entry in tar:
                if entry.isdir():
                    continue
                name = _safe_name(entry.name, where)
                if not entry.isfile():
                    raise ArchiveError(
                        f"{where} holds {entry.name!r}, which is not a regular file (a link or "
                        "a device): this is not the official archive. Download it again."
                    )
                total += entry.size
                if entry.size > MAX_MEMBER_BYTES or total > MAX_UNPACKED_BYTES:
                    raise ArchiveError(
                        f"{where} unpacks beyond the bounds of any real archive (a file of "
                        f"{entry.size:,} bytes, {total:,} in all): this is not the official "
                        "archive. Download it again."
                    )
                if name is None:
                    continue
                path = files / name
                path.parent.mkdir(parents=True, exist_ok=True)
                with tar.extractfile(entry) as data, open(path, "wb") as out:
                    shutil.copyfileobj(data, out)
    except (tarfile.TarError, EOFError, OSError, ValueError) as error:
        raise ArchiveError(
            f"{where} cannot be unpacked ({error}). The archive is truncated or corrupt: "
            "delete it and download it again."
        ) from error
    tops = list(files.iterdir()) if files.is_dir() else []
    if len(tops) == 1 and tops[0].is_dir():
        return files
    named = scratch / "named"
    named.mkdir()
    stem = PurePosixPath(member).name
    for suffix in NESTED_SUFFIXES:
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    if files.is_dir():
        os.replace(files, named / stem)
    return named


def _safe_name(name: str, where: str) -> str | None:
    """``name`` as a relative path below the unpacked folder; None for metadata to skip."""
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts:
        raise ArchiveError(
            f"{where} holds {name!r}, a name outside the archive: this is not the official "
            "archive. Download it again."
        )
    parts = [part for part in path.parts if part not in ("", ".")]
    if not parts or any(skipped(part) for part in parts):
        return None
    return "/".join(parts)
