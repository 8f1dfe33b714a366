"""Read-only views of an archive's files: a zip read in place, or the folder it extracts to.

Both refuse what no real archive holds, before reading it: a member whose declared size is
beyond :data:`MAX_MEMBER_BYTES` or whose compression ratio is absurd (a zip bomb), an
encrypted member, a compression method Python cannot inflate (Deflate64), a member name
that is not valid UTF-8; in a folder, a link that leaves the folder, a file that is not a
regular file (a FIFO would block the reader), a name that is not valid UTF-8. Each is an
:class:`~kvasir_seg.errors.ArchiveError` that names the file and says what to do.

    >>> source = ZipSource(Path("~/Downloads/kvasir-seg.zip").expanduser())  # doctest: +SKIP
    >>> len(source.names()), source.read_all()  # doctest: +SKIP
    (2001, 46227172)

The examples below read small synthetic archives (:mod:`kvasir_seg.testing`).
"""

from __future__ import annotations

import logging
import lzma
import os
import stat
import zipfile
import zlib
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from kvasir_seg.errors import ArchiveError, LayoutError

logger = logging.getLogger(__name__)

#: Largest member read, uncompressed. The largest real member is a few MiB; anything
#: near this is not an image of these datasets.
MAX_MEMBER_BYTES = 256 * 1024 * 1024
#: Members larger than this (uncompressed) must not compress better than MAX_RATIO.
_RATIO_FLOOR = 8 * 1024 * 1024
#: JPEGs do not compress at all and a box file about 10x: 200x is a bomb, not a dataset.
MAX_RATIO = 200

#: Compression methods Python's zipfile inflates.
_READABLE_METHODS = {
    zipfile.ZIP_STORED: "stored",
    zipfile.ZIP_DEFLATED: "deflate",
    zipfile.ZIP_BZIP2: "bzip2",
    zipfile.ZIP_LZMA: "lzma",
}
_METHOD_NAMES = {9: "Deflate64", 93: "Zstandard", 98: "PPMd", 95: "xz", 97: "WavPack"}
#: Image file suffixes a folder of images, masks or predictions may hold.
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff")
#: The suffixes of the files a reader opens (images, the box file, nested archives).
READ_SUFFIXES = (*IMAGE_SUFFIXES, ".json", ".gz", ".tgz", ".tar")

_EXTRACT_HINT = (
    "Extract the zip with a tool that handles it (7-Zip, `unzip`) and pass the extracted "
    "folder instead, or download the official archive again."
)


def skipped(part: str) -> bool:
    """Whether a path component is metadata that readers skip (``__MACOSX``, dot-files).

    Args:
        part: one component of a member's path.

    Returns:
        True for ``__MACOSX`` and names that start with a dot.

    Example:
        >>> skipped("__MACOSX"), skipped(".DS_Store"), skipped("images")
        (True, True, False)
    """
    return part.startswith(".") or part == "__MACOSX"


class Source:
    """A read-only view of an archive's files (member paths use ``/``); the base of the others.

    Its ``location`` is the zip or folder read.
    """

    location: Path

    def names(self) -> list[str]:
        """Every file's path, relative to the archive's top, skipped metadata excluded."""
        raise NotImplementedError

    def read(self, name: str) -> bytes:
        """The bytes of one file, under the size bounds.

        Args:
            name: the file's path, as :meth:`names` gives it.

        Returns:
            The file's bytes (a zip member's CRC-32 checked).

        Raises:
            ArchiveError: there is no such file, it is beyond :data:`MAX_MEMBER_BYTES`,
                encrypted, compressed in a way Python cannot inflate, or unreadable.

        Example:
            >>> import tempfile
            >>> from kvasir_seg.testing import write_archive
            >>> source = ZipSource(write_archive("kvasir_seg", tempfile.mkdtemp(), count=2))
            >>> source.read("Kvasir-SEG/kavsir_bboxes.json")[:1]
            b'{'
            >>> source.close()
        """
        raise NotImplementedError

    def open(self, name: str, limit: int) -> BinaryIO:
        """A stream of one file, for a nested archive that is unpacked as it is read.

        Args:
            name: the file's path, as :meth:`names` gives it.
            limit: the most bytes the file may hold.

        Returns:
            A binary stream; close it after use.

        Raises:
            ArchiveError: the file declares more than ``limit`` bytes, or cannot be read.

        Example:
            >>> import tempfile
            >>> from kvasir_seg.testing import write_archive
            >>> source = ZipSource(write_archive("kvasir_seg", tempfile.mkdtemp(), count=2))
            >>> with source.open("Kvasir-SEG/kavsir_bboxes.json", 1 << 20) as stream:
            ...     stream.read(1)
            b'{'
            >>> source.close()
        """
        raise NotImplementedError

    def read_all(self) -> int:
        """Read every file once, as :meth:`read` does (a zip's members are CRC-checked).

        Returns:
            The number of bytes read.

        Raises:
            ArchiveError: the first file that cannot be read (as :meth:`read`).
        """
        return sum(len(self.read(name)) for name in self.names())

    def fingerprint(self, name: str) -> str:
        """What identifies one file's content without reading it (for caches of it).

        Args:
            name: the file's path, as :meth:`names` gives it.

        Returns:
            A zip member's name, CRC-32 and sizes; a file's real path, size, modification
            time and inode.

        Raises:
            ArchiveError: a zip has no such member.

        Example:
            >>> import tempfile
            >>> from kvasir_seg.testing import write_archive
            >>> source = ZipSource(write_archive("kvasir_seg", tempfile.mkdtemp(), count=2))
            >>> source.fingerprint("Kvasir-SEG/kavsir_bboxes.json").startswith("zip member")
            True
            >>> source.close()
        """
        raise NotImplementedError

    def close(self) -> None:
        """Release what the source holds open (a zip file); reading afterwards fails."""


