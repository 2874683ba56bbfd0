"""Connecting for real: a TLS server on 127.0.0.1 with a certificate made by the test, and
the metadata that arrives there (API key, bearer token, quota project, routing, versions)."""

from __future__ import annotations

import asyncio
import datetime
import logging
import re
from collections.abc import Iterator
from typing import Any

import google.auth
import google.auth.credentials
import google.oauth2.credentials
import grpc
import pytest
from google.auth import exceptions as auth_exceptions

import genai_grpc
from genai_grpc import Client, errors, types
from genai_grpc._generated.google.longrunning import operations_pb2
from tests.conftest import clear_env
from tests.scripted import ScriptedServer
from tests.tls import Certs, make_certs

KEY = "AIzaSy-tls-test-key-42"
VEO = "projects/p/locations/us-central1/publishers/google/models/veo-2.0-generate-001/operations/op-1"
VEO_MODEL = VEO.split("/operations/")[0]
PLAIN = "operations/plain-1"


def _utcnow() -> datetime.datetime:
    # google-auth compares naive UTC datetimes.
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


class MintingCredentials(google.auth.credentials.Credentials):  # type: ignore[misc]
    """Credentials whose refresh() mints a new token each time and counts the refreshes."""

    def __init__(self, quota_project_id: str | None = None) -> None:
        super().__init__()
        self.refreshes = 0
        self._quota_project_id = quota_project_id

    def refresh(self, request: Any) -> None:
        self.refreshes += 1
        self.token = f"minted-token-{self.refreshes}"
        self.expiry = _utcnow() + datetime.timedelta(hours=1)

    def expire(self) -> None:
        self.expiry = _utcnow() - datetime.timedelta(seconds=1)


@pytest.fixture(scope="module")
def certs() -> Certs:
    return make_certs()


@pytest.fixture
def tls(certs: Certs) -> Iterator[ScriptedServer]:
    with ScriptedServer(credentials=grpc.ssl_server_credentials([(certs.key, certs.cert)])) as server:
        server.put(operations_pb2.Operation(name=VEO, done=True))
        server.put(operations_pb2.Operation(name=PLAIN, done=True))
        yield server


@pytest.fixture
def plain() -> Iterator[ScriptedServer]:
    with ScriptedServer() as server:
        server.put(operations_pb2.Operation(name=VEO, done=True))
        server.put(operations_pb2.Operation(name=PLAIN, done=True))
        yield server


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_env(monkeypatch)


def get_both(client: Client, name: str) -> None:
    """One get through the sync channel, one through the aio channel."""
    client.operations.get(name)

    async def aio() -> None:
        async with client.aio:
            await client.aio.operations.get(name)

    asyncio.run(aio())


# -- what arrives -----------------------------------------------------------------------------


def test_api_key_routing_and_versions_arrive_over_tls(tls: ScriptedServer, certs: Certs) -> None:
    with Client(api_key=KEY, endpoint=tls.address, root_certificates=certs.ca) as client:
        assert client._config.secure
        get_both(client, "operations/plain-1")
    assert [m for m, _, _ in tls.received] == ["GetOperation", "GetOperation"]
    for _, _, metadata in tls.received:
        assert metadata["x-goog-api-key"] == KEY
        assert metadata["x-goog-request-params"] == "name=operations/plain-1"
        assert re.fullmatch(
            rf"genai-grpc/{re.escape(genai_grpc.__version__)} gl-python/\S+ grpc/{re.escape(grpc.__version__)}",
            metadata["x-goog-api-client"],
        )
        assert metadata["user-agent"].startswith(metadata["x-goog-api-client"] + " grpc-python")
        assert "authorization" not in metadata


