"""Download an official archive safely: one writer, resume, length, completeness, checksum.

A download is written to ``<file>.part`` under a lock (``<file>.lock``: a second process
waits, then finds the finished file), and takes its final name only once the bytes
received match the ``Content-Length`` (or the archive's known size) and it is the archive,
read as every copy is (:func:`kvasir_seg.resolve.resolve_path`,
:func:`kvasir_seg.archive.open_copy`): it matches its checksum or is accepted, it opens
with the dataset's members, and, new to the store, it is read whole, then remembered (and
pinned, when no checksum is published). An interrupted download resumes where it stopped
when the server honours HTTP ranges. A file already in place is checked the same way; a
broken one is replaced. HTTPS is always verified (:func:`kvasir_seg.tls.urlopen`).
``KVASIR_SEG_MIRROR``, a base URL, replaces the official server (e.g. an institutional
mirror holding the zips under their official names).

    >>> from kvasir_seg.catalog import get_spec
    >>> path, downloaded = fetch_archive(get_spec("kvasir_seg"), "~/kvasir")  # doctest: +SKIP
"""

from __future__ import annotations

import http.client
import logging
import os
import ssl
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout
from tqdm.auto import tqdm

from kvasir_seg import tls
from kvasir_seg.archive.reader import open_copy
from kvasir_seg.catalog import DatasetSpec
from kvasir_seg.errors import ChecksumError, DownloadError, KvasirSegError
from kvasir_seg.resolve import resolve_path
from kvasir_seg.store import ArchiveStore, default_store

logger = logging.getLogger(__name__)

#: Environment variable naming a mirror (a base URL) to download the archives from.
MIRROR_VARIABLE = "KVASIR_SEG_MIRROR"
_CHUNK = 1 << 20
#: Seconds to wait for a connection or a read before giving up (offline fails at once).
DEFAULT_TIMEOUT = 30.0


def archive_url(spec: DatasetSpec) -> str:
    """The URL to download a dataset's archive from: the official one, unless a mirror is set.

    Args:
        spec: the dataset.

    Returns:
        ``$KVASIR_SEG_MIRROR/<official file name>`` when the variable is set, else the
        catalog's URL.

    Example:
        >>> from kvasir_seg.catalog import get_spec
        >>> archive_url(get_spec("kvasir_seg"))  # without KVASIR_SEG_MIRROR
        'https://datasets.simula.no/downloads/kvasir-seg.zip'
    """
    mirror = os.environ.get(MIRROR_VARIABLE, "").strip()
    return f"{mirror.rstrip('/')}/{spec.filename}" if mirror else spec.url


def manual_download_hint(spec: DatasetSpec, destination: Path) -> str:
    """How to download a dataset's archive by hand, and where to put it, for messages.

    Args:
        spec: the dataset.
        destination: where the zip should be saved.

    Returns:
        The advice, in sentences.

    Example:
        >>> from kvasir_seg.catalog import get_spec
        >>> manual_download_hint(get_spec("kvasir_seg"), Path("/data/kvasir-seg.zip"))[:69]
        'Download it by hand: open https://datasets.simula.no/downloads/kvasir'
    """
    return (
        f"Download it by hand: open {spec.url} in a browser, save it as {destination} "
        "and run the same command again (or pass the folder that holds the zip as data_dir / "
        "manual_dir / --data-dir)."
    )


