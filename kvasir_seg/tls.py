"""HTTPS with verification always on, completing a server's incomplete chain as browsers do.

One interface, :func:`urlopen` (as :func:`urllib.request.urlopen`). The official server is
reported to send only its leaf certificate, so OpenSSL cannot reach a trusted root and
Python fails with ``CERTIFICATE_VERIFY_FAILED`` where browsers work: they fetch the missing
intermediate from the leaf's Authority Information Access "CA Issuers" URL. So does
:func:`urlopen`, when (and only when) a handshake fails for a missing issuer: it reads the
leaf, follows its CA Issuers URL(s) (DER, PEM or PKCS#7; at most :data:`MAX_CHAIN_DEPTH`
levels, 64 KiB each, the caller's timeout), keeps only certificates that really signed the
one below them and never a self-signed root, opens the request again with them, and logs
which URL completed the chain. They are material for OpenSSL's path building only
(``VERIFY_X509_PARTIAL_CHAIN`` is cleared), so OpenSSL still verifies the whole chain to a
root of the trust store, the host name and the dates; anything else is refused with
urllib's own error, its message extended by what the chase found. Fetched intermediates
are kept for the process (:func:`clear_cache`). The leaf is read over a direct connection,
not through an ``https_proxy`` tunnel.

Trust store, first that applies: ``ca_bundle``; ``SSL_CERT_FILE`` / ``SSL_CERT_DIR``; the
system's default store; ``certifi``'s bundle only when that store is empty (``certifi`` is
not a dependency).

Not the ``aia-chaser`` package (3.6.0, tried on tests/test_tls.py's servers): it returns
the leaf alone for a leaf-only server, loads leaf and root as trusted certificates into a
context that accepts partial chains on Python 3.13+ (trust then rests on its pure-Python
path check, not OpenSSL's), fails with a custom CA, connects without a timeout and brings
two dependencies. Here OpenSSL alone decides; ``cryptography`` only reads certificates.

    >>> import urllib.request
    >>> from kvasir_seg import tls
    >>> request = urllib.request.Request("https://datasets.simula.no/downloads/kvasir-seg.zip")
    >>> with tls.urlopen(request, timeout=60) as response:  # doctest: +SKIP
    ...     first = response.read(1024)
"""

from __future__ import annotations

import http.client
import logging
import os
import ssl
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.serialization import Encoding, pkcs7
from cryptography.x509.oid import AuthorityInformationAccessOID

logger = logging.getLogger(__name__)

#: The most CA Issuers fetches made from one leaf up.
MAX_CHAIN_DEPTH = 4

_MAX_URLS = 3  # CA Issuers URLs tried per certificate
_MAX_CERT_BYTES = 64 * 1024
# OpenSSL's verify codes for a missing issuer: X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT,
# X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE.
_MISSING_ISSUER = frozenset({2, 20, 21})

_fetched: dict[str, x509.Certificate] = {}  # CA Issuers URL -> the certificate it served
_lock = threading.Lock()


class _ChainError(Exception):
    """The chain could not be completed from AIA; the message says why."""


def urlopen(
    request: urllib.request.Request,
    *,
    timeout: float,
    ca_bundle: str | os.PathLike[str] | None = None,
) -> http.client.HTTPResponse:
    """Open a request as :func:`urllib.request.urlopen` does, completing incomplete chains.

    HTTP and the other schemes urllib knows are unchanged; HTTPS is verified against the
    trust store the module docstring describes.

    Args:
        request: the request.
        timeout: seconds to wait for a connection or a read (also for each CA Issuers
            fetch).
        ca_bundle: a file of trusted certificates (PEM), instead of the default store.

    Returns:
        The response, as urllib gives it.

    Raises:
        urllib.error.URLError: the server cannot be reached, or its certificate is refused
            (then ``reason`` is an :class:`ssl.SSLCertVerificationError`, its message
            extended by what completing the chain found).
        urllib.error.HTTPError: the server answers an HTTP error, as urllib raises it.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> file = Path(tempfile.mkdtemp()) / "hello.txt"
        >>> _ = file.write_text("hello")
        >>> with urlopen(urllib.request.Request(file.as_uri()), timeout=5) as response:
        ...     response.read()
        b'hello'
        >>> request = urllib.request.Request("https://datasets.simula.no/")
        >>> response = urlopen(request, timeout=30, ca_bundle="ca.pem")  # doctest: +SKIP
    """
    handler = _HTTPSHandler(create_context(ca_bundle))
    try:
        return urllib.request.build_opener(handler).open(request, timeout=timeout)
    except urllib.error.URLError as error:
        refusal = error.reason
        if not _missing_issuer(refusal) or handler.url is None:
            raise
        first_error = error
    url = handler.url  # the URL the handshake failed for, after any redirect
    try:
        completed_from = _complete_chain(url, timeout, handler.context)
    except _ChainError as problem:
        raise _refused(refusal, f"completing the chain from AIA failed: {problem}") from first_error
    retry = _HTTPSHandler(create_context(ca_bundle))
    try:
        response = urllib.request.build_opener(retry).open(request, timeout=timeout)
    except urllib.error.URLError as error:
        if not isinstance(error.reason, ssl.SSLCertVerificationError):
            raise
        detail = f"refused even with the intermediate(s) from {', '.join(completed_from)}"
        raise _refused(error.reason, detail) from error
    logger.info(
        "%s sent an incomplete certificate chain; completed it from %s",
        urllib.parse.urlsplit(url).netloc,
        ", ".join(completed_from),
    )
    return response


