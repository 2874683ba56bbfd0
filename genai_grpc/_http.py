"""The HTTP shell of downloads: requests (google-auth's transport) moves the bytes, _download
decides everything else. One implementation: client.aio runs the same code in a worker thread.

requests (and what only downloads need) is imported at the first download, not with the
client: most programs never download.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from genai_grpc import _channel, _config, _download, _seconds
from genai_grpc._codes import Code
from genai_grpc._config import ClientConfig
from genai_grpc.errors import APIError, ClientError, ServerError

#: Called with (bytes so far, total bytes or None when the server did not say).
Progress = Callable[[int, "int | None"], None]

_log = logging.getLogger("genai_grpc")
_QUERY = re.compile(r"\?[^\s)'\"]*")


class GoogleCredentials:
    """A client's google-auth credentials, looked up at the first download that needs them."""

    def __init__(self, config: ClientConfig) -> None:
        self._config = config
        self._lock = threading.Lock()
        self._value: Any = None

    def get(self) -> Any:
        with self._lock:
            if self._value is None:
                self._value = _channel.google_credentials(self._config)
            return self._value

    def __repr__(self) -> str:
        return f"GoogleCredentials(auth={self._config.auth!r})"


class Stop:
    """Ends a download from another thread: the response in flight is closed at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._set = False
        self._response: Any = None

    def set(self) -> None:
        with self._lock:
            self._set, response = True, self._response
        if response is not None:
            _abort(response)

    def attach(self, response: Any) -> None:
        with self._lock:
            self._response = response
            stopped = self._set
        if stopped:
            _abort(response)

    def check(self) -> None:
        if self._set:
            raise _Stopped


class _Stopped(Exception):
    """The download was stopped (its asyncio task was cancelled)."""


class Download:
    """One download, checked when made: `run()` returns the bytes, or with `path` writes them
    there atomically in chunks and returns how many were written."""

    def __init__(
        self,
        config: ClientConfig,
        google: GoogleCredentials,
        file: object,
        *,
        path: str | os.PathLike[str] | None = None,
        progress: Progress | None = None,
        overwrite: bool = True,
        timeout: float | None = None,
    ) -> None:
        self._config, self._google = config, google
        self._source = _download.source(file)
        if path is not None and not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}")
        if progress is not None and not callable(progress):
            raise TypeError(f"progress must be callable with (done, total), got {type(progress).__name__}")
        if not isinstance(overwrite, bool):
            raise TypeError(f"overwrite must be True or False, got {overwrite!r}")
        self._path, self._progress, self._overwrite = path, progress, overwrite
        self._timeout = _seconds.check(timeout, "timeout", positive=True, optional=True) or config.timeout
        if self._source.uri is not None:
            self._first = _download.first_hop(self._source.uri, config)

    def run(self, stop: Stop | None = None) -> bytes | int:
        """Download (or take the inline bytes) and deliver them."""
        stop = stop or Stop()
        data = self._source.data
        if data is not None and self._path is None:
            self._report(len(data), len(data))
            return data
        if data is not None:
            return self._deliver(_slices(data), len(data), stop)
        with _mapped(self._first.url), _Sessions(self._config, self._google, self._timeout) as sessions:
            response = self._open(sessions, stop)
            try:
                stop.attach(response)
                total = _download.total_size(response.headers)
                return self._deliver(response.iter_content(_download.CHUNK_BYTES), total, stop)
            finally:
                response.close()

    def _open(self, sessions: _Sessions, stop: Stop) -> Any:
        hop = self._first
        redirects = 0
        while True:
            stop.check()
            response = sessions.get(hop)
            status = response.status_code
            _log.debug("download GET %s -> %s", _download.describe(hop.url), status)
            if status == 200:
                return response
            if status in _download.REDIRECTS:
                location = response.headers.get("Location")
                response.close()
                hop = _download.next_hop(hop, location, self._config, redirects)
                redirects += 1
                continue
            body = _read_some(response)
            response.close()
            raise _download.http_error(status, body, hop.url)

    def _deliver(self, chunks: Iterable[bytes | memoryview], total: int | None, stop: Stop) -> bytes | int:
        from genai_grpc._atomic import AtomicFile

        sink: _Buffer | AtomicFile = (
            _Buffer() if self._path is None else AtomicFile(self._path, overwrite=self._overwrite)
        )
        with sink:
            done = 0
            self._report(done, total)
            for chunk in chunks:
                stop.check()
                sink.write(chunk)
                done += len(chunk)
                self._report(done, total)
            stop.check()
            if total is not None and done != total:
                raise ServerError(502, f"the download ended after {done} of {total} bytes", grpc_code=Code.DATA_LOSS)
            sink.commit()
        return sink.value() if isinstance(sink, _Buffer) else done

    def _report(self, done: int, total: int | None) -> None:
        if self._progress is not None:
            self._progress(done, total)

    def __repr__(self) -> str:
        where = "inline" if self._source.data is not None else _download.describe(self._first.url)
        return f"Download({where}, path={self._path!r})"


class AsyncDownload:
    """A Download run in a worker thread, so the event loop never blocks; cancelling the
    awaiting task closes the response, and the worker removes its temporary file."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._download = Download(*args, **kwargs)

    async def run(self) -> bytes | int:
        stop = Stop()
        try:
            return await asyncio.to_thread(self._download.run, stop)
        except asyncio.CancelledError:
            stop.set()
            raise