def test_bearer_token_quota_project_and_vertex_routing(tls: ScriptedServer, certs: Certs) -> None:
    credentials = google.oauth2.credentials.Credentials(token="ya29.static-token", quota_project_id="billing-proj")
    with Client(
        vertexai=True,
        project="p",
        location="us-central1",
        credentials=credentials,
        endpoint=tls.address,
        root_certificates=certs.ca,
    ) as client:
        get_both(client, VEO)
        client.operations.get(PLAIN)
    methods = [m for m, _, _ in tls.received]
    assert methods == ["FetchPredictOperation", "FetchPredictOperation", "GetOperation"]
    for _, request, metadata in tls.received[:2]:
        assert (request.endpoint, request.operation_name) == (VEO_MODEL, VEO)
        assert metadata["x-goog-request-params"] == f"endpoint={VEO_MODEL}"
    for _, _, metadata in tls.received:
        assert metadata["authorization"] == "Bearer ya29.static-token"
        assert metadata["x-goog-user-project"] == "billing-proj"
        assert "x-goog-api-key" not in metadata
    assert tls.received[2][2]["x-goog-request-params"] == f"name={PLAIN}"


def test_token_is_refreshed_when_it_expires(tls: ScriptedServer, certs: Certs) -> None:
    credentials = MintingCredentials(quota_project_id="qp")
    with Client(vertexai=True, credentials=credentials, endpoint=tls.address, root_certificates=certs.ca) as c:
        c.operations.get(PLAIN)
        c.operations.get(PLAIN)
        assert credentials.refreshes == 1
        credentials.expire()
        c.operations.get(PLAIN)
    assert credentials.refreshes == 2
    tokens = [metadata["authorization"] for _, _, metadata in tls.received]
    assert tokens == ["Bearer minted-token-1", "Bearer minted-token-1", "Bearer minted-token-2"]
    assert tls.received[0][2]["x-goog-user-project"] == "qp"


class FailingCredentials(MintingCredentials):
    def __init__(self, retryable: bool) -> None:
        super().__init__()
        self.retryable = retryable

    def refresh(self, request: Any) -> None:
        raise auth_exceptions.RefreshError(
            "invalid_grant: Token has been expired or revoked.", retryable=self.retryable
        )


@pytest.mark.parametrize("retryable,cls,code", [(False, errors.ClientError, 401), (True, errors.ServerError, 503)])
def test_a_refresh_that_retrying_cannot_fix_is_401(
    tls: ScriptedServer, certs: Certs, retryable: bool, cls: type, code: int
) -> None:
    with Client(
        vertexai=True, credentials=FailingCredentials(retryable), endpoint=tls.address, root_certificates=certs.ca
    ) as client:
        with pytest.raises(cls) as info:
            client.operations.get(PLAIN)
    assert info.value.code == code and "invalid_grant" in info.value.message
    assert tls.received == []


def test_application_default_credentials_are_looked_up_once_at_the_first_call(
    tls: ScriptedServer, certs: Certs, monkeypatch: pytest.MonkeyPatch
) -> None:
    credentials = MintingCredentials()
    lookups: list[Any] = []

    def default(scopes: Any = None, **kwargs: Any) -> tuple[Any, str]:
        lookups.append(scopes)
        return credentials, "adc-project"

    monkeypatch.setattr(google.auth, "default", default)
    monkeypatch.setenv("GOOGLE_GENAI_USE_VERTEXAI", "true")
    with Client(endpoint=tls.address, root_certificates=certs.ca) as client:
        assert lookups == []  # making a Client is cheap
        get_both(client, VEO)
        client.operations.get(VEO)
    assert lookups == [["https://www.googleapis.com/auth/cloud-platform"]]
    assert {m["authorization"] for _, _, m in tls.received} == {"Bearer minted-token-1"}


def test_missing_adc_fails_at_the_first_call_without_connecting(monkeypatch: pytest.MonkeyPatch) -> None:
    def default(**kwargs: Any) -> Any:
        raise auth_exceptions.DefaultCredentialsError("Your default credentials were not found.")

    monkeypatch.setattr(google.auth, "default", default)
    _forbid_channels(monkeypatch)
    client = Client(vertexai=True, project="PROJECT_ID", location="us-central1")  # as in the spec
    assert client._config.target == "us-central1-aiplatform.googleapis.com:443"
    with pytest.raises(auth_exceptions.DefaultCredentialsError, match="default credentials"):
        client.operations.get(VEO)
    client.close()