def create_context(ca_bundle: str | os.PathLike[str] | None = None) -> ssl.SSLContext:
    """A client context that verifies certificates and host names, never partial chains.

    It knows the intermediates fetched so far in this process, as material for building
    a chain (never as trusted roots).

    Args:
        ca_bundle: a file of trusted certificates (PEM); None: ``SSL_CERT_FILE`` /
            ``SSL_CERT_DIR``, else the system's default store (``certifi``'s bundle if that
            is empty).

    Returns:
        The context.

    Example:
        >>> context = create_context()
        >>> context.verify_mode == ssl.CERT_REQUIRED, context.check_hostname
        (True, True)
    """
    cafile, capath = _trust_store(ca_bundle)
    context = ssl.create_default_context(cafile=cafile, capath=capath)
    if cafile is None and capath is None and _store_is_empty(context):
        _load_certifi(context)
    context.verify_flags &= ~ssl.VERIFY_X509_PARTIAL_CHAIN
    with _lock:
        intermediates = [cert for cert in _fetched.values() if not _self_issued(cert)]
    if intermediates:
        der = b"".join(cert.public_bytes(Encoding.DER) for cert in intermediates)
        context.load_verify_locations(cadata=der)
    return context


def clear_cache() -> None:
    """Forget the intermediates fetched in this process."""
    with _lock:
        _fetched.clear()


class _HTTPSHandler(urllib.request.HTTPSHandler):
    """urllib's HTTPS handler, remembering the last URL it connected to."""

    def __init__(self, context: ssl.SSLContext) -> None:
        super().__init__(context=context)
        self.context = context
        self.url: str | None = None

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        self.url = req.full_url
        return super().https_open(req)


def _trust_store(ca_bundle: str | os.PathLike[str] | None) -> tuple[str | None, str | None]:
    """``(cafile, capath)`` from ``ca_bundle`` or the environment; both None: default store."""
    if ca_bundle is not None:
        path = Path(ca_bundle).expanduser()
        cafile, capath = (None, str(path)) if path.is_dir() else (str(path), None)
        origin = "ca_bundle"
    else:
        cafile = os.environ.get("SSL_CERT_FILE") or None
        capath = os.environ.get("SSL_CERT_DIR") or None
        origin = "SSL_CERT_FILE"
    if cafile is not None and not os.path.isfile(cafile):
        raise FileNotFoundError(
            f"The CA bundle {cafile} (from {origin}) does not exist: give a PEM file of "
            "trusted certificates or a folder of hashed ones."
        )
    return cafile, capath


def _store_is_empty(context: ssl.SSLContext) -> bool:
    if context.cert_store_stats()["x509_ca"]:
        return False
    capath = ssl.get_default_verify_paths().capath  # None when the folder does not exist
    if capath is None:
        return True
    with os.scandir(capath) as entries:  # a folder is read lazily: look for files in it
        return next(entries, None) is None


def _load_certifi(context: ssl.SSLContext) -> None:
    try:
        import certifi
    except ImportError:
        logger.warning(
            "The system's trust store is empty and certifi is not installed: HTTPS will "
            "fail. Set SSL_CERT_FILE to a CA bundle, or install certifi."
        )
        return
    logger.info("The system's trust store is empty; using certifi's (%s)", certifi.where())
    context.load_verify_locations(certifi.where())


