"""Mutual TLS for real: a TLS server on 127.0.0.1 that requires a client certificate signed by
its CA (all made by the test), the certificate given as bytes, by a source, by google-auth's
default source, and on the command line; refusals; and the key kept out of sight."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import google.auth.transport.mtls
import grpc
import pytest

from genai_grpc import Client, errors
from genai_grpc._config import resolve
from genai_grpc._generated.google.longrunning import operations_pb2
from genai_grpc._mtls import ClientCert, endpoint_mode, hide_pem, mtls_host, wants_default
from tests.conftest import clear_env
from tests.filehost import FileHost, Route
from tests.scripted import ScriptedServer
from tests.tls import Certs, make_certs

NAME = "operations/mtls-1"
KEY = "AIzaSy-mtls-test-key-42"


@pytest.fixture(scope="module")
def certs() -> Certs:
    return make_certs()


@pytest.fixture(scope="module")
def stranger() -> Certs:
    """Certificates from another CA: its client certificate must be refused."""
    return make_certs()


@pytest.fixture
def mtls(certs: Certs) -> Iterator[ScriptedServer]:
    credentials = grpc.ssl_server_credentials(
        [(certs.key, certs.cert)], root_certificates=certs.ca, require_client_auth=True
    )
    with ScriptedServer(credentials=credentials) as server:
        server.put(operations_pb2.Operation(name=NAME, done=True))
        yield server


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_env(monkeypatch, "GOOGLE_API_USE_CLIENT_CERTIFICATE", "GOOGLE_API_USE_MTLS_ENDPOINT")


def get_both(client: Client) -> None:
    """One get through the sync channel, one through the aio channel."""
    assert client.operations.get(NAME).done

    async def aio() -> None:
        async with client.aio:
            assert (await client.aio.operations.get(NAME)).done

    asyncio.run(aio())


def key_body(key: bytes) -> str:
    return "".join(line for line in key.decode().splitlines() if not line.startswith("-----"))


# -- accepted -----------------------------------------------------------------------------------


def test_the_right_certificate_is_accepted_sync_and_aio(mtls: ScriptedServer, certs: Certs) -> None:
    with Client(
        endpoint=mtls.address, root_certificates=certs.ca, client_cert=certs.client_cert, client_key=certs.client_key
    ) as client:
        get_both(client)
    assert [m for m, _, _ in mtls.received] == ["GetOperation", "GetOperation"]


def test_a_certificate_source_is_called_once(mtls: ScriptedServer, certs: Certs) -> None:
    calls = []

    def source() -> tuple[bytes, bytes]:
        calls.append(1)
        return certs.client_cert, certs.client_key

    with Client(endpoint=mtls.address, root_certificates=certs.ca, client_cert_source=source) as client:
        get_both(client)
        client.operations.get(NAME)
    assert calls == [1]


def test_a_certificate_makes_a_loopback_channel_tls(certs: Certs) -> None:
    client = Client(endpoint="127.0.0.1:1", client_cert=certs.client_cert, client_key=certs.client_key)
    assert client._config.secure


def test_googles_default_source_is_used_when_the_environment_asks(
    mtls: ScriptedServer, certs: Certs, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(google.auth.transport.mtls, "has_default_client_cert_source", lambda: True)
    monkeypatch.setattr(
        google.auth.transport.mtls, "default_client_cert_source", lambda: lambda: (certs.client_cert, certs.client_key)
    )
    with Client(endpoint=mtls.address, root_certificates=certs.ca) as client:  # not asked: no certificate
        assert client._config.client_cert is None
    monkeypatch.setenv("GOOGLE_API_USE_CLIENT_CERTIFICATE", "true")
    with Client(endpoint=mtls.address, root_certificates=certs.ca) as client:
        assert client._config.client_cert is not None and client._config.client_cert.origin == "default"
        get_both(client)
    # Google's own host switches to its mtls variant while a certificate is presented.
    assert Client(api_key=KEY)._config.target == "generativelanguage.mtls.googleapis.com:443"
    vertex = Client(vertexai=True, project="p", location="us-central1")
    assert vertex._config.target == "us-central1-aiplatform.mtls.googleapis.com:443"


def test_no_default_certificate_means_plain_tls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(google.auth.transport.mtls, "has_default_client_cert_source", lambda: False)
    monkeypatch.setenv("GOOGLE_API_USE_CLIENT_CERTIFICATE", "true")
    client = Client(api_key=KEY)
    assert client._config.client_cert is None
    assert client._config.target == "generativelanguage.googleapis.com:443"


def test_the_default_certificate_is_not_presented_in_plaintext(
    certs: Certs, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(google.auth.transport.mtls, "has_default_client_cert_source", lambda: True)
    monkeypatch.setattr(
        google.auth.transport.mtls, "default_client_cert_source", lambda: lambda: (certs.client_cert, certs.client_key)
    )
    monkeypatch.setenv("GOOGLE_API_USE_CLIENT_CERTIFICATE", "true")
    monkeypatch.setenv("GENAI_GRPC_EMULATOR_HOST", "127.0.0.1:50051")
    with caplog.at_level(logging.INFO, logger="genai_grpc"):
        client = Client()
    assert not client._config.secure and client._config.client_cert is None
    assert "default client certificate" in caplog.text and key_body(certs.client_key) not in caplog.text


# -- refused ------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["none", "stranger"])
def test_no_or_a_wrong_certificate_is_refused(mtls: ScriptedServer, certs: Certs, stranger: Certs, who: str) -> None:
    pair = {} if who == "none" else {"client_cert": stranger.client_cert, "client_key": stranger.client_key}
    with Client(endpoint=mtls.address, root_certificates=certs.ca, timeout=5, **pair) as client:  # type: ignore[arg-type]
        with pytest.raises(errors.ServerError) as caught:
            client.operations.get(NAME)
        assert caught.value.code == 503

        async def aio() -> None:
            async with client.aio:
                await client.aio.operations.get(NAME)

        with pytest.raises(errors.ServerError):
            asyncio.run(aio())
    assert mtls.received == []


# -- bad input, and the key out of sight --------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"client_cert": b"-----BEGIN CERTIFICATE-----"}, "client_key is missing"),
        ({"client_key": b"-----BEGIN PRIVATE KEY-----"}, "client_cert is missing"),
        ({"client_cert": "text", "client_key": b"-----BEGIN PRIVATE KEY-----"}, "client_cert must be PEM bytes"),
        ({"client_cert": b"-----BEGIN CERTIFICATE-----", "client_key": b"not pem"}, "client_key is not PEM"),
        ({"client_cert_source": "not callable"}, "client_cert_source must be a callable"),
        ({"client_cert_source": lambda: None}, "must return (cert, key)"),
        ({"client_cert_source": lambda: (b"x", b"y"), "client_cert": b"c"}, "not both"),
    ],
)
def test_bad_certificate_arguments_are_named(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=None) as caught:
        Client(endpoint="127.0.0.1:1", **kwargs)  # type: ignore[arg-type]
    assert message in str(caught.value)


def test_a_certificate_over_plaintext_is_an_error(certs: Certs) -> None:
    with pytest.raises(ValueError, match="needs TLS"):
        Client(endpoint="127.0.0.1:1", insecure=True, client_cert=certs.client_cert, client_key=certs.client_key)


def test_a_failing_source_is_named_without_key_material(certs: Certs) -> None:
    def source() -> tuple[bytes, bytes]:
        raise RuntimeError("could not parse " + certs.client_key.decode())

    with pytest.raises(ValueError) as caught:
        Client(endpoint="127.0.0.1:1", client_cert_source=source)
    text = str(caught.value)
    assert text.startswith("client_cert_source failed: RuntimeError: could not parse <PEM hidden>")
    assert key_body(certs.client_key) not in text
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_the_key_never_shows(certs: Certs) -> None:
    client = Client(endpoint="127.0.0.1:1", client_cert=certs.client_cert, client_key=certs.client_key)
    config = client._config
    assert config.client_cert is not None
    shown = " ".join([repr(client), repr(config), str(config), repr(config.client_cert), str(config.client_cert)])
    assert key_body(certs.client_key) not in shown
    assert "client_cert='argument'" in repr(config)
    assert key_body(certs.client_key) in config.secrets  # so an echoed key is masked in errors
    assert "<PEM hidden>" in hide_pem("x " + certs.client_key.decode() + " y")


# -- Google's convention, decided purely ---------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("generativelanguage.googleapis.com", "generativelanguage.mtls.googleapis.com"),
        ("us-central1-aiplatform.googleapis.com", "us-central1-aiplatform.mtls.googleapis.com"),
        ("foo.sandbox.googleapis.com", "foo.mtls.sandbox.googleapis.com"),
        ("foo.mtls.googleapis.com", "foo.mtls.googleapis.com"),
        ("aiplatform.eu.rep.googleapis.com", "aiplatform.eu.rep.googleapis.com"),
        ("example.com", "example.com"),
    ],
)
def test_mtls_host(host: str, expected: str) -> None:
    assert mtls_host(host) == expected


def test_endpoint_modes_and_the_certificate_flag() -> None:
    cert = ClientCert(b"-----BEGIN CERTIFICATE-----", b"-----BEGIN PRIVATE KEY-----", "default")
    gemini = "generativelanguage.googleapis.com:443"
    mtls_gemini = "generativelanguage.mtls.googleapis.com:443"
    for mode, with_cert, without in [("auto", mtls_gemini, gemini), ("always", mtls_gemini, mtls_gemini),
                                      ("never", gemini, gemini), ("", mtls_gemini, gemini)]:  # fmt: skip
        env = {"GOOGLE_API_USE_MTLS_ENDPOINT": mode}
        assert resolve(api_key=KEY, env=env, client_cert=cert).target == with_cert
        assert resolve(api_key=KEY, env=env).target == without
    # An explicit endpoint is used as given.
    assert resolve(endpoint="example.com:443", client_cert=cert, env={}).target == "example.com:443"
    with pytest.raises(ValueError, match="GOOGLE_API_USE_MTLS_ENDPOINT must be"):
        endpoint_mode({"GOOGLE_API_USE_MTLS_ENDPOINT": "sometimes"})
    with pytest.raises(ValueError, match="GOOGLE_API_USE_CLIENT_CERTIFICATE must be"):
        wants_default({"GOOGLE_API_USE_CLIENT_CERTIFICATE": "yes please"})
    assert wants_default({"GOOGLE_API_USE_CLIENT_CERTIFICATE": "TRUE"}) and not wants_default({})


# -- the command line ---------------------------------------------------------------------------


def test_cli_presents_a_certificate_and_names_a_bad_file(mtls: ScriptedServer, certs: Certs, tmp_path: Path) -> None:
    files = {}
    for name in ("ca", "client_cert", "client_key"):
        files[name] = tmp_path / f"{name}.pem"
        files[name].write_bytes(getattr(certs, name))
    base = [sys.executable, "-m", "genai_grpc", "get", NAME, "--endpoint", mtls.address]
    base += ["--root-certificates", str(files["ca"])]
    ok = subprocess.run(
        [*base, "--client-cert", str(files["client_cert"]), "--client-key", str(files["client_key"]), "--json"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    assert '"done": true' in ok.stdout
    refused = subprocess.run(base, capture_output=True, text=True, timeout=60)
    assert refused.returncode != 0 and "Traceback" not in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    missing = subprocess.run(
        [*base, "--client-cert", str(tmp_path / "nope.pem"), "--client-key", str(files["client_key"])],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert missing.returncode == 2 and "--client-cert: cannot read" in missing.stderr
    half = subprocess.run([*base, "--client-key", str(files["client_key"])], capture_output=True, text=True, timeout=60)
    assert half.returncode == 2 and "--client-cert and --client-key go together" in half.stderr
    for run in (ok, refused, missing, half):
        assert key_body(certs.client_key) not in run.stdout + run.stderr


# -- downloads: the certificate goes where the credentials go -----------------------------------

VIDEO = "/download/v1beta/files/mtls-video:download"
CLIENT_NAME = "genai-grpc test client"  # tests/tls.py's client certificate


@pytest.fixture
def strict_host(certs: Certs, tmp_path: Path) -> Iterator[FileHost]:
    """An HTTPS file host that requires a client certificate from the test's CA."""
    (tmp_path / "strict").mkdir()
    with FileHost(certs, tmp_path / "strict", client_certs="required") as files:
        files.routes[VIDEO] = Route(body=b"video bytes")
        yield files


