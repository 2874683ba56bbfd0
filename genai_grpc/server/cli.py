"""``serve``: run the local server until SIGINT or SIGTERM.

    python -m genai_grpc serve [--host 127.0.0.1] [--port 50051] [--db PATH] [--duration S]
        [--require-api-key [KEY]] [--latency S] [--fail-rate R | --fail-next N]
        [--fail-code NAME] [--retry-delay S] [--wait-unimplemented] [--garbage]

The first line on stdout is the address the server listens on (host:port).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import signal
import sys

from genai_grpc._config import API_KEY_ENVS, is_loopback
from genai_grpc.server._faults import Faults
from genai_grpc.server._local import format_address, open_server
from genai_grpc.server._service import MAX_WAIT_S, Service
from genai_grpc.server._store import Store

_FROM_ENV = object()


def main(argv: list[str]) -> int:
    """Run the command line in `argv` (without the program name); returns the exit status."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
        faults = _faults(args)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if not is_loopback(args.host):
        print(f"warning: serving on {args.host}, reachable beyond this machine", file=sys.stderr)
    try:
        asyncio.run(_serve(args, faults))
    except OSError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="genai_grpc", description="genai_grpc local server")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve operations on host:port until stopped")
    add = serve.add_argument
    add("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    add("--port", type=int, default=50051, help="port to bind; 0 picks a free one")
    add("--db", default=":memory:", help="SQLite file keeping operations across restarts")
    add("--duration", type=float, default=5.0, help="seconds an operation runs (default: 5)")
    add("--max-wait", type=float, default=MAX_WAIT_S, help="longest WaitOperation, seconds")
    add(
        "--require-api-key",
        nargs="?",
        const=_FROM_ENV,
        metavar="KEY",
        help="require x-goog-api-key; without KEY, use $GOOGLE_API_KEY or $GEMINI_API_KEY",
    )
    add("--latency", type=float, default=0.0, help="seconds added to every call")
    add("--fail-rate", type=float, default=0.0, help="share of calls (0..1) that fail")
    add("--fail-next", type=int, default=0, help="the first N calls fail")
    add("--fail-code", default="UNAVAILABLE", help="gRPC code of injected failures")
    add("--retry-delay", type=float, help="RetryInfo delay (seconds) on injected failures")
    add("--wait-unimplemented", action="store_true", help="WaitOperation answers UNIMPLEMENTED")
    add("--garbage", action="store_true", help="answer bytes that are not an Operation")
    return parser


def _faults(args: argparse.Namespace) -> Faults:
    return Faults(
        latency_s=args.latency,
        fail_rate=args.fail_rate,
        fail_next=args.fail_next,
        fail_code=args.fail_code,
        retry_delay_s=args.retry_delay,
        api_key=_api_key(args),
        wait_unimplemented=args.wait_unimplemented,
        garbage=args.garbage,
    )


def _api_key(args: argparse.Namespace) -> str | None:
    if args.require_api_key is not _FROM_ENV:
        return args.require_api_key  # type: ignore[no-any-return]
    for variable in API_KEY_ENVS:
        if os.environ.get(variable):
            return os.environ[variable]
    raise ValueError(f"--require-api-key without KEY needs {' or '.join(API_KEY_ENVS)} set")


async def _serve(args: argparse.Namespace, faults: Faults) -> None:
    store = Store(args.db)
    try:
        service = Service(store, faults, args.duration, args.max_wait)
        server, port = await open_server(service, args.host, args.port)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        # Startup objects live as long as the process: keep the collector from rescanning them.
        gc.freeze()
        print(format_address(args.host, port), flush=True)
        await stop.wait()
        await server.stop(1.0)
    finally:
        store.close()
