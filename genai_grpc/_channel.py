"""Opens a client's gRPC channels: TLS, call credentials, options and interceptors.

Shared by the sync and the grpc.aio transports. Every decision was made in _config; this
module only turns a ClientConfig into grpc objects.

Google OAuth tokens travel as gRPC call credentials (google-auth's plugin refreshes them):
gRPC then refuses to send them over a channel without transport security, and interceptors
never see them. An API key is plain call metadata, added only where _config allows it: a
Python call-credentials plugin costs client CPU and latency on every call (BENCHMARKS.md,
"Call credentials").
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf import empty_pb2
from google.protobuf.message import Message

from genai_grpc import _config, _convert, _mtls, _rpc
from genai_grpc._config import ClientConfig
from genai_grpc._generated.genai_grpc.v1 import service_pb2
from genai_grpc._generated.google.ai.generativelanguage.v1beta import (
    prediction_service_pb2 as gemini_prediction_pb2,
)
from genai_grpc._generated.google.cloud.aiplatform.v1 import prediction_service_pb2
from genai_grpc._generated.google.longrunning import operations_pb2


class ChannelCredentials:
    """A client's channel credentials, shared by its sync and aio channels.

    Built at the first channel open, not when the Client is made: Application Default
    Credentials are looked up then (and, if that fails, again at the next call).
    """

    def __init__(self, config: ClientConfig) -> None:
        self._config = config
        self._lock = threading.Lock()
        self._built = False
        self._value: grpc.ChannelCredentials | None = None

    def get(self) -> grpc.ChannelCredentials | None:
        """The grpc channel credentials; None for a plaintext channel without credentials."""
        with self._lock:
            if not self._built:
                self._value = _channel_credentials(self._config)
                self._built = True
            return self._value

    def __repr__(self) -> str:
        return f"ChannelCredentials(secure={self._config.secure}, auth={self._config.auth!r})"


_SYNC_INTERCEPTORS = (
    grpc.UnaryUnaryClientInterceptor,
    grpc.UnaryStreamClientInterceptor,
    grpc.StreamUnaryClientInterceptor,
    grpc.StreamStreamClientInterceptor,
)


def check_interceptors(interceptors: Sequence[Any], aio: bool) -> tuple[Any, ...]:
    """The interceptors as a tuple; TypeError for one of the wrong kind (grpc vs grpc.aio)."""
    kinds = (grpc.aio.ClientInterceptor,) if aio else _SYNC_INTERCEPTORS
    items = tuple(interceptors)
    for item in items:
        if not isinstance(item, kinds):
            what, want = ("aio_interceptors", "grpc.aio") if aio else ("interceptors", "grpc")
            raise TypeError(f"{what} takes {want} client interceptors, got {type(item).__name__}")
    return items


def open_channel(
    flavor: Any, config: ClientConfig, credentials: grpc.ChannelCredentials | None, interceptors: Sequence[Any]
) -> Any:
    """A channel from `flavor` (the grpc module, or grpc.aio) with the caller's interceptors."""
    target, options = config.target, config.options
    if flavor is grpc.aio:
        aio = list(interceptors) or None
        if credentials is None:
            return grpc.aio.insecure_channel(target, options=options, interceptors=aio)
        return grpc.aio.secure_channel(target, credentials, options=options, interceptors=aio)
    if credentials is None:
        channel = grpc.insecure_channel(target, options=options)
    else:
        channel = grpc.secure_channel(target, credentials, options=options)
    return grpc.intercept_channel(channel, *interceptors) if interceptors else channel


@dataclass(frozen=True, slots=True)
class Method:
    """One unary RPC: its path, and how its request and its answer cross the wire."""

    path: str
    request: type[Message]
    deserialize: Callable[[bytes], Any]


_OPERATIONS = "/google.longrunning.Operations/"
_GENAI = "/genai_grpc.v1.GenAI/"
_PREDICTION = "/google.cloud.aiplatform.v1.PredictionService/"
_GEMINI_PREDICTION = "/google.ai.generativelanguage.v1beta.PredictionService/"

#: Every RPC a client sends, by (service, method). The RPCs that answer a polled Operation
#: read it with _convert.parse_operation, so that a large video answer is copied once
#: instead of three times (see LargeOperation).
METHODS: dict[tuple[str, str], Method] = {
    ("operations", "GetOperation"): Method(
        _OPERATIONS + "GetOperation", operations_pb2.GetOperationRequest, _convert.parse_operation
    ),
    ("operations", "WaitOperation"): Method(
        _OPERATIONS + "WaitOperation", operations_pb2.WaitOperationRequest, _convert.parse_operation
    ),
    ("operations", "ListOperations"): Method(
        _OPERATIONS + "ListOperations", operations_pb2.ListOperationsRequest,
        operations_pb2.ListOperationsResponse.FromString,
    ),
    ("operations", "CancelOperation"): Method(
        _OPERATIONS + "CancelOperation", operations_pb2.CancelOperationRequest, empty_pb2.Empty.FromString
    ),
    ("operations", "DeleteOperation"): Method(
        _OPERATIONS + "DeleteOperation", operations_pb2.DeleteOperationRequest, empty_pb2.Empty.FromString
    ),
    ("prediction", "FetchPredictOperation"): Method(
        _PREDICTION + "FetchPredictOperation", prediction_service_pb2.FetchPredictOperationRequest,
        _convert.parse_operation,
    ),
    ("gemini_prediction", "PredictLongRunning"): Method(
        _GEMINI_PREDICTION + "PredictLongRunning", gemini_prediction_pb2.PredictLongRunningRequest,
        operations_pb2.Operation.FromString,
    ),
    ("prediction", "PredictLongRunning"): Method(
        _PREDICTION + "PredictLongRunning", prediction_service_pb2.PredictLongRunningRequest,
        operations_pb2.Operation.FromString,
    ),
    ("genai", "ImportFile"): Method(
        _GENAI + "ImportFile", service_pb2.ImportFileRequest, operations_pb2.Operation.FromString
    ),
    ("genai", "UploadToFileSearchStore"): Method(
        _GENAI + "UploadToFileSearchStore", service_pb2.UploadToFileSearchStoreRequest,
        operations_pb2.Operation.FromString,
    ),
}  # fmt: skip