def test_wrong_roots_fail_the_handshake_without_showing_the_key(
    tls: ScriptedServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with Client(api_key=KEY, endpoint=tls.address, insecure=False, timeout=5) as client:
        with pytest.raises(errors.ServerError) as info:
            client.operations.get(PLAIN)
    assert info.value.code == 503
    assert KEY not in str(info.value) and KEY not in caplog.text
    assert tls.received == []


# -- plaintext ---------------------------------------------------------------------------------


def _forbid_channels(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a channel was opened")

    for module in (grpc, grpc.aio):
        monkeypatch.setattr(module, "insecure_channel", refuse)
        monkeypatch.setattr(module, "secure_channel", refuse)


def test_plaintext_with_credentials_to_a_non_loopback_host_is_refused_before_connecting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _forbid_channels(monkeypatch)
    for kwargs in (
        {"api_key": KEY},
        {"api_key": KEY, "allow_insecure_credentials": True},
        {"vertexai": True, "credentials": MintingCredentials()},
        {},
    ):
        with pytest.raises(ValueError, match="plaintext") as info:
            Client(endpoint="10.1.2.3:443", insecure=True, **kwargs)
        assert KEY not in str(info.value)


def test_environment_key_is_not_sent_to_the_emulator(plain: ScriptedServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOOGLE_API_KEY", KEY)
    monkeypatch.setenv("GENAI_GRPC_EMULATOR_HOST", plain.address)
    with Client() as client:
        get_both(client, PLAIN)
    assert all("x-goog-api-key" not in m for _, _, m in plain.received)
    assert len(plain.received) == 2


def test_vertex_environment_against_the_emulator_routes_publisher_models(
    plain: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def default(**kwargs: Any) -> Any:
        raise AssertionError("no credentials are looked up for a plaintext channel")

    monkeypatch.setattr(google.auth, "default", default)
    for var, value in (
        ("GOOGLE_GENAI_USE_VERTEXAI", "true"),
        ("GOOGLE_CLOUD_PROJECT", "p"),
        ("GOOGLE_CLOUD_LOCATION", "us-central1"),
        ("GENAI_GRPC_EMULATOR_HOST", plain.address),
    ):
        monkeypatch.setenv(var, value)
    with Client() as client:
        get_both(client, VEO)
        client.operations.get(PLAIN)
    assert [m for m, _, _ in plain.received] == ["FetchPredictOperation", "FetchPredictOperation", "GetOperation"]
    assert all("authorization" not in m for _, _, m in plain.received)


def test_credentials_over_loopback_plaintext_when_explicitly_allowed(plain: ScriptedServer) -> None:
    credentials = MintingCredentials()
    with Client(
        vertexai=True, credentials=credentials, endpoint=plain.address, allow_insecure_credentials=True
    ) as client:
        get_both(client, VEO)
    with Client(api_key=KEY, endpoint=plain.address, allow_insecure_credentials=True) as client:
        client.operations.get(PLAIN)
    assert [m["authorization"] for _, _, m in plain.received[:2]] == ["Bearer minted-token-1"] * 2
    assert plain.received[2][2]["x-goog-api-key"] == KEY


def test_wait_polls_publisher_models_with_fetch_predict_operation(plain: ScriptedServer) -> None:
    fast = types.PollPolicy(initial=0.01, multiplier=1.0, maximum=0.01)  # long polls allowed
    running = operations_pb2.Operation(name=VEO)
    plain.script(VEO, running, running, operations_pb2.Operation(name=VEO, done=True))
    with Client(vertexai=True, endpoint=plain.address, poll=fast) as client:
        assert client.operations.wait(VEO, timeout=30).done
        plain.script(VEO, running, operations_pb2.Operation(name=VEO, done=True))

        async def aio() -> types.Operation:
            async with client.aio:
                return await client.aio.operations.wait(VEO, timeout=30)

        assert asyncio.run(aio()).done
    assert {m for m, _, _ in plain.received} == {"FetchPredictOperation"}
    assert len(plain.received) == 5
    assert {m["x-goog-request-params"] for _, _, m in plain.received} == {f"endpoint={VEO_MODEL}"}


# -- interceptors ----------------------------------------------------------------------------


class Recorder(grpc.UnaryUnaryClientInterceptor):  # type: ignore[misc]
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, str]]] = []

    def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        self.calls.append((details.method, dict(details.metadata or ())))
        return continuation(details, request)


class AioRecorder(grpc.aio.UnaryUnaryClientInterceptor):  # type: ignore[misc]
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, str]]] = []

    async def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        method = details.method.decode() if isinstance(details.method, bytes) else details.method
        self.calls.append((method, dict(list(details.metadata or ()))))  # grpc.aio.Metadata
        return await continuation(details, request)