def _missing_issuer(reason: object) -> bool:
    return isinstance(reason, ssl.SSLCertVerificationError) and (
        reason.verify_code in _MISSING_ISSUER
    )


def _refused(reason: ssl.SSLCertVerificationError, detail: str) -> urllib.error.URLError:
    """urllib's error for a refused certificate, its message extended by ``detail``."""
    error = ssl.SSLCertVerificationError(reason.errno, f"{reason.strerror}; {detail}")
    for name in ("reason", "library", "verify_code", "verify_message"):
        setattr(error, name, getattr(reason, name, None))
    return urllib.error.URLError(error)


def _complete_chain(url: str, timeout: float, context: ssl.SSLContext) -> list[str]:
    """Fetch the intermediates above the leaf served at ``url``; return the URLs used."""
    parts = urllib.parse.urlsplit(url)
    address = (parts.hostname or "", parts.port or 443)
    try:
        pem = ssl.get_server_certificate(address, timeout=timeout)
        cert = x509.load_pem_x509_certificate(pem.encode("ascii"))
    except (OSError, ValueError) as error:
        raise _ChainError(f"cannot read the certificate of {parts.netloc}: {error}") from error
    used: list[str] = []
    for _ in range(MAX_CHAIN_DEPTH):
        urls = _ca_issuers(cert)
        if _self_issued(cert) or not urls:
            break
        try:
            url_used, cert = _fetch_issuer(cert, urls, timeout, context)
        except _ChainError:
            if used:  # the intermediates found so far may suffice; OpenSSL will tell
                break
            raise
        if _self_issued(cert):  # a root is never added: it must be trusted already
            break
        used.append(url_used)
    if not used:
        raise _ChainError(
            f"the certificate of {parts.netloc} names no CA Issuers URL, or its issuer "
            f"is a root that is not in the trust store (issuer: {cert.issuer.rfc4514_string()})"
        )
    return used


def _ca_issuers(cert: x509.Certificate) -> list[str]:
    try:
        access = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess)
    except x509.ExtensionNotFound:
        return []
    return [
        entry.access_location.value
        for entry in access.value
        if entry.access_method == AuthorityInformationAccessOID.CA_ISSUERS
        and isinstance(entry.access_location, x509.UniformResourceIdentifier)
    ]


def _fetch_issuer(
    child: x509.Certificate, urls: list[str], timeout: float, context: ssl.SSLContext
) -> tuple[str, x509.Certificate]:
    """The first certificate served at one of ``urls`` that signed ``child``."""
    problems = []
    for url in urls[:_MAX_URLS]:
        with _lock:
            cached = _fetched.get(url)
        try:
            candidates = [cached] if cached else _download_certificates(url, timeout, context)
        except (OSError, ValueError, http.client.HTTPException) as error:
            problems.append(f"{url}: {error}")
            continue
        for candidate in candidates:
            if _signed(child, candidate):
                with _lock:
                    _fetched[url] = candidate
                return url, candidate
        problems.append(f"{url}: no certificate there signed {child.subject.rfc4514_string()}")
    raise _ChainError("; ".join(problems))


def _download_certificates(
    url: str, timeout: float, context: ssl.SSLContext
) -> list[x509.Certificate]:
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise ValueError("only http and https CA Issuers URLs are followed")
    with urllib.request.urlopen(url, timeout=timeout, context=context) as response:
        data = response.read(_MAX_CERT_BYTES + 1)
    if len(data) > _MAX_CERT_BYTES:
        raise ValueError(f"more than {_MAX_CERT_BYTES} bytes: not a certificate")
    parsers = (
        lambda data: [x509.load_der_x509_certificate(data)],
        x509.load_pem_x509_certificates,
        pkcs7.load_der_pkcs7_certificates,
        pkcs7.load_pem_pkcs7_certificates,
    )
    for parse in parsers:
        try:
            return parse(data)
        except (ValueError, TypeError):
            continue
    raise ValueError(f"not a certificate (DER, PEM or PKCS#7), {len(data)} bytes")


def _signed(child: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        child.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _self_issued(cert: x509.Certificate) -> bool:
    return cert.subject == cert.issuer
