"""Certificates and local servers for TLS tests, all on 127.0.0.1.

A small PKI made with ``cryptography`` (EC P-256 keys, the extensions OpenSSL's strict
mode wants), an HTTPS server that presents whatever chain it is given, and a plain HTTP
server with fixed answers that records what it was asked (the AIA "CA Issuers" host).

    >>> directory = tempfile.mkdtemp()  # the files the HTTPS server serves
    >>> with AnswerServer() as aia:
    ...     pki = make_pki(aia, "trusted")  # the leaf's AIA URL serves the intermediate
    ...     with HTTPSServer([pki.leaf], pki.leaf.key, directory) as server:
    ...         server.url("/file").startswith("https://127.0.0.1:")
    True
"""

from __future__ import annotations

import datetime
import functools
import http.server
import ipaddress
import ssl
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

_DAY = datetime.timedelta(days=1)
_UNUSED_KEY_USAGES = dict.fromkeys(
    (
        "content_commitment",
        "key_encipherment",
        "data_encipherment",
        "key_agreement",
        "encipher_only",
        "decipher_only",
    ),
    False,
)


@dataclass(frozen=True)
class Issued:
    """A certificate and its private key."""

    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey

    @property
    def der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def encoded(self, form: str) -> bytes:
        """The certificate as an AIA server may serve it: ``der``, ``pem``, ``p7c`` or ``p7b``."""
        if form in ("der", "pem"):
            return self.der if form == "der" else self.pem
        encoding = serialization.Encoding.DER if form == "p7c" else serialization.Encoding.PEM
        return pkcs7.serialize_certificates([self.cert], encoding)


def _issue(
    subject: str,
    issuer: Issued | None,
    *,
    ca: bool,
    aia_url: str | None,
    hosts: Sequence[str] = (),
    expired: bool = False,
) -> Issued:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    signing_key = issuer.key if issuer else key
    issuer_name = issuer.cert.subject if issuer else name
    now = datetime.datetime.now(datetime.timezone.utc)
    not_after = now - _DAY if expired else now + 30 * _DAY
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - 2 * _DAY)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=not ca, key_cert_sign=ca, crl_sign=ca, **_UNUSED_KEY_USAGES
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signing_key.public_key()),
            critical=False,
        )
    )
    if aia_url:
        access = x509.AccessDescription(
            AuthorityInformationAccessOID.CA_ISSUERS, x509.UniformResourceIdentifier(aia_url)
        )
        builder = builder.add_extension(x509.AuthorityInformationAccess([access]), critical=False)
    if hosts:
        names = [_general_name(host) for host in hosts]
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
    return Issued(cert=builder.sign(signing_key, hashes.SHA256()), key=key)


def _general_name(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)


def make_ca(name: str, issuer: Issued | None = None, *, aia_url: str | None = None) -> Issued:
    """A CA certificate: a self-signed root without ``issuer``, else an intermediate."""
    return _issue(name, issuer, ca=True, aia_url=aia_url)


def make_leaf(
    issuer: Issued,
    *,
    aia_url: str | None = None,
    hosts: Sequence[str] = ("127.0.0.1", "localhost"),
    expired: bool = False,
) -> Issued:
    """A server certificate for ``hosts`` (SAN, IP addresses as IP entries)."""
    return _issue(hosts[0], issuer, ca=False, aia_url=aia_url, hosts=hosts, expired=expired)


def write_pem(path: Path, *certs: Issued) -> Path:
    """Write ``certs`` as one PEM bundle at ``path`` and return it."""
    path.write_bytes(b"".join(cert.pem for cert in certs))
    return path


@dataclass(frozen=True)
class Pki:
    """A root, an intermediate it signed and a leaf the intermediate signed."""

    root: Issued
    intermediate: Issued
    leaf: Issued
    leaf_aia_path: str  # where on the AIA server the leaf says its issuer is


def make_pki(
    aia: AnswerServer,
    name: str,
    *,
    form: str = "der",
    hosts: Sequence[str] = ("127.0.0.1", "localhost"),
    expired: bool = False,
) -> Pki:
    """Root -> intermediate -> leaf, each issuer served by ``aia`` (the intermediate as ``form``).

    ``name`` (a URL-safe word) keeps the subjects and AIA paths of several PKIs apart.
    """
    root = make_ca(f"{name} Root")
    intermediate = make_ca(f"{name} Intermediate", root, aia_url=aia.url(f"/{name}-root.der"))
    leaf_aia_path = f"/{name}-intermediate.{form}"
    leaf = make_leaf(intermediate, aia_url=aia.url(leaf_aia_path), hosts=hosts, expired=expired)
    aia.answers[f"/{name}-root.der"] = (200, root.der)
    aia.answers[leaf_aia_path] = (200, intermediate.encoded(form))
    return Pki(root, intermediate, leaf, leaf_aia_path)


class _Server:
    """A threading HTTP(S) server on 127.0.0.1, stopped when its ``with`` block ends."""

    scheme = "http"

    def __init__(self, handler: type[http.server.BaseHTTPRequestHandler]) -> None:
        self.httpd = _QuietServer(("127.0.0.1", 0), handler)
        self.port = self.httpd.server_address[1]

    def url(self, path: str = "/") -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> _Server:
        # A short poll keeps shutdown (at every test's end) quick.
        thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True)
        thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class _QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # failed handshakes are what several tests are about


class _QuietFiles(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


class HTTPSServer(_Server):
    """Serve ``directory`` over HTTPS, presenting exactly ``chain`` (leaf first)."""

    scheme = "https"

    def __init__(
        self, chain: Sequence[Issued], key: ec.EllipticCurvePrivateKey, directory: Path
    ) -> None:
        super().__init__(functools.partial(_QuietFiles, directory=str(directory)))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        with tempfile.TemporaryDirectory() as scratch:
            certfile = write_pem(Path(scratch) / "chain.pem", *chain)
            keyfile = Path(scratch) / "key.pem"
            keyfile.write_bytes(
                key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            )
            context.load_cert_chain(certfile, keyfile)
        # The handshake runs in the request's thread, so a failing client blocks nothing.
        self.httpd.socket = context.wrap_socket(
            self.httpd.socket, server_side=True, do_handshake_on_connect=False
        )


class AnswerServer(_Server):
    """Plain HTTP with fixed answers: ``answers[path] = (status, body)``; logs ``requests``.

    An answer of ``None`` never comes: the request hangs until the server stops; a 3xx
    status redirects to its body.
    """

    def __init__(self) -> None:
        self.answers: dict[str, tuple[int, bytes] | None] = {}
        self.requests: list[str] = []
        self.stopped = threading.Event()
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                owner.requests.append(self.path)
                answer = owner.answers.get(self.path, (404, b"not found"))
                if answer is None:
                    owner.stopped.wait()
                    return
                status, body = answer
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", body.decode())
                self.send_header("Content-Type", "application/pkix-cert")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        super().__init__(Handler)

    def __exit__(self, *exc_info: object) -> None:
        self.stopped.set()
        super().__exit__(*exc_info)