class ZipSource(Source):
    """A zip, read in place: nothing is extracted.

    Args:
        path: the zip.

    Raises:
        ArchiveError: the file is not a readable zip, or a member name flagged UTF-8 is not.

    Example:
        >>> import tempfile
        >>> from kvasir_seg.testing import write_archive
        >>> source = ZipSource(write_archive("kvasir_seg", tempfile.mkdtemp(), count=2))
        >>> len(source.names())  # 2 images, 2 masks, the box file; not __MACOSX/, .DS_Store
        5
        >>> source.close()
    """

    def __init__(self, path: Path) -> None:
        self.location = path
        try:
            self._zip = zipfile.ZipFile(path)
        except UnicodeDecodeError as error:
            raise ArchiveError(
                f"{path} has a member whose name is flagged UTF-8 but is not valid UTF-8 "
                f"({error}). This is not the official archive: download it again, or extract "
                "it with another tool, rename the files and pass the folder."
            ) from error
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as error:
            raise ArchiveError(
                f"{path} is not a readable zip ({error}). It is probably truncated or "
                "corrupt: delete it and download it again."
            ) from error

    def names(self) -> list[str]:
        return [
            info.filename
            for info in self._zip.infolist()
            if not info.is_dir() and not any(skipped(p) for p in PurePosixPath(info.filename).parts)
        ]

    def open(self, name: str, limit: int) -> BinaryIO:
        info = self._info(name)
        self._check_member(info, limit)
        return self._zip.open(info)

    def read_all(self) -> int:
        members = [info.filename for info in self._zip.infolist() if not info.is_dir()]
        return sum(len(self.read(name)) for name in members)

    def fingerprint(self, name: str) -> str:
        info = self._info(name)
        return f"zip member {name}: crc {info.CRC:08x}, {info.file_size}/{info.compress_size}"

    def _info(self, name: str) -> zipfile.ZipInfo:
        try:
            return self._zip.getinfo(name)
        except KeyError:
            raise ArchiveError(f"{self.location} has no member {name!r}.") from None

    def read(self, name: str) -> bytes:
        info = self._info(name)
        self._check_member(info)
        try:
            with self._zip.open(info) as member:
                data = member.read(MAX_MEMBER_BYTES + 1)
        except RuntimeError as error:  # zipfile's "File is encrypted, password required"
            raise ArchiveError(
                f"{self.location}: {name!r} is encrypted. {_EXTRACT_HINT}"
            ) from error
        except NotImplementedError as error:
            raise ArchiveError(
                f"{self.location}: {name!r} cannot be read by Python's zipfile ({error}). "
                f"{_EXTRACT_HINT}"
            ) from error
        except MemoryError as error:
            raise ArchiveError(
                f"{self.location}: ran out of memory inflating {name!r}. {_EXTRACT_HINT}"
            ) from error
        except (zipfile.BadZipFile, zlib.error, lzma.LZMAError, OSError, EOFError) as error:
            raise ArchiveError(
                f"Cannot read {name!r} from {self.location} ({error}). The zip is truncated "
                "or corrupt: delete it and download it again."
            ) from error
        if len(data) > MAX_MEMBER_BYTES:
            raise ArchiveError(
                f"{self.location}: {name!r} inflates beyond {MAX_MEMBER_BYTES:,} bytes, more "
                "than any real image: this is not the official archive. Download it again."
            )
        return data

    def _check_member(self, info: zipfile.ZipInfo, limit: int = MAX_MEMBER_BYTES) -> None:
        where = f"{self.location}: member {info.filename!r}"
        if info.flag_bits & 0x1:
            raise ArchiveError(f"{where} is encrypted. {_EXTRACT_HINT}")
        if info.compress_type not in _READABLE_METHODS:
            method = _METHOD_NAMES.get(info.compress_type, f"method {info.compress_type}")
            raise ArchiveError(
                f"{where} is compressed with {method}, which Python's zipfile cannot inflate. "
                f"{_EXTRACT_HINT}"
            )
        if info.file_size > limit:
            raise ArchiveError(
                f"{where} declares {info.file_size:,} bytes uncompressed, far beyond any real "
                f"member (the limit is {limit:,}): this is not the official archive. "
                "Download it again."
            )
        if info.file_size > _RATIO_FLOOR and info.file_size > MAX_RATIO * max(
            info.compress_size, 1
        ):
            raise ArchiveError(
                f"{where} compresses {info.file_size // max(info.compress_size, 1):,} to 1, "
                "which no image does (a zip bomb?): this is not the official archive. "
                "Download it again."
            )

    def close(self) -> None:
        """Close the zip file."""
        self._zip.close()


