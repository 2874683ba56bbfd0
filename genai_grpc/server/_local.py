"""Running the server: on the caller's event loop (CLI) or in a background thread (tests)."""

from __future__ import annotations

import asyncio
import threading
from types import TracebackType
from typing import TYPE_CHECKING

import grpc

from genai_grpc.server._faults import Faults
from genai_grpc.server._service import MAX_WAIT_S, Service
from genai_grpc.server._store import Store

if TYPE_CHECKING:
    from typing_extensions import Self  # typing.Self needs Python 3.11

_OPTIONS = [
    ("grpc.max_receive_message_length", 256 << 20),
    ("grpc.max_send_message_length", -1),
    # Without this, Linux lets a second server bind the same port and share its calls.
    ("grpc.so_reuseport", 0),
    # grpc's core cancels calls beyond 3,000 waiting for a handler (soft limit 1,000), so
    # 10,000 concurrent waits from one client failed with CANCELLED. A Google front end
    # does not do that; this server should not either.
    ("grpc.server.max_pending_requests", 1 << 17),
    ("grpc.server.max_pending_requests_hard_limit", 1 << 17),
]
_STOP_GRACE_S = 1.0


def format_address(host: str, port: int) -> str:
    """host:port, with IPv6 hosts in brackets."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


async def open_server(service: Service, host: str, port: int) -> tuple[grpc.aio.Server, int]:
    """Start a grpc.aio server for `service`; returns it and the port it listens on."""
    server = grpc.aio.server(options=_OPTIONS)
    for name, methods in service.services().items():
        if hasattr(server, "add_registered_method_handlers"):
            # Newer grpcio (not 1.63): the core matches registered methods without a generic lookup.
            server.add_registered_method_handlers(name, methods)
        else:
            server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(name, methods),))
    address = format_address(host, port)
    try:
        bound = server.add_insecure_port(address)
    except RuntimeError as error:  # newer grpcio raises where older ones return 0
        raise OSError(f"cannot listen on {address}: {error}") from None
    if bound == 0:
        raise OSError(f"cannot listen on {address}")
    await server.start()
    return server, bound


class LocalServer:
    """A local google.longrunning + genai_grpc.v1.GenAI server in a background thread.

    Args:
        host: address to bind; loopback unless you pass another one explicitly.
        port: port to bind; 0 picks a free one (see `.port` after `start()`).
        db: SQLite file keeping the operations across restarts; ":memory:" keeps none.
        duration_s: how long a new operation runs before it is done.
        api_key: when set, calls must carry it as `x-goog-api-key` (same as faults.api_key).
        faults: initial faults; change `server.faults` at run time to inject others.
        max_wait_s: longest a WaitOperation call waits.

    Use it as a context manager, or call `start()` and `stop()`.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        db: str = ":memory:",
        duration_s: float = 5.0,
        api_key: str | None = None,
        faults: Faults | None = None,
        max_wait_s: float = MAX_WAIT_S,
    ) -> None:
        if duration_s < 0:
            raise ValueError(f"duration_s must be >= 0, not {duration_s}")
        self.host, self.db, self.duration_s, self.max_wait_s = host, db, duration_s, max_wait_s
        self._service: Service | None = None
        self._faults = faults if faults is not None else Faults()
        if api_key is not None:
            self._faults.api_key = api_key
        self._requested_port = port
        self._port: int | None = None
        self._store: Store | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    @property
    def faults(self) -> Faults:
        """The faults in force; change its attributes, or assign a new Faults, at any time."""
        return self._faults

    @faults.setter
    def faults(self, faults: Faults) -> None:
        self._faults = faults
        if self._service is not None:
            self._service.faults = faults

    def record_arrivals(self) -> list[tuple[float, str]]:
        """Start recording every call's arrival: a list the server appends
        ``(time.monotonic(), handler name)`` to, e.g. ``(t, "get_operation")``, from now on."""
        if self._service is None:
            raise RuntimeError("the server is not started")
        arrivals: list[tuple[float, str]] = []
        self._service.arrivals = arrivals
        return arrivals

    @property
    def port(self) -> int:
        """The port the server listens on."""
        if self._port is None:
            raise RuntimeError("the server is not started")
        return self._port

    @property
    def address(self) -> str:
        """host:port, ready for grpc.insecure_channel or GENAI_GRPC_EMULATOR_HOST."""
        return format_address(self.host, self.port)

    @property
    def store(self) -> Store:
        """The operation store, e.g. to insert many operations at once in tests.

        Insert freely; cancel and delete through the RPCs, which also update the server's caches.
        """
        if self._store is None:
            raise RuntimeError("the server is not started")
        return self._store

    def start(self) -> Self:
        """Open the database and start serving; returns self once the port is bound."""
        if self._thread is not None:
            raise RuntimeError("the server is already started")
        self._store = Store(self.db)
        self._ready.clear()
        self._thread = threading.Thread(target=self._run, name="genai-grpc-server", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            self.stop()
            raise self._error
        return self

    def stop(self) -> None:
        """Stop serving (letting calls in flight end for up to a second) and close the database."""
        if self._thread is None:
            return
        if self._loop is not None and self._stopping is not None:
            self._loop.call_soon_threadsafe(self._stopping.set)
        self._thread.join()
        self._thread, self._loop, self._stopping, self._port = None, None, None, None
        self._service = None
        if self._store is not None:
            self._store.close()
            self._store = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(self._serve(loop))
        except BaseException as error:  # noqa: BLE001 - start() re-raises it
            self._error = error
        finally:
            self._ready.set()
            loop.close()

    async def _serve(self, loop: asyncio.AbstractEventLoop) -> None:
        self._service = Service(self.store, self.faults, self.duration_s, self.max_wait_s)
        server, self._port = await open_server(self._service, self.host, self._requested_port)
        self._stopping = asyncio.Event()
        self._loop = loop
        self._ready.set()
        await self._stopping.wait()
        await server.stop(_STOP_GRACE_S)
