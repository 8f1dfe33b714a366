"""Folders of mask files as the scoring commands take them: listed once, keyed by image id.

A folder of masks (references or predictions) holds image files named by the image id
(``<id>.png``, ``.jpg``, ``.jpeg``, ``.bmp``, ``.tif``, ``.tiff``). Hidden files and files
of other types are ignored; two files for one id, or an entry with an image suffix that is
not a regular file (a folder, a FIFO that would block the reader), are refused with a
:class:`FolderError`, the one error of a folder that cannot be used as given.

    >>> listing = list_folder(Path("predictions/"))  # doctest: +SKIP
    >>> sorted(listing.files)[:2], listing.folders  # doctest: +SKIP
    (['cju0qkwl35piu0993l0dewei2', 'cju0qoxqj9q6s0835b43399p4'], [])
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from kvasir_seg.archive.sources import IMAGE_SUFFIXES
from kvasir_seg.errors import KvasirSegError

#: The file suffixes of masks and predictions.
MASK_SUFFIXES = IMAGE_SUFFIXES


class FolderError(KvasirSegError):
    """A folder of references or predictions that cannot be used as given."""


@dataclass(frozen=True)
class Listing:
    """What one listing of a folder found: its mask files by id, and its visible subfolders."""

    files: dict[str, Path]
    folders: list[str]


def list_folder(folder: Path, kind: str = "prediction") -> Listing:
    """The mask files directly in ``folder`` (by id, sorted) and its subfolders, in one listing.

    Args:
        folder: The folder to list.
        kind: What the files are, for messages (``"prediction"``, ``"reference mask"``).

    Returns:
        The :class:`Listing` (empty when the folder holds no such file).

    Raises:
        FolderError: If two files have one id, or an entry with an image suffix is not a
            regular file.
        OSError: If the folder cannot be listed.
    """
    files: dict[str, Path] = {}
    folders: list[str] = []
    with os.scandir(folder) as entries:  # their types come with the listing: no stat each
        listed = sorted(entries, key=lambda entry: entry.name)
    for entry in listed:
        path = folder / entry.name
        if entry.name.startswith("."):
            continue
        if path.suffix.lower() not in MASK_SUFFIXES:
            if entry.is_dir():
                folders.append(entry.name)
            continue
        if not entry.is_file():
            raise FolderError(
                f"{path} is not a regular file (a folder, FIFO, socket or broken link); a "
                f"{kind} is a PNG/JPEG/BMP/TIFF file. Remove it from the folder."
            )
        if path.stem in files:
            raise FolderError(
                f"Two {kind}s for {path.stem!r}: {files[path.stem].name} and {path.name}; "
                "keep one of them."
            )
        files[path.stem] = path
    return Listing(files, folders)


def files_by_id(folder: Path, kind: str = "prediction") -> dict[str, Path]:
    """The mask files directly in ``folder``, by image id: :func:`list_folder`'s files.

    Args:
        folder: The folder to list.
        kind: What the files are, for messages.

    Returns:
        ``{image_id: path}``, sorted by id; empty when there is none.

    Raises:
        FolderError: As :func:`list_folder` raises it.
    """
    return list_folder(folder, kind).files
