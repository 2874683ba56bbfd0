"""genai_grpc.Client: the entry point. One channel per client (sync) and one per client.aio."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from genai_grpc import _config
from genai_grpc._async.file_search_stores import AsyncFileSearchStores
from genai_grpc._async.models import AsyncModels
from genai_grpc._async.operations import AsyncOperations
from genai_grpc._async.transport import AsyncTransport
from genai_grpc._sync.file_search_stores import FileSearchStores
from genai_grpc._sync.models import Models
from genai_grpc._sync.operations import Operations
from genai_grpc._sync.transport import Transport
from genai_grpc.types import PollPolicy, RetryPolicy


class AsyncClient:
    """The grpc.aio side of a Client, reached as `client.aio`. Close with `await aclose()`."""

    def __init__(
        self, config: _config.ClientConfig, *, poll: PollPolicy | None = None, retry: RetryPolicy | None = None
    ) -> None:
        self._transport = AsyncTransport(config)
        self.operations = AsyncOperations(self._transport, poll=poll, retry=retry)
        self.models = AsyncModels(self._transport)
        self.file_search_stores = AsyncFileSearchStores(self._transport)

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

    With no arguments it reads the environment: ``GENAI_GRPC_EMULATOR_HOST=host:port`` points it
    at a local server (``python -m genai_grpc serve``). ``endpoint="host:port"`` points it
    anywhere. Use it as a context manager, or call ``close()``; ``client.aio`` is the asyncio
    twin with the same methods. ``poll`` and ``retry`` set the defaults of every wait
    (``types.PollPolicy``, ``types.RetryPolicy``).
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
        timeout: float = 60.0,
        poll: PollPolicy | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self._config = _config.resolve(
            api_key=api_key,
            vertexai=vertexai,
            project=project,
            location=location,
            credentials=credentials,
            endpoint=endpoint,
            timeout=timeout,
        )
        self._transport = Transport(self._config)
        for value, cls in ((poll, PollPolicy), (retry, RetryPolicy)):
            if value is not None and not isinstance(value, cls):
                raise TypeError(f"expected a types.{cls.__name__}, got {type(value).__name__}")
        self.operations = Operations(self._transport, poll=poll, retry=retry)
        self.models = Models(self._transport)
        self.file_search_stores = FileSearchStores(self._transport)
        self.aio = AsyncClient(self._config, poll=poll, retry=retry)

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
        return f"Client(target={self._config.target!r}, secure={self._config.secure})"