class _Buffer:
    """Collects the bytes in memory (download without a path)."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, chunk: bytes | memoryview) -> None:
        self._parts.append(bytes(chunk))

    def commit(self) -> None:
        pass

    def value(self) -> bytes:
        return self._parts[0] if len(self._parts) == 1 else b"".join(self._parts)

    def __enter__(self) -> _Buffer:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


class _Sessions:
    """The requests sessions of one download: plain, and authorized for Google credentials
    (made only when a hop may carry them). Closes both, and the CA file, on exit."""

    def __init__(self, config: ClientConfig, google: GoogleCredentials, timeout: float) -> None:
        import tempfile

        import requests

        self._config, self._google, self._timeout = config, google, timeout
        self._plain = requests.Session()
        self._authorized: Any = None
        self._ca_file: str | None = None
        self._verify: bool | str = True
        if config.root_certificates is not None:  # requests reads CA certificates from a file
            fd, self._ca_file = tempfile.mkstemp(prefix="genai-grpc-ca-", suffix=".pem")
            with os.fdopen(fd, "wb") as f:
                f.write(config.root_certificates)
            self._verify = self._ca_file
        #: The client certificate goes only where the credentials go (the API's own host),
        #: never to a host a redirect names.
        self._adapter: Any = None
        self._presenting = self._plain
        if config.client_cert is not None:
            from genai_grpc._http_tls import presenting_adapter

            self._adapter = presenting_adapter(config.client_cert, self._verify)
            self._presenting = requests.Session()
            self._presenting.mount("https://", self._adapter)

    def get(self, hop: _download.Hop) -> Any:
        client = dict(self._config.metadata).get(_config.CLIENT_HEADER)
        headers = {} if client is None else {_config.CLIENT_HEADER: client, "User-Agent": client}
        session = self._presenting if hop.credentials else self._plain
        if hop.credentials and self._config.auth == "api_key" and self._config.api_key:
            headers[_config.API_KEY_HEADER] = self._config.api_key
        elif hop.credentials and self._config.auth == "google":
            session = self._authorized_session()
        # Loopback never goes through a proxy from the environment (HTTPS_PROXY without NO_PROXY).
        direct: Any = {"http": None, "https": None} if _download.is_loopback_url(hop.url) else None
        return session.get(
            hop.url, headers=headers, stream=True, allow_redirects=False,
            timeout=(self._timeout, self._timeout), verify=self._verify, proxies=direct,
        )  # fmt: skip

    def _authorized_session(self) -> Any:
        if self._authorized is None:
            from google.auth.transport.requests import AuthorizedSession

            self._authorized = AuthorizedSession(self._google.get())  # type: ignore[no-untyped-call]
            if self._adapter is not None:
                self._authorized.mount("https://", self._adapter)
        return self._authorized

    def __enter__(self) -> _Sessions:
        return self

    def __exit__(self, *exc: object) -> None:
        self._plain.close()
        if self._presenting is not self._plain:
            self._presenting.close()
        if self._authorized is not None:
            self._authorized.close()
        if self._ca_file is not None:
            os.unlink(self._ca_file)


@contextmanager
def _mapped(url: str) -> Iterator[None]:
    """The one place where requests' and google-auth's failures become genai_grpc errors."""
    import requests
    from google.auth.exceptions import RefreshError

    where = _download.describe(url)
    try:
        yield
    except (APIError, _Stopped):
        raise
    except RefreshError as error:
        raise ClientError(401, f"refreshing the Google credentials failed: {_clean(error)}",
                          grpc_code=Code.UNAUTHENTICATED) from None  # fmt: skip
    except requests.Timeout as error:
        raise ServerError(
            504, f"timed out downloading {where}: {_clean(error)}", grpc_code=Code.DEADLINE_EXCEEDED
        ) from None
    except requests.exceptions.SSLError as error:
        raise ServerError(503, f"TLS failed downloading {where}: {_clean(error)}", grpc_code=Code.UNAVAILABLE) from None
    except requests.RequestException as error:
        raise ServerError(503, f"cannot download {where}: {_clean(error)}", grpc_code=Code.UNAVAILABLE) from None


def _clean(error: BaseException) -> str:
    """An exception's text without URL queries (signed URLs keep their secrets there)."""
    return _QUERY.sub("", str(error))[:500]


def _slices(data: bytes) -> Iterator[memoryview]:
    view = memoryview(data)
    for start in range(0, len(data), _download.CHUNK_BYTES):
        yield view[start : start + _download.CHUNK_BYTES]


def _read_some(response: Any) -> bytes:
    try:
        return bytes(response.raw.read(_download.ERROR_BODY_BYTES, decode_content=True) or b"")
    except Exception:  # noqa: BLE001 - the status alone still makes the error
        return b""


def _abort(response: Any) -> None:
    """Wake a read blocked on the response's socket, from another thread: shut the socket
    down for reading (urllib3's own shutdown() where it has one). The response is closed by
    the reading thread: closing it here would wait for that read to end."""
    raw = getattr(response, "raw", None)
    shutdown = getattr(raw, "shutdown", None)  # urllib3 >= 2.3
    try:
        if callable(shutdown):
            shutdown()
            return
    except (ValueError, RuntimeError, OSError):
        pass
    sock = getattr(getattr(raw, "connection", None), "sock", None)
    if sock is not None:
        import socket

        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
