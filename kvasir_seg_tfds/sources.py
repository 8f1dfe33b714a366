"""Where a TFDS build gets its archive: the user's ``manual_dir``, else the archive store.

In order:

1. ``manual_dir`` holds the zip (official file name) or the extracted folder (when both
   are there, the zip is read and the choice logged). A zip is checked against its
   published checksum, or the one recorded on first use; a folder has none to check.
2. Otherwise the copy the archive store holds, chosen as :mod:`kvasir_seg.resolve` chooses
   it for Hugging Face and the command line too: the copy a previous download,
   ``kvasir-seg prepare`` or ``load_dataset(..., data_dir=...)`` left or remembered there.
3. Otherwise the official archive (or ``$KVASIR_SEG_MIRROR/<file name>``) is downloaded
   into the store by this project's downloader (:mod:`kvasir_seg.download`: resume, lock,
   length, completeness, checksum, verified TLS), not by TFDS's: offline it fails at
   once with what to do, instead of retrying for minutes.

Zips are never extracted: the core reads them in place, without TensorFlow. With
``verification_mode="no_checks"`` (a builder argument) a zip that fails its checksum is
accepted, as everywhere.

Example:
    >>> plan = plan_for(spec, manual_dir(dl_manager), "official", verify=True)  # doctest: +SKIP
"""

from __future__ import annotations

import logging
from pathlib import Path

import tensorflow_datasets as tfds

from kvasir_seg.catalog import DatasetSpec
from kvasir_seg.errors import ChecksumError, DownloadError
from kvasir_seg.plan import BuildPlan, plan_build
from kvasir_seg.resolve import locate_archive
from kvasir_seg_tfds.compat import NonMatchingChecksumError

logger = logging.getLogger(__name__)


class ChecksumMismatchError(ChecksumError, NonMatchingChecksumError):
    """An archive is not the official one; both our ``ChecksumError`` and TFDS's error class.

    Example:
        >>> from kvasir_seg.errors import ChecksumError
        >>> issubclass(ChecksumMismatchError, ChecksumError)
        True
    """


def manual_dir(dl_manager: tfds.download.DownloadManager) -> Path | None:
    """The user's ``manual_dir``, or None when none was given or it is empty.

    Args:
        dl_manager: The download manager TFDS hands to ``_split_generators``.

    Returns:
        The folder, or None.

    Example:
        >>> import tempfile
        >>> import tensorflow_datasets as tfds
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     manual_dir(tfds.download.DownloadManager(download_dir=folder)) is None
        True
    """
    try:
        return Path(dl_manager.manual_dir)
    except AssertionError:  # TFDS's way of saying: not given, missing or empty
        return None


def find_in_manual_dir(spec: DatasetSpec, folder: Path) -> Path:
    """The zip or extracted folder of ``spec`` in ``folder``.

    Args:
        spec: A dataset of the catalog.
        folder: A ``manual_dir``: it may hold the zip (official file name), the extracted
            root folder, a folder named after the zip that holds either, or be the
            extracted folder itself.

    Returns:
        The zip or the extracted folder.

    Raises:
        kvasir_seg.errors.ArchiveError: ``folder`` does not exist, or holds a file that is
            not a zip under the official name.

    Example:
        >>> from kvasir_seg.catalog import get_spec
        >>> find_in_manual_dir(get_spec("kvasir_seg"), Path("~/Downloads"))  # doctest: +SKIP
        PosixPath('/home/me/Downloads/kvasir-seg.zip')
    """
    named = folder / Path(spec.filename).stem
    if named.is_dir() and not (folder / spec.filename).is_file():
        return locate_archive(spec, named)
    return locate_archive(spec, folder)


def plan_for(
    spec: DatasetSpec,
    manual: Path | None,
    config: str | None = None,
    *,
    verify: bool,
    download: bool = True,
    force_download: bool = False,
) -> BuildPlan:
    """The core's build plan of ``config``, from the archive found as the module doc says.

    Args:
        spec: A dataset of the catalog.
        manual: The user's ``manual_dir`` (:func:`manual_dir`), or None.
        config: The config (None: the dataset's default).
        verify: Refuse a zip that fails its checksum (False: accept it, with a warning).
        download: Download the archive into the store when no copy is found.
        force_download: Download it again whatever the store holds.

    Returns:
        The plan (:class:`kvasir_seg.plan.BuildPlan`).

    Raises:
        ChecksumMismatchError: A zip that is not the official one.
        kvasir_seg.errors.DownloadError: Downloading failed (or is off); the message says
            how to pass a copy downloaded by hand.
        kvasir_seg.errors.ArchiveError: The copy found cannot be read.

    Example:
        >>> from kvasir_seg.catalog import get_spec
        >>> manual = Path("~/Downloads")
        >>> plan = plan_for(get_spec("kvasir_seg"), manual, verify=True)  # doctest: +SKIP
        >>> plan.archive.trust  # doctest: +SKIP
        'verified'
    """
    try:
        return plan_build(
            spec,
            find_in_manual_dir(spec, manual) if manual is not None else None,
            config,
            verify=verify,
            download=download,
            force_download=force_download,
        )
    except ChecksumMismatchError:
        raise
    except ChecksumError as error:
        raise ChecksumMismatchError(f"{error}\n{_checksum_advice(spec)}") from error
    except DownloadError as error:
        raise DownloadError(
            f"{error} For TFDS, put {spec.filename} in a folder and pass it: "
            f"tfds.load({spec.name!r}, download_and_prepare_kwargs="
            '{"download_config": tfds.download.DownloadConfig(manual_dir=FOLDER)}).'
        ) from error


def _checksum_advice(spec: DatasetSpec) -> str:
    return (
        f"To read a copy you trust anyway, pass builder_kwargs={{'verification_mode': "
        f"'no_checks'}} to tfds.load / tfds.builder({spec.name!r}, ...), or "
        "`kvasir-seg prepare --backend tfds --no-verify` on the command line."
    )