def bind_methods(channel: Any) -> dict[tuple[str, str], Any]:
    """A multicallable on `channel` (sync or grpc.aio) for every entry of METHODS."""
    return {
        key: channel.unary_unary(
            method.path,
            request_serializer=method.request.SerializeToString,
            response_deserializer=method.deserialize,
        )
        for key, method in METHODS.items()
    }


def _channel_credentials(config: ClientConfig) -> grpc.ChannelCredentials | None:
    call = _call_credentials(config)
    if config.secure:
        cert = config.client_cert
        base = grpc.ssl_channel_credentials(
            root_certificates=config.root_certificates,
            private_key=None if cert is None else cert.key,
            certificate_chain=None if cert is None else cert.cert,
        )
    elif call is not None:
        # Plaintext that gRPC still lets call credentials through, for loopback peers only.
        base = grpc.local_channel_credentials(grpc.LocalConnectionType.LOCAL_TCP)
    else:
        return None
    return base if call is None else grpc.composite_channel_credentials(base, call)


def client_cert(cert: object, key: object, source: object, env: Mapping[str, str]) -> _mtls.ClientCert | None:
    """The client certificate to present: the one given, what the given source returns, or
    (GOOGLE_API_USE_CLIENT_CERTIFICATE=true) the machine's default one, if it has one.

    Sources are called here, once, when the Client is made (as google-api-core does).
    """
    given = _mtls.from_arguments(cert, key, source)
    if isinstance(given, _mtls.ClientCert):
        return given
    if given is not None:
        return _call_source(given, "source")
    if not _mtls.wants_default(env):
        return None
    from google.auth.transport import mtls

    if not mtls.has_default_client_cert_source():  # type: ignore[no-untyped-call]
        return None
    try:
        default = mtls.default_client_cert_source()  # type: ignore[no-untyped-call]
    except Exception as error:  # google-auth's MutualTLSChannelError, or what it wraps
        raise _mtls.source_failed("default", error) from None
    return _call_source(default, "default")


def _call_source(source: _mtls.CertSource, origin: _mtls.Origin) -> _mtls.ClientCert:
    try:
        result = source()
    except Exception as error:  # the message may quote key material: shown only cut
        raise _mtls.source_failed(origin, error) from None
    return _mtls.from_source_result(result, origin)


def _call_credentials(config: ClientConfig) -> grpc.CallCredentials | None:
    if config.auth == "google":
        return grpc.metadata_call_credentials(_google_plugin(config), name="google-auth")
    return None


def google_credentials(config: ClientConfig) -> Any:
    """The client's google-auth credentials with the cloud-platform scope: the ones it was
    given, else Application Default Credentials (looked up now)."""
    import google.auth
    import google.auth.credentials

    scopes = list(_config.SCOPES)
    if config.credentials is None:
        credentials, _ = google.auth.default(scopes=scopes)
        return credentials
    return google.auth.credentials.with_scopes_if_required(config.credentials, scopes)  # type: ignore[no-untyped-call]


def _google_plugin(config: ClientConfig) -> grpc.AuthMetadataPlugin:
    """google-auth's plugin: a bearer token, refreshed as it expires, and x-goog-user-project
    from the credentials' quota project."""
    from google.auth.transport.grpc import AuthMetadataPlugin
    from google.auth.transport.requests import Request

    credentials = google_credentials(config)
    return _MarkPermanentFailures(AuthMetadataPlugin(credentials, Request()))  # type: ignore[no-untyped-call]


class _MarkPermanentFailures(grpc.AuthMetadataPlugin):  # type: ignore[misc]
    """Marks token refreshes that retrying cannot fix (revoked or invalid credentials).

    gRPC fails every call whose plugin raised with UNAVAILABLE, which pollers retry; the mark
    lets _rpc.to_api_error report UNAUTHENTICATED (a 401 ClientError) instead.
    """

    def __init__(self, plugin: grpc.AuthMetadataPlugin) -> None:
        self._plugin = plugin

    def __call__(self, context: Any, callback: Any) -> None:
        from google.auth.exceptions import RefreshError

        try:
            self._plugin(context, callback)
        except RefreshError as exc:
            if getattr(exc, "retryable", False):
                raise
            raise _rpc.PermanentAuthError(f"{_rpc.AUTH_FAILED} {exc}") from exc
