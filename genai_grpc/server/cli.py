"""``genai-grpc serve``: run the local server until SIGINT or SIGTERM.

The command line's parser (genai_grpc.cli._parser) reads the flags and its error handling
turns failures into exit codes; this module only starts and stops the server. The first
line on stdout is the address the server listens on (host:port).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import signal

from genai_grpc._config import API_KEY_ENVS
from genai_grpc.server._faults import Faults
from genai_grpc.server._local import format_address, open_server
from genai_grpc.server._service import MAX_WAIT_S, Service
from genai_grpc.server._store import Store


def run(args: argparse.Namespace, faults: Faults) -> None:
    """Serve as the parsed `genai-grpc serve` arguments say, until SIGINT or SIGTERM;
    OSError when the address cannot be bound."""
    asyncio.run(_serve(args, faults))


def faults_of(args: argparse.Namespace) -> Faults:
    """The faults the flags ask for; ValueError for a bad value."""
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
    if args.require_api_key is not True:  # None, or the KEY given after the flag
        return args.require_api_key  # type: ignore[no-any-return]
    for variable in API_KEY_ENVS:
        if os.environ.get(variable):
            return os.environ[variable]
    raise ValueError(f"--require-api-key without KEY needs {' or '.join(API_KEY_ENVS)} set")


async def _serve(args: argparse.Namespace, faults: Faults) -> None:
    store = Store(args.db)
    try:
        max_wait = MAX_WAIT_S if args.max_wait is None else args.max_wait
        service = Service(store, faults, args.duration, max_wait)
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
