"""A file host for download tests: HTTPS (or plain HTTP) on a loopback address, answering
what a test puts in `routes` and recording every request it sees. Also the subprocess that
measures a download's peak memory."""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from tests.tls import Certs

PATTERN = bytes(range(256)) * 4096  # 1 MiB that is not all zeros


@dataclass
class Route:
    """An answer: `status`, `headers`, then `body`, or `size` bytes of PATTERN streamed.
    `stall` keeps sending slowly until the reader goes away (then `closed` is set)."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    size: int | None = None
    stall: bool = False
    short_by: int = 0  # announce this many bytes more than are sent, then hang up
    closed: threading.Event = field(default_factory=threading.Event)


@dataclass(frozen=True)
class Seen:
    path: str  # with its query
    headers: dict[str, str]
    client_cert: str | None = None  # the common name of the certificate the client presented


def pattern_chunks(size: int) -> Any:
    for start in range(0, size, len(PATTERN)):
        yield PATTERN[: min(len(PATTERN), size - start)]


class FileHost:
    """Serves `routes` (path without query -> Route) on `host`, over TLS when `certs`.
    `client_certs`: ask for a client certificate signed by `certs`' CA, requiring one when
    "required", accepting none when "optional"."""

    def __init__(
        self, certs: Certs | None, tmp: Path, host: str = "127.0.0.1", client_certs: str | None = None
    ) -> None:
        self.routes: dict[str, Route] = {}
        self.seen: list[Seen] = []
        context = None
        if certs is not None:
            (tmp / "host.pem").write_bytes(certs.cert)
            (tmp / "host.key").write_bytes(certs.key)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(tmp / "host.pem", tmp / "host.key")
            if client_certs is not None:
                context.load_verify_locations(cadata=certs.ca.decode())
                context.verify_mode = {"required": ssl.CERT_REQUIRED, "optional": ssl.CERT_OPTIONAL}[client_certs]
        self._http = _Server((host, 0), _Handler)
        self._http.host, self._http.context = self, context
        self.scheme = "https" if certs else "http"
        self.port = self._http.server_address[1]
        self.name = "localhost" if host == "localhost" else "127.0.0.1"
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"{self.scheme}://{self.name}:{self.port}{path}"

    def __enter__(self) -> FileHost:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        for route in self.routes.values():
            route.closed.set()
        self._http.shutdown()
        self._thread.join()
        self._http.server_close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    host: FileHost
    context: ssl.SSLContext | None

    def get_request(self) -> Any:
        sock, address = super().get_request()
        if self.context is not None:
            sock = self.context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, address

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        host = self.server.host
        peer = self.connection.getpeercert() if isinstance(self.connection, ssl.SSLSocket) else None
        name = next((v for rdn in (peer or {}).get("subject", ()) for k, v in rdn if k == "commonName"), None)
        host.seen.append(Seen(self.path, {k.lower(): v for k, v in self.headers.items()}, name))
        route = host.routes.get(urlsplit(self.path).path) or Route(
            404, b'{"error": {"code": 404, "message": "no route"}}'
        )
        self.close_connection = True
        self.send_response(route.status)
        length = route.size if route.size is not None else len(route.body)
        for key, value in {"Content-Length": str(length + route.short_by), **route.headers}.items():
            self.send_header(key, value)
        self.send_header("Connection", "close")
        self.end_headers()
        try:
            if route.stall:
                self._stall(route)
            elif route.size is not None:
                for chunk in pattern_chunks(route.size):
                    self.wfile.write(chunk)
            else:
                self.wfile.write(route.body)
        except OSError:
            route.closed.set()

    def _stall(self, route: Route) -> None:
        """Send two chunks' worth, then a byte every 10 ms, for at most 60 s or until the
        reader leaves."""
        self.wfile.write(PATTERN + PATTERN)
        self.wfile.flush()
        for _ in range(6000):
            if route.closed.wait(0.01):
                return
            self.wfile.write(b"x")
            self.wfile.flush()

    def log_message(self, format: str, *args: Any) -> None:
        pass


# Peak RSS is VmHWM, the high-water mark of this process's own memory map: ru_maxrss also
# counts the parent's RSS at the fork (Linux carries it across exec), here pytest's ~100 MB.
MEASURE = r"""
import json, sys
from genai_grpc import Client

def status_kib(field):
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field + ":"))

args = json.loads(sys.argv[1])
if args.pop("ca", None):
    args["root_certificates"] = open(sys.argv[4], "rb").read()
client = Client(**args)
try:
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")  # reset VmHWM to the current RSS: the import-time peak does not count
except OSError:
    pass  # then VmHWM may include the imports' peak: a bound that errs high
start = status_kib("VmRSS")
written = client.files.download(file=sys.argv[2], path=sys.argv[3])
print(json.dumps({"written": written, "start_kib": start, "peak_kib": status_kib("VmHWM")}))
"""


def measure_download(client_args: dict[str, Any], uri: str, path: Path, ca: bytes | None = None) -> dict[str, int]:
    """Download `uri` to `path` in a fresh process; its RSS at the start and its peak RSS."""
    ca_path = path.with_suffix(".ca.pem")
    if ca is not None:
        ca_path.write_bytes(ca)
    env = {k: v for k, v in os.environ.items() if k not in ("GOOGLE_API_KEY", "GEMINI_API_KEY")}
    out = subprocess.run(
        [sys.executable, "-c", MEASURE, json.dumps({**client_args, "ca": ca is not None}), uri, str(path), str(ca_path)],
        capture_output=True, text=True, timeout=300, env=env, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)  # type: ignore[no-any-return]
