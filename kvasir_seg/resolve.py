"""Which archive to read: the user's path, else the store, else a download into the store.

Every entry point (``kvasir_seg_hf.load_dataset``, the TFDS builders, every CLI command)
resolves its archive here, so they all find the same files and check them the same way:

1. a path the user gave (``data_dir=``, ``manual_dir=``, ``--data-dir``): the zip, the folder
   holding it or the extracted folder; a zip is checked against its pin; the location is
   recorded in the store, so later calls without a path find it;
2. else the store's own zip and the recorded locations, most recent first (a location that
   cannot be read is skipped with a warning; when the copies found all fail their
   checksum, that is the error: nothing is downloaded instead);
3. else the official archive is downloaded into the store.

Each archive is checked by :func:`kvasir_seg.trust.check_archive`, which states the one
trust rule (pins, complete copies, copies accepted with checks skipped).

The result carries the archive's **identity**: the SHA-256 of a zip, or a fingerprint of an
extracted folder's files (names, sizes, modification times). Caches are keyed by it, so a
replaced archive is never answered from the cache of the old one.

    >>> from kvasir_seg.catalog import get_spec
    >>> archive = resolve_archive(get_spec("kvasir_sessile"))  # doctest: +SKIP
    >>> archive.path, archive.identity[:12]  # doctest: +SKIP
    (PosixPath('/home/me/.cache/kvasir_seg/archives/kvasir-sessile.zip'), '5f0c3a1e9b2d')
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from kvasir_seg.archive import locate_archive
from kvasir_seg.catalog import DatasetSpec
from kvasir_seg.download import fetch_archive, manual_download_hint
from kvasir_seg.errors import ChecksumError, DownloadError, KvasirSegError
from kvasir_seg.logs import warn_once
from kvasir_seg.store import ArchiveStore, default_store
from kvasir_seg.trust import ResolvedArchive, check_archive, identity_of

logger = logging.getLogger(__name__)


def stored_identity(spec: DatasetSpec, store: ArchiveStore | None = None) -> str | None:
    """The identity of the archive the store would serve now, or None; nothing is checked
    (so a replaced file shows as changed) and nothing is downloaded."""
    store = store or default_store()
    for location in store.locations(spec):
        try:
            return identity_of(locate_archive(spec, location), store)
        except (KvasirSegError, OSError):
            continue
    return None


def resolve_archive(
    spec: DatasetSpec,
    data_dir: str | os.PathLike[str] | None = None,
    *,
    verify: bool = True,
    download: bool = True,
    force_download: bool = False,
    progress: bool = True,
    ca_bundle: str | os.PathLike[str] | None = None,
    store: ArchiveStore | None = None,
) -> ResolvedArchive:
    """The archive of ``spec`` to read, found and checked as the module doc says.

    ``download=False`` raises :class:`DownloadError` instead of downloading;
    ``force_download=True`` downloads into the store again whatever is there.
    """
    store = store or default_store()
    if data_dir is not None:
        return check_archive(spec, locate_archive(spec, data_dir), verify=verify, store=store)
    refused: ChecksumError | None = None
    if not force_download:
        for location in store.locations(spec):
            try:
                return check_archive(
                    spec, locate_archive(spec, location), verify=verify, store=store
                )
            except ChecksumError as error:
                refused = refused or error
            except KvasirSegError as error:
                warn_once(
                    logger,
                    ("skipping", str(location), str(error)),
                    "skipping %s, recorded in the archive store: %s",
                    location,
                    error,
                )
    if refused is not None:
        raise refused  # a local copy fails its checksum: say so, never try the network instead
    if not download:
        raise DownloadError(
            f"{spec.filename} is not in the archive store ({store.root}) and downloading is "
            f"off. {manual_download_hint(spec, store.archive_path(spec))}"
        )
    path, _ = fetch_archive(
        spec,
        store.root,
        verify=verify,
        progress=progress,
        force=force_download,
        ca_bundle=ca_bundle,
        store=store,
    )
    return check_archive(spec, path, verify=verify, store=store)


def remembered_archive(
    spec: DatasetSpec,
    data_dir: str | os.PathLike[str] | None = None,
    *,
    store: ArchiveStore | None = None,
) -> ResolvedArchive | None:
    """The identity of an archive that is gone, when the store remembers it; else None.

    For a ``data_dir`` that no longer exists: the SHA-256 last seen there. Without
    ``data_dir``: the SHA-256 last seen at the most recent location the store recorded
    (each was checked when it was recorded), else the pin. A cache built from that archive
    may then be served as it is; nothing is ever rebuilt from it.
    """
    store = store or default_store()
    if data_dir is not None:
        path = Path(data_dir).expanduser()
        if path.exists():
            return None  # it exists but could not be used: that is not a missing archive
        candidates = [path, path / spec.filename]
        digest = next(filter(None, (store.last_sha256(p) for p in candidates)), None)
    else:
        # The copies read before, most recent first (they may be gone), then the pin.
        seen = [(p, store.last_sha256(p)) for p in store.locations(spec, existing=False)]
        path, digest = next(((p, d) for p, d in seen if d), (store.archive_path(spec), None))
        pin = store.pin(spec)
        if digest is None and pin is not None:
            digest = pin.sha256
    if digest is None:
        return None
    return ResolvedArchive(path, digest, f"archive missing; last seen with sha256 {digest}")