def download_client(host: FileHost, certs: Certs, **kwargs: object) -> Client:
    return Client(api_key=KEY, endpoint=f"127.0.0.1:{host.port}", root_certificates=certs.ca, **kwargs)  # type: ignore[arg-type]


def test_downloads_present_the_certificate_sync_and_aio(
    strict_host: FileHost, certs: Certs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    private = tmp_path / "tmp"
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    with download_client(strict_host, certs, client_cert=certs.client_cert, client_key=certs.client_key) as client:
        assert client.files.download(file=strict_host.url(VIDEO)) == b"video bytes"
        assert asyncio.run(client.aio.files.download(file=strict_host.url(VIDEO))) == b"video bytes"
    assert [seen.client_cert for seen in strict_host.seen] == [CLIENT_NAME, CLIENT_NAME]
    assert list(private.iterdir()) == []  # the key was on disk only while it loaded


def test_downloads_without_the_certificate_are_refused(strict_host: FileHost, certs: Certs) -> None:
    with download_client(strict_host, certs) as client, pytest.raises(errors.ServerError) as caught:
        client.files.download(file=strict_host.url(VIDEO))
    assert caught.value.code == 503 and "127.0.0.1" in caught.value.message


def test_a_redirect_elsewhere_gets_no_certificate(strict_host: FileHost, certs: Certs, tmp_path: Path) -> None:
    (tmp_path / "other").mkdir()
    with FileHost(certs, tmp_path / "other", host="localhost", client_certs="optional") as other:
        strict_host.routes[VIDEO] = Route(302, headers={"Location": other.url("/signed/v.mp4?sig=s")})
        other.routes["/signed/v.mp4"] = Route(body=b"moved")
        with download_client(strict_host, certs, client_cert=certs.client_cert, client_key=certs.client_key) as c:
            assert c.files.download(file=strict_host.url(VIDEO)) == b"moved"
    assert strict_host.seen[0].client_cert == CLIENT_NAME
    assert [seen.client_cert for seen in other.seen] == [None] and "x-goog-api-key" not in other.seen[0].headers


def test_a_pair_that_does_not_load_is_named_without_the_key(
    strict_host: FileHost, certs: Certs, stranger: Certs
) -> None:
    with download_client(strict_host, certs, client_cert=certs.client_cert, client_key=stranger.client_key) as client:
        with pytest.raises(ValueError, match="client certificate .*does not load for downloads") as caught:
            client.files.download(file=strict_host.url(VIDEO))
    assert key_body(stranger.client_key) not in str(caught.value) and strict_host.seen == []


def test_google_credentials_downloads_present_the_certificate(strict_host: FileHost, certs: Certs) -> None:
    from tests.test_tls import MintingCredentials

    with Client(
        vertexai=True, project="p", location="us-central1", credentials=MintingCredentials(),
        endpoint=f"127.0.0.1:{strict_host.port}", root_certificates=certs.ca,
        client_cert=certs.client_cert, client_key=certs.client_key,
    ) as client:  # fmt: skip
        assert client.files.download(file=strict_host.url(VIDEO)) == b"video bytes"
    [seen] = strict_host.seen
    assert seen.client_cert == CLIENT_NAME and seen.headers["authorization"] == "Bearer minted-token-1"