def test_interceptors_see_every_call_but_not_the_token(tls: ScriptedServer, certs: Certs) -> None:
    sync, aio = Recorder(), AioRecorder()
    credentials = google.oauth2.credentials.Credentials(token="ya29.hidden-from-interceptors")
    with Client(
        vertexai=True,
        credentials=credentials,
        endpoint=tls.address,
        root_certificates=certs.ca,
        interceptors=[sync],
        aio_interceptors=[aio],
    ) as client:
        get_both(client, VEO)
        client.operations.get(PLAIN)
    assert [m for m, _ in sync.calls] == [
        "/google.cloud.aiplatform.v1.PredictionService/FetchPredictOperation",
        "/google.longrunning.Operations/GetOperation",
    ]
    assert [m for m, _ in aio.calls] == ["/google.cloud.aiplatform.v1.PredictionService/FetchPredictOperation"]
    for _, metadata in sync.calls + aio.calls:
        assert "x-goog-api-client" in metadata and "authorization" not in metadata
    assert len(tls.received) == 3


def test_interceptors_of_the_wrong_kind_fail_at_once() -> None:
    with pytest.raises(TypeError, match="interceptors takes grpc client interceptors, got AioRecorder"):
        Client(endpoint="127.0.0.1:1", interceptors=[AioRecorder()])
    with pytest.raises(TypeError, match="aio_interceptors takes grpc.aio client interceptors, got Recorder"):
        Client(endpoint="127.0.0.1:1", aio_interceptors=[Recorder()])


def test_threads_making_their_first_calls_at_once_share_one_channel(plain: ScriptedServer) -> None:
    import threading

    from genai_grpc import _channel

    opened: list[Any] = []
    real = _channel.open_channel

    def counting(*args: Any) -> Any:
        opened.append(args)
        return real(*args)

    start = threading.Barrier(8)
    with Client(endpoint=plain.address) as client:

        def first_call() -> None:
            start.wait()
            client.operations.get(PLAIN)

        _channel.open_channel = counting  # type: ignore[assignment]
        try:
            threads = [threading.Thread(target=first_call) for _ in range(8)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        finally:
            _channel.open_channel = real  # type: ignore[assignment]
    assert len(opened) == 1 and len(plain.received) == 8


# -- secrets stay secret ------------------------------------------------------------------------


def test_keys_and_tokens_never_show_in_repr_logs_or_errors(
    tls: ScriptedServer, certs: Certs, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    logging.getLogger("grpc").setLevel(logging.DEBUG)
    credentials = google.oauth2.credentials.Credentials(token="ya29.secret-token")
    clients = [
        Client(api_key=KEY, endpoint=tls.address, root_certificates=certs.ca),
        Client(vertexai=True, credentials=credentials, endpoint=tls.address, root_certificates=certs.ca),
    ]
    texts: list[str] = []
    for client in clients:
        with client:
            client.operations.get(PLAIN)
            tls.fail_next(grpc.StatusCode.UNAUTHENTICATED, "request had invalid authentication credentials")
            for name in (PLAIN, "operations/missing"):
                with pytest.raises(errors.ClientError) as info:
                    client.operations.get(name)
                texts += [str(info.value), repr(info.value), info.value.message, repr(info.value.details)]
            texts += [
                repr(client),
                str(client),
                repr(client.aio),
                repr(client._config),
                repr(client._transport),
                repr(client.aio._transport),
                repr(client._transport._credentials),
            ]
    texts.append(caplog.text)
    for text in texts:
        assert KEY not in text and "secret-token" not in text, text
    assert tls.received[0][2]["x-goog-api-key"] == KEY  # it did travel, over TLS
