"""TLS: a leaf-only server is completed from AIA, verification stays on, nothing else passes.

Every server runs on 127.0.0.1: an HTTPS server presenting a chosen chain and a plain HTTP
"AIA" server holding the issuers (see tests/tls_fixtures.py).
"""

from __future__ import annotations

import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from kvasir_seg import tls
from kvasir_seg.catalog import KVASIR_CAPSULE_SEG
from kvasir_seg.download import fetch_archive
from kvasir_seg.errors import DownloadError

from tls_fixtures import AnswerServer, HTTPSServer, Pki, make_ca, make_pki, write_pem

BODY = b"hello over verified TLS\n"


@pytest.fixture(autouse=True)
def _fresh(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No intermediates left from another test, no trust store from the environment."""
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    tls.clear_cache()
    yield
    tls.clear_cache()


@pytest.fixture
def aia() -> Iterator[AnswerServer]:
    with AnswerServer() as server:
        yield server


@pytest.fixture
def site(tmp_path: Path) -> Path:
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "hello.txt").write_bytes(BODY)
    return folder


@pytest.fixture
def pki(aia: AnswerServer) -> Pki:
    return make_pki(aia, "trusted")


@pytest.fixture
def root_pem(pki: Pki, tmp_path: Path) -> Path:
    return write_pem(tmp_path / "root.pem", pki.root)


@pytest.fixture
def partial_chain_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """Default contexts accept partial chains, as Python 3.13+ makes them."""
    create = ssl.create_default_context

    def partial_default(*args: object, **kwargs: object) -> ssl.SSLContext:
        context = create(*args, **kwargs)
        context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
        return context

    monkeypatch.setattr(ssl, "create_default_context", partial_default)


@pytest.fixture
def leaf_only(pki: Pki, site: Path) -> Iterator[HTTPSServer]:
    """An HTTPS server that sends only its leaf, as the official server is reported to."""
    with HTTPSServer([pki.leaf], pki.leaf.key, site) as server:
        yield server


def _get(url: str, **options: object) -> bytes:
    with tls.urlopen(urllib.request.Request(url), timeout=5, **options) as response:
        return response.read()


def _refusal(caught: pytest.ExceptionInfo[urllib.error.URLError]) -> ssl.SSLCertVerificationError:
    """The certificate error inside a refusal, as urllib reports it."""
    assert isinstance(caught.value.reason, ssl.SSLCertVerificationError)
    assert "CERTIFICATE_VERIFY_FAILED" in str(caught.value)
    return caught.value.reason


def test_plain_urllib_fails_on_a_leaf_only_server(
    leaf_only: HTTPSServer, root_pem: Path, aia: AnswerServer
) -> None:
    context = ssl.create_default_context(cafile=root_pem)
    with pytest.raises(urllib.error.URLError) as caught:
        urllib.request.urlopen(leaf_only.url("/hello.txt"), timeout=5, context=context)
    assert _refusal(caught).verify_code == 20  # unable to get local issuer certificate
    assert aia.requests == []


def test_chain_is_completed_from_aia(
    leaf_only: HTTPSServer,
    root_pem: Path,
    pki: Pki,
    aia: AnswerServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("INFO", logger="kvasir_seg.tls")
    assert _get(leaf_only.url("/hello.txt"), ca_bundle=root_pem) == BODY
    assert aia.requests == [pki.leaf_aia_path, "/trusted-root.der"]
    assert aia.url(pki.leaf_aia_path) in caplog.text
    # Fetched once per process: the next request (e.g. a resume) connects at the first try.
    caplog.clear()
    assert _get(leaf_only.url("/hello.txt"), ca_bundle=root_pem) == BODY
    assert len(aia.requests) == 2 and "incomplete" not in caplog.text


def test_chain_of_a_redirect_target_is_completed(
    leaf_only: HTTPSServer, root_pem: Path, pki: Pki, aia: AnswerServer
) -> None:
    aia.answers["/mirror/hello.txt"] = (302, leaf_only.url("/hello.txt").encode())
    assert _get(aia.url("/mirror/hello.txt"), ca_bundle=root_pem) == BODY
    assert pki.leaf_aia_path in aia.requests


def test_ssl_cert_file_is_the_trust_store(
    leaf_only: HTTPSServer, root_pem: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(root_pem))
    assert _get(leaf_only.url("/hello.txt")) == BODY


def test_default_store_does_not_trust_the_test_root(leaf_only: HTTPSServer) -> None:
    with pytest.raises(urllib.error.URLError) as caught:
        _get(leaf_only.url("/hello.txt"))
    assert "refused even with the intermediate" in str(_refusal(caught))


@pytest.mark.parametrize("partial_chains", [False, True], ids=["py<3.13", "py3.13"])
def test_untrusted_root_is_refused_after_chasing(
    aia: AnswerServer,
    site: Path,
    root_pem: Path,
    partial_chains: bool,
    request: pytest.FixtureRequest,
) -> None:
    if partial_chains:
        request.getfixturevalue("partial_chain_default")
    rogue = make_pki(aia, "rogue")
    with (
        HTTPSServer([rogue.leaf], rogue.leaf.key, site) as server,
        pytest.raises(urllib.error.URLError) as caught,
    ):
        _get(server.url("/hello.txt"), ca_bundle=root_pem)
    assert rogue.leaf_aia_path in aia.requests  # the chase ran, the intermediate was found
    assert "refused even with the intermediate" in str(_refusal(caught))


@pytest.mark.parametrize(
    "answer",
    [(404, b"gone"), (200, b"garbage, not a certificate"), (200, b"\x30" * 70_000), None],
    ids=["404", "garbage", "too-big", "no-answer"],
)
def test_unusable_aia_answer_is_refused_quickly(
    leaf_only: HTTPSServer,
    root_pem: Path,
    pki: Pki,
    aia: AnswerServer,
    answer: tuple[int, bytes] | None,
) -> None:
    aia.answers[pki.leaf_aia_path] = answer
    started = time.monotonic()
    with pytest.raises(urllib.error.URLError) as caught:
        tls.urlopen(urllib.request.Request(leaf_only.url("/hello.txt")), timeout=1)
    assert time.monotonic() - started < 20  # bounded by the timeout, not a hang
    message = str(_refusal(caught))
    assert "completing the chain from AIA failed" in message
    assert aia.url(pki.leaf_aia_path) in message


def test_aia_serving_another_ca_is_refused(
    leaf_only: HTTPSServer, root_pem: Path, pki: Pki, aia: AnswerServer
) -> None:
    aia.answers[pki.leaf_aia_path] = (200, make_ca("Impostor").der)
    with pytest.raises(urllib.error.URLError) as caught:
        _get(leaf_only.url("/hello.txt"), ca_bundle=root_pem)
    assert "no certificate there signed" in str(_refusal(caught))


def test_full_chain_needs_no_aia(pki: Pki, site: Path, root_pem: Path, aia: AnswerServer) -> None:
    with HTTPSServer([pki.leaf, pki.intermediate], pki.leaf.key, site) as server:
        assert _get(server.url("/hello.txt"), ca_bundle=root_pem) == BODY
    assert aia.requests == []


@pytest.mark.parametrize("form", ["pem", "p7c", "p7b"])
def test_intermediate_in_other_encodings(
    form: str, aia: AnswerServer, site: Path, tmp_path: Path
) -> None:
    other = make_pki(aia, f"as-{form}", form=form)
    with HTTPSServer([other.leaf], other.leaf.key, site) as server:
        body = _get(server.url("/hello.txt"), ca_bundle=write_pem(tmp_path / "r.pem", other.root))
    assert body == BODY
    assert other.leaf_aia_path in aia.requests


@pytest.mark.parametrize(
    "case, verify_code",
    [("expired", 10), ("wrong-host", 64), ("self-signed", 18)],
)
def test_bad_certificates_are_refused(
    case: str, verify_code: int, aia: AnswerServer, site: Path, tmp_path: Path
) -> None:
    if case == "self-signed":
        lonely = make_ca("Lonely Root")
        chain, trusted = [lonely], make_ca("Some Trusted Root")
    else:
        hosts = ("example.invalid",) if case == "wrong-host" else ("127.0.0.1",)
        bad = make_pki(aia, case, expired=case == "expired", hosts=hosts)
        chain, trusted = [bad.leaf], bad.root
    with (
        HTTPSServer(chain, chain[0].key, site) as server,
        pytest.raises(urllib.error.URLError) as caught,
    ):
        _get(server.url("/hello.txt"), ca_bundle=write_pem(tmp_path / "ca.pem", trusted))
    assert _refusal(caught).verify_code == verify_code


def test_http_is_unchanged(aia: AnswerServer) -> None:
    aia.answers["/plain"] = (200, BODY)
    assert _get(aia.url("/plain")) == BODY


def test_http_errors_pass_through(leaf_only: HTTPSServer, root_pem: Path) -> None:
    with pytest.raises(urllib.error.HTTPError) as caught:
        _get(leaf_only.url("/missing.zip"), ca_bundle=root_pem)
    assert caught.value.code == 404


@pytest.mark.usefixtures("partial_chain_default")
def test_context_verifies_and_never_accepts_partial_chains() -> None:
    context = tls.create_context()
    assert not context.verify_flags & ssl.VERIFY_X509_PARTIAL_CHAIN
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname


def test_certifi_only_when_the_default_store_is_empty(monkeypatch: pytest.MonkeyPatch) -> None:
    certifi = pytest.importorskip("certifi")
    monkeypatch.setattr(ssl.SSLContext, "load_default_certs", lambda self, purpose=None: None)
    monkeypatch.setattr(
        ssl,
        "get_default_verify_paths",
        lambda: ssl.DefaultVerifyPaths(None, None, "SSL_CERT_FILE", "", "SSL_CERT_DIR", ""),
    )
    expected = ssl.create_default_context(cafile=certifi.where()).cert_store_stats()["x509_ca"]
    assert tls.create_context().cert_store_stats()["x509_ca"] == expected > 0


def test_missing_ca_bundle_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(FileNotFoundError, match="ca_bundle"):
        tls.create_context(tmp_path / "nope.pem")
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "nope.pem"))
    with pytest.raises(FileNotFoundError, match="SSL_CERT_FILE"):
        tls.create_context()


@pytest.fixture
def capsule_site(site: Path, make_archive) -> bytes:
    """A small real KvasirCapsule-SEG zip, under its official name in ``site``."""
    path = make_archive("kvasir_capsule_seg", count=3, into=site)
    assert path == site / KVASIR_CAPSULE_SEG.filename
    return path.read_bytes()


def test_download_archive_from_a_leaf_only_mirror(
    leaf_only: HTTPSServer,
    root_pem: Path,
    capsule_site: bytes,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KVASIR_SEG_MIRROR", leaf_only.url("/"))
    path, _ = fetch_archive(
        KVASIR_CAPSULE_SEG, tmp_path / "cache", progress=False, ca_bundle=root_pem
    )
    assert path.read_bytes() == capsule_site


def test_download_archive_refuses_an_untrusted_server_and_leaves_nothing(
    aia: AnswerServer,
    site: Path,
    root_pem: Path,
    capsule_site: bytes,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rogue = make_pki(aia, "rogue")
    cache = tmp_path / "cache"
    with HTTPSServer([rogue.leaf], rogue.leaf.key, site) as server:
        monkeypatch.setenv("KVASIR_SEG_MIRROR", server.url("/"))
        with pytest.raises(DownloadError) as caught:
            fetch_archive(KVASIR_CAPSULE_SEG, cache, progress=False, timeout=5, ca_bundle=root_pem)
    assert KVASIR_CAPSULE_SEG.url in str(caught.value)  # the manual-download hint
    assert "CERTIFICATE_VERIFY_FAILED" in str(caught.value)
    assert [p.name for p in cache.iterdir()] == [
        "kvasir-capsule-seg.zip.lock"
    ]  # no archive, no .part
