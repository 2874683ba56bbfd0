"""genai_grpc.Client: the entry point. One channel per client (sync) and one per client.aio."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any

import grpc

from genai_grpc import _channel, _config
from genai_grpc._async.file_search_stores import AsyncFileSearchStores
from genai_grpc._async.files import AsyncFiles
from genai_grpc._async.models import AsyncModels
from genai_grpc._async.operations import AsyncOperations
from genai_grpc._async.transport import AsyncTransport
from genai_grpc._budget import Budget
from genai_grpc._sync.file_search_stores import FileSearchStores
from genai_grpc._sync.files import Files
from genai_grpc._sync.models import Models
from genai_grpc._sync.operations import Operations
from genai_grpc._sync.transport import Transport
from genai_grpc.types import PollPolicy, RequestBudget, RetryPolicy


class AsyncClient:
    """The grpc.aio side of a Client, reached as `client.aio`. Close with `await aclose()`."""

    def __init__(
        self,
        config: _config.ClientConfig,
        credentials: _channel.ChannelCredentials | None = None,
        interceptors: Sequence[Any] = (),
        *,
        poll: PollPolicy | None = None,
        retry: RetryPolicy | None = None,
        budget: Budget | None = None,
    ) -> None:
        self._transport = AsyncTransport(config, credentials, interceptors, budget)
        self.operations = AsyncOperations(self._transport, poll=poll, retry=retry)
        self.models = AsyncModels(self._transport)
        self.file_search_stores = AsyncFileSearchStores(self._transport)
        self.files = AsyncFiles(config)

    async def aclose(self) -> None:
        """Close the grpc.aio channel."""
        await self._transport.close()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


class Client:
    """A client for long-running operations over gRPC.

    Configured as google-genai's Client, from arguments or else the environment:

    - Gemini API: ``api_key=``, or GOOGLE_API_KEY / GEMINI_API_KEY.
    - Vertex AI: ``vertexai=True, project=, location=`` (default "global"), or
      GOOGLE_GENAI_USE_VERTEXAI=true with GOOGLE_CLOUD_PROJECT / GOOGLE_CLOUD_LOCATION;
      ``credentials=`` (google-auth) or else Application Default Credentials, looked up at
      the first call.
    - A local server: GENAI_GRPC_EMULATOR_HOST=host:port (``python -m genai_grpc serve``).

    ``endpoint="host:port"`` points the client anywhere, over TLS with the system's root
    certificates (or ``root_certificates=`` PEM bytes); plaintext is used for loopback
    addresses and the emulator, or with ``insecure=True``, which is allowed only for those.
    Credentials never travel in plaintext unless ``allow_insecure_credentials=True`` (loopback
    only). ``client_cert=`` and ``client_key=`` (PEM bytes), or ``client_cert_source=`` (a
    callable returning both, called once here), present a client certificate (mutual TLS);
    with GOOGLE_API_USE_CLIENT_CERTIFICATE=true the machine's default one (google-auth) is
    presented, and Google's hosts are used in their mtls variant (GOOGLE_API_USE_MTLS_ENDPOINT:
    auto, always, never). The key never shows in a repr, log or error. ``interceptors`` (grpc) and ``aio_interceptors`` (grpc.aio) see every call.
    ``timeout`` is the default per-call deadline in seconds; ``poll`` and ``retry`` set the
    defaults of every wait (``types.PollPolicy``, ``types.RetryPolicy``).
    ``max_rps=N`` caps the client's requests per second (sync and aio together, every call
    and every poll of every wait, watch and fleet), lowering the rate while the server
    answers RESOURCE_EXHAUSTED; ``budget=types.RequestBudget(...)`` tunes how
    (None, the default: no limit).

    Use it as a context manager, or call ``close()``; ``client.aio`` is the asyncio twin with
    the same methods (``async with client.aio`` / ``await client.aio.aclose()``).
    Raises ValueError for conflicting or missing configuration.
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        vertexai: bool | None = None,
        project: str | None = None,
        location: str | None = None,
        credentials: Any = None,
        endpoint: str | None = None,
        insecure: bool | None = None,
        root_certificates: bytes | None = None,
        client_cert: bytes | None = None,
        client_key: bytes | None = None,
        client_cert_source: Callable[[], tuple[bytes, bytes]] | None = None,
        allow_insecure_credentials: bool = False,
        interceptors: Sequence[Any] = (),
        aio_interceptors: Sequence[Any] = (),
        timeout: float = 60.0,
        poll: PollPolicy | None = None,
        retry: RetryPolicy | None = None,
        max_rps: float | None = None,
        budget: RequestBudget | None = None,
    ) -> None:
        self._config = _config.resolve(
            api_key=api_key,
            vertexai=vertexai,
            project=project,
            location=location,
            credentials=credentials,
            endpoint=endpoint,
            insecure=insecure,
            root_certificates=root_certificates,
            client_cert=_channel.client_cert(client_cert, client_key, client_cert_source, os.environ),
            allow_insecure_credentials=allow_insecure_credentials,
            timeout=timeout,
            grpc_version=grpc.__version__,
        )
        for value, cls in ((poll, PollPolicy), (retry, RetryPolicy)):
            if value is not None and not isinstance(value, cls):
                raise TypeError(f"expected a types.{cls.__name__}, got {type(value).__name__}")
        shared = _budget(max_rps, budget)
        interceptors = _channel.check_interceptors(interceptors, aio=False)
        aio_interceptors = _channel.check_interceptors(aio_interceptors, aio=True)
        channel_credentials = _channel.ChannelCredentials(self._config)
        self._transport = Transport(self._config, channel_credentials, interceptors, shared)
        self.operations = Operations(self._transport, poll=poll, retry=retry)
        self.models = Models(self._transport)
        self.file_search_stores = FileSearchStores(self._transport)
        self.files = Files(self._config)
        self.aio = AsyncClient(
            self._config, channel_credentials, aio_interceptors, poll=poll, retry=retry, budget=shared
        )

    def close(self) -> None:
        """Close the sync channel. (Close `client.aio` with `await client.aio.aclose()`.)"""
        self._transport.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        config = self._config
        backend = "vertexai" if config.vertexai else "gemini"
        return f"Client(target={config.target!r}, secure={config.secure}, backend={backend!r}, auth={config.auth!r})"


def _budget(max_rps: float | None, budget: RequestBudget | None) -> Budget | None:
    """The request budget both sides of a client share, from `max_rps=` or `budget=`."""
    if max_rps is not None and budget is not None:
        raise ValueError("pass max_rps or budget, not both (RequestBudget has max_rps)")
    if budget is not None and not isinstance(budget, RequestBudget):
        raise TypeError(f"budget must be a types.RequestBudget, got {type(budget).__name__}")
    if max_rps is not None:
        if isinstance(max_rps, bool) or not isinstance(max_rps, (int, float)):
            raise ValueError(f"max_rps must be a number > 0, got {max_rps!r}")
        budget = RequestBudget(max_rps=max_rps)
    return None if budget is None else Budget(budget, time.monotonic())