class FolderSource(Source):
    """An extracted folder, read in place.

    Only the files a reader opens are listed (:data:`IMAGE_SUFFIXES`, ``.json``, nested
    archives), and links are followed only while they stay inside the folder.

    Args:
        path: the folder.

    Example:
        >>> import tempfile
        >>> from kvasir_seg.testing import write_archive
        >>> folder = write_archive("kvasir_seg", tempfile.mkdtemp(), count=2, zipped=False)
        >>> len(FolderSource(folder).names())  # 2 images, 2 masks, the box file
        5
    """

    def __init__(self, path: Path) -> None:
        self.location = path
        self._root = path.resolve()

    def names(self) -> list[str]:
        found = []
        for folder, dirs, files in os.walk(self.location):
            dirs[:] = sorted(d for d in dirs if not skipped(d))
            relative = Path(folder).relative_to(self.location)
            for file_name in sorted(files):
                if skipped(file_name):
                    continue
                name = (relative / file_name).as_posix()
                if self._usable(name):
                    found.append(name)
        return found

    def _usable(self, name: str) -> bool:
        """Whether to list ``name``: files a reader opens must be safe to open."""
        if not name.lower().endswith(READ_SUFFIXES):
            return False
        path = self.location / name
        try:
            name.encode("utf-8")
        except UnicodeEncodeError:
            readable = os.fsencode(path).decode("utf-8", "backslashreplace")
            raise LayoutError(
                f"The file name {readable} is not valid UTF-8, so it cannot be an image id. "
                "Rename it (the official archives use ASCII names) and run again."
            ) from None
        try:
            target = path.resolve(strict=True)
            status = target.stat()
        except (OSError, RuntimeError) as error:  # dangling or looping link
            raise ArchiveError(f"Cannot open {path}: {error}. Remove or fix the link.") from error
        if not target.is_relative_to(self._root):
            raise ArchiveError(
                f"{path} is a link to {target}, outside {self._root}. kvasir-seg reads only "
                "files inside the archive's folder, so that nothing else ends up in a cache or "
                "an export: copy the file into the folder or remove the link."
            )
        if not stat.S_ISREG(status.st_mode):
            raise ArchiveError(
                f"{path} is not a regular file (a FIFO, socket or device); remove it from the "
                "archive's folder."
            )
        return True

    def open(self, name: str, limit: int) -> BinaryIO:
        self._usable(name)  # a link out of the folder or a FIFO is refused, as for a read
        path = self.location / name
        if path.stat().st_size > limit:
            raise ArchiveError(
                f"{path} is {path.stat().st_size:,} bytes, far beyond any real member (the "
                f"limit is {limit:,}); remove it from the archive's folder."
            )
        return open(path, "rb")

    def fingerprint(self, name: str) -> str:
        path = self.location / name
        status = path.stat()
        return f"file {path.resolve()}: {status.st_size}, {status.st_mtime_ns}, {status.st_ino}"

    def read(self, name: str) -> bytes:
        path = self.location / name
        try:
            size = path.stat().st_size
            if size > MAX_MEMBER_BYTES:
                raise ArchiveError(
                    f"{path} is {size:,} bytes, far beyond any real image (the limit is "
                    f"{MAX_MEMBER_BYTES:,}); remove it from the archive's folder."
                )
            with open(path, "rb") as handle:
                return handle.read(MAX_MEMBER_BYTES + 1)
        except MemoryError as error:
            raise ArchiveError(f"Ran out of memory reading {path}.") from error
        except OSError as error:
            raise ArchiveError(f"Cannot read {path}: {error}.") from error
