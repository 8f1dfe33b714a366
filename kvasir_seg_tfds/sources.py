"""Where a TFDS build gets its archive: the user's ``manual_dir``, or TFDS's download manager.

In order:

1. ``manual_dir`` holds the extracted folder: it is read as it is (no checksum exists
   for a folder).
2. ``manual_dir`` holds the zip under its official file name. A zip whose URL is
   registered in the dataset's ``checksums.tsv`` is picked up by TFDS itself, which
   verifies its size and SHA-256; any other zip is verified by the core against the
   catalog (where no checksum is published, the computed one is logged).
3. Otherwise TFDS downloads the official URL (or ``$KVASIR_SEG_MIRROR/<file name>``).
   A download TFDS could not verify (a mirror, or a URL whose checksum is not
   published) is verified by the core the same way.

Zips are never extracted: the core reads them in place, without TensorFlow.

    >>> path = archive_path(spec, dl_manager, registered=True)  # doctest: +SKIP
"""

from __future__ import annotations

import logging
from pathlib import Path

import tensorflow_datasets as tfds
from tensorflow_datasets.core.download.download_manager import NonMatchingChecksumError
from tensorflow_datasets.core.download.util import DownloadError as TfdsDownloadError

from kvasir_seg.archive import locate_archive
from kvasir_seg.catalog import DatasetSpec
from kvasir_seg.download import archive_url, verify_archive
from kvasir_seg.errors import ChecksumError, DownloadError

logger = logging.getLogger(__name__)


class ChecksumMismatchError(ChecksumError, NonMatchingChecksumError):
    """An archive is not the official one; both ``ChecksumError`` and TFDS's error class."""


def manual_dir(dl_manager: tfds.download.DownloadManager) -> Path | None:
    """The user's ``manual_dir``, or None when none was given or it is empty."""
    try:
        return Path(dl_manager.manual_dir)
    except AssertionError:  # TFDS's way of saying: not given, missing or empty
        return None


def find_in_manual_dir(spec: DatasetSpec, folder: Path) -> Path:
    """The zip or extracted folder of ``spec`` in ``folder``.

    ``folder`` may hold the zip (official file name), the extracted root folder, a folder
    named after the zip that holds either, or be the extracted folder itself.
    """
    named = folder / Path(spec.filename).stem
    if named.is_dir() and not (folder / spec.filename).is_file():
        return locate_archive(spec, named)
    return locate_archive(spec, folder)


def archive_path(
    spec: DatasetSpec, dl_manager: tfds.download.DownloadManager, *, registered: bool
) -> Path:
    """The zip or folder to read for ``spec`` (see the module docstring for the order).

    ``registered`` says whether ``spec.url`` has a checksum in the builder's
    ``checksums.tsv``. Raises :class:`ChecksumMismatchError` for a zip that is not the
    official one and :class:`DownloadError` (with the manual steps) when downloading fails.
    """
    manual = manual_dir(dl_manager)
    if manual is not None:
        path = find_in_manual_dir(spec, manual)
        if path.is_dir():
            logger.info("%s: reading the extracted folder %s (no checksum)", spec.name, path)
            return path
        if not (registered and path == manual / spec.filename):
            _verify(spec, path)
            return path
    url = archive_url(spec)
    try:
        path = Path(dl_manager.download(url))
    except NonMatchingChecksumError as error:
        raise ChecksumMismatchError(
            f"The {spec.title} archive is not the official {spec.filename}: {error}\n"
            f"{_checksum_advice(spec)}"
        ) from error
    except (OSError, TfdsDownloadError) as error:
        raise DownloadError(
            f"Cannot download {url} ({error}). Download it by hand (a browser works when "
            f"Python's certificate check fails on that server), put {spec.filename} in a "
            f"folder and pass it: tfds.load({spec.name!r}, download_and_prepare_kwargs="
            '{"download_config": tfds.download.DownloadConfig(manual_dir=FOLDER)}).'
        ) from error
    if not (registered and url == spec.url):
        _verify(spec, path)
    return path


def _verify(spec: DatasetSpec, path: Path) -> None:
    """Check a zip TFDS did not verify against the catalog; log its digest if none is known."""
    try:
        digest = verify_archive(spec, path)
    except ChecksumError as error:
        raise ChecksumMismatchError(f"{error}\n{_checksum_advice(spec)}") from error
    if spec.sha256 is None:
        logger.warning(
            "%s: no SHA-256 is published for %s, so %s is read unverified; its SHA-256 is %s "
            "(%d bytes). Please report it so that it can be pinned.",
            spec.name,
            spec.filename,
            path,
            digest,
            path.stat().st_size,
        )


def _checksum_advice(spec: DatasetSpec) -> str:
    return (
        f"Delete the file (from manual_dir, or from TFDS's downloads folder) and download "
        f"{spec.url} again. To read a copy you trust anyway, extract it and put the extracted "
        "folder in manual_dir: a folder is read without a checksum."
    )