def fetch_archive(
    spec: DatasetSpec,
    directory: str | os.PathLike[str] | None = None,
    *,
    verify: bool = True,
    progress: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
    force: bool = False,
    ca_bundle: str | os.PathLike[str] | None = None,
    store: ArchiveStore | None = None,
) -> tuple[Path, bool]:
    """Download a dataset's archive into a folder, unless a good copy is there already.

    The module docstring says how: under a lock, resumed when cut, checked before it takes
    its name; a file already in place is checked the same way, and a broken one replaced.

    Args:
        spec: the dataset.
        directory: where the zip goes (default: the store's folder).
        verify: False accepts a zip that fails its checksum.
        progress: show a progress bar.
        timeout: seconds to wait for a connection or a read.
        force: True downloads again, whatever is in place.
        ca_bundle: a file of trusted certificates for HTTPS (:func:`kvasir_seg.tls.urlopen`).
        store: the archive store that checks the copy and remembers it (default:
            :func:`kvasir_seg.store.default_store`).

    Returns:
        ``(path of the zip, whether it was downloaded now)``.

    Raises:
        DownloadError: the server cannot be reached, answers an error, or the transfer is
            cut short or incomplete (the message says how to download by hand).
        ChecksumError: the file is not the official one (``verify=False`` accepts it).

    Example:
        >>> import os, tempfile
        >>> from kvasir_seg.catalog import get_spec
        >>> from kvasir_seg.store import ArchiveStore
        >>> from kvasir_seg.testing import write_archive
        >>> mirror = write_archive("kvasir_sessile", tempfile.mkdtemp(), count=2).parent
        >>> os.environ[MIRROR_VARIABLE] = mirror.as_uri()  # a local folder as the server
        >>> spec, store = get_spec("kvasir_sessile"), ArchiveStore(tempfile.mkdtemp())
        >>> path, downloaded = fetch_archive(spec, store=store, progress=False)
        >>> path == store.archive_path(spec), downloaded
        (True, True)
        >>> fetch_archive(spec, store=store)[1]  # in place: not downloaded again
        False
        >>> del os.environ[MIRROR_VARIABLE]
    """
    store = store or default_store()
    directory = Path(directory).expanduser() if directory is not None else store.root
    directory.mkdir(parents=True, exist_ok=True)
    destination = directory / spec.filename
    url = archive_url(spec)

    def check(path: Path, origin: str) -> None:
        """Read ``path`` as the archive (raises if it is not), remembered as ``destination``."""
        copy = resolve_path(spec, path, verify=verify, store=store)
        open_copy(spec, copy, record_as=destination, origin=origin, store=store).close()

    with _exclusive(destination):
        if force:
            destination.unlink(missing_ok=True)
        if destination.is_file():
            try:
                check(destination, str(destination))
                return destination, False
            except KvasirSegError as error:
                logger.warning("%s is not usable (%s); downloading it again", destination, error)
                destination.unlink()
        partial = destination.with_name(destination.name + ".part")
        pin = store.pin(spec)
        _fetch(
            url,
            partial,
            spec,
            destination,
            progress=progress,
            timeout=timeout,
            ca_bundle=ca_bundle,
            known_size=pin.size_bytes if pin else None,
        )
        try:
            check(partial, url)
        except ChecksumError:
            partial.unlink(missing_ok=True)
            raise
        except KvasirSegError as error:
            raise DownloadError(
                f"The download of {url} ended, but the file is not a complete {spec.filename} "
                f"({error}). Run the same command again to resume. "
                f"{manual_download_hint(spec, destination)}"
            ) from error
        os.replace(partial, destination)
    logger.info("downloaded %s to %s", url, destination)
    return destination, True


@contextmanager
def _exclusive(destination: Path) -> Iterator[None]:
    """Hold the lock of one download; say so when another process holds it."""
    lock = FileLock(str(destination.with_name(destination.name + ".lock")))
    try:
        lock.acquire(timeout=0.2)
    except Timeout:
        logger.warning("waiting for another process downloading %s", destination)
        lock.acquire()
    try:
        yield
    finally:
        lock.release()


def _fetch(
    url: str,
    partial: Path,
    spec: DatasetSpec,
    destination: Path,
    *,
    progress: bool,
    timeout: float,
    ca_bundle: str | os.PathLike[str] | None,
    known_size: int | None,
) -> None:
    offset = partial.stat().st_size if partial.exists() else 0
    request = urllib.request.Request(url, headers={"User-Agent": "kvasir-seg"})
    if offset:
        request.add_header("Range", f"bytes={offset}-")
    hint = manual_download_hint(spec, destination)
    try:
        response = tls.urlopen(request, timeout=timeout, ca_bundle=ca_bundle)
    except urllib.error.HTTPError as error:
        if error.code == 416 and offset:
            # The range starts at the end: the partial file may be complete (checked next).
            return
        raise DownloadError(f"{url} answered HTTP {error.code} {error.reason}. {hint}") from error
    except (urllib.error.URLError, ssl.SSLError, OSError) as error:
        reason = getattr(error, "reason", error)
        extra = ""
        if "CERTIFICATE_VERIFY_FAILED" in str(reason):
            extra = (
                " (the server's certificate does not chain to a trusted root; behind an "
                "institutional proxy, set SSL_CERT_FILE to the proxy's CA bundle)"
            )
        raise DownloadError(f"Cannot download {url}: {reason}{extra}. {hint}") from error
    with response:
        if offset and response.status != 206:
            logger.info("%s does not resume downloads; starting again", url)
            offset = 0
        length = response.headers.get("Content-Length")
        total = offset + int(length) if length is not None else known_size
        try:
            _copy(response, partial, offset, total, label=spec.filename, progress=progress)
        except (OSError, http.client.HTTPException) as error:
            raise DownloadError(
                f"The download of {url} was interrupted after {partial.stat().st_size} bytes "
                f"({error}). Run the same command again to resume. {hint}"
            ) from error
    received = partial.stat().st_size
    if total is not None and received != total:
        raise DownloadError(
            f"The download of {url} stopped after {received} of {total} bytes. Run the same "
            f"command again to resume. {hint}"
        )


def _copy(
    response: http.client.HTTPResponse,
    partial: Path,
    offset: int,
    total: int | None,
    *,
    label: str,
    progress: bool,
) -> None:
    """Write the response body to ``partial``, appended after ``offset`` bytes when resumed."""
    with (
        open(partial, "ab" if offset else "wb") as handle,
        tqdm(
            total=total,
            initial=offset,
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            desc=label,
            disable=not progress,
        ) as bar,
    ):
        for chunk in iter(lambda: response.read(_CHUNK), b""):
            handle.write(chunk)
            bar.update(len(chunk))
