"""Download an official archive safely: temporary file, resume, size and SHA-256 check.

A download is written to ``<file>.part`` and renamed to its final name only once it is
complete and verified, so a half-downloaded file is never taken for the archive. An
interrupted download resumes where it stopped when the server honours HTTP ranges.

    >>> from kvasir_seg.catalog import get_spec
    >>> from kvasir_seg.download import download_archive
    >>> path = download_archive(get_spec("kvasir_seg"), "~/kvasir")  # doctest: +SKIP

Set ``KVASIR_SEG_MIRROR`` to a base URL (e.g. an institutional mirror holding the three
zips under their official names) to download from there instead of the official server.
"""

from __future__ import annotations

import hashlib
import http.client
import logging
import os
import ssl
import urllib.error
import urllib.request
from pathlib import Path

from tqdm.auto import tqdm

from kvasir_seg import tls
from kvasir_seg.catalog import DatasetSpec
from kvasir_seg.errors import ChecksumError, DownloadError

logger = logging.getLogger(__name__)

MIRROR_VARIABLE = "KVASIR_SEG_MIRROR"
_CHUNK = 1 << 20


def archive_url(spec: DatasetSpec) -> str:
    """The URL to fetch ``spec``'s archive from: the official one unless a mirror is set."""
    mirror = os.environ.get(MIRROR_VARIABLE, "").strip()
    return f"{mirror.rstrip('/')}/{spec.filename}" if mirror else spec.url


def sha256_of(path: str | os.PathLike[str]) -> str:
    """The SHA-256 hex digest of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify_archive(spec: DatasetSpec, path: str | os.PathLike[str], *, strict: bool = True) -> str:
    """Check ``path`` against ``spec``'s published size and SHA-256; return the digest.

    Where no checksum is published, the computed one is logged so it can be reported.
    With ``strict=False`` a mismatch is logged instead of raised.
    """
    path = Path(path)
    digest = sha256_of(path)
    size = path.stat().st_size
    if spec.sha256 is None:
        logger.info("%s: no published checksum; computed sha256 %s (%d bytes)", path, digest, size)
        return digest
    if digest != spec.sha256:
        message = (
            f"{path} is not the official {spec.filename}: expected sha256 {spec.sha256} "
            f"({spec.size_bytes} bytes), found {digest} ({size} bytes). Delete it and download "
            f"{spec.url} again; if you trust this file anyway, skip the check "
            "(verification_mode='no_checks' for Hugging Face, --no-verify on the command line)."
        )
        if strict:
            raise ChecksumError(message)
        logger.warning(message)
    return digest


def manual_download_hint(spec: DatasetSpec, destination: Path) -> str:
    """How to fetch ``spec``'s archive by hand, and where to put it."""
    return (
        f"Download it by hand: open {spec.url} in a browser, save it as {destination} "
        "and run the same command again (or pass the folder that holds the zip as data_dir / "
        "--data-dir)."
    )


def download_archive(
    spec: DatasetSpec,
    directory: str | os.PathLike[str],
    *,
    verify: bool = True,
    progress: bool = True,
    timeout: float = 60.0,
    force: bool = False,
    ca_bundle: str | os.PathLike[str] | None = None,
) -> Path:
    """Download ``spec``'s archive into ``directory`` (once) and return its path.

    An existing complete file is verified and reused (``force=True`` fetches it again); a
    ``.part`` file is resumed.
    Raises :class:`DownloadError` (with instructions to download by hand) when the server
    cannot be reached, and :class:`ChecksumError` when the file is not the official one
    (unless ``verify`` is False, which only logs the mismatch).
    HTTPS is always verified, against ``ca_bundle`` if given (see :mod:`kvasir_seg.tls`).
    """
    directory = Path(directory).expanduser()
    directory.mkdir(parents=True, exist_ok=True)
    destination = directory / spec.filename
    if force:
        destination.unlink(missing_ok=True)
    if destination.is_file():
        verify_archive(spec, destination, strict=verify)
        return destination
    partial = destination.with_name(destination.name + ".part")
    url = archive_url(spec)
    _fetch(url, partial, spec, destination, progress=progress, timeout=timeout, ca_bundle=ca_bundle)
    try:
        verify_archive(spec, partial, strict=verify)
    except ChecksumError:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, destination)
    logger.info("downloaded %s to %s", url, destination)
    return destination


def _fetch(
    url: str,
    partial: Path,
    spec: DatasetSpec,
    destination: Path,
    *,
    progress: bool,
    timeout: float,
    ca_bundle: str | os.PathLike[str] | None,
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
            # The range starts at the end: the partial file is already complete.
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
        resumed = response.status == 206
        if offset and not resumed:
            logger.info("%s does not resume downloads; starting again", url)
            offset = 0
        length = response.headers.get("Content-Length")
        total = offset + int(length) if length is not None else None
        received = offset
        with (
            open(partial, "ab" if resumed else "wb") as handle,
            tqdm(
                total=total,
                initial=offset,
                unit="B",
                unit_scale=True,
                unit_divisor=1024,
                desc=spec.filename,
                disable=not progress,
            ) as bar,
        ):
            try:
                for chunk in iter(lambda: response.read(_CHUNK), b""):
                    handle.write(chunk)
                    received += len(chunk)
                    bar.update(len(chunk))
            except (OSError, http.client.HTTPException) as error:
                raise DownloadError(
                    f"The download of {url} was interrupted after {received} bytes ({error}). "
                    f"Run the same command again to resume. {hint}"
                ) from error
    if total is not None and received < total:
        raise DownloadError(
            f"The download of {url} stopped after {received} of {total} bytes. Run the same "
            f"command again to resume. {hint}"
        )
