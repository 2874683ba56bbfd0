"""Benchmark: the cost of a look in instructions, which a noisy machine does not change.

    python scripts/bench_instructions.py [--calls 300] [--sides sync,aio] [--payloads running,video,failed]
                                         [--variants ours,raw,apicore] [--repeat 3]
    python scripts/bench_instructions.py --fleet [--ops 300] [--repeat 3]
    python scripts/bench_instructions.py --python [--calls 300] [--sides ...] [--payloads ...]

The same server, payloads and variants as scripts/bench_look.py (every call a name never asked
before; the raw generated stub sends the same routing and client headers), but the client
process runs under valgrind's callgrind, which counts the instructions it executes (all its
main thread: grpc's C core work for each call included, its background threads not) instead of timing them. Each variant runs twice in a fresh
process, once with CALLS gets and once with 2 x CALLS, both after the same warm-up, and the
difference over CALLS is its cost per call: process start, imports and warm-up cancel out.
The median of REPEAT such pairs is kept.
The server runs outside valgrind. Needs valgrind on PATH; slow (~10 s per process).

With --fleet, the same for fleet polls (scripts/bench_fleet.py's server and clients): aio
as_completed against a raw grpc.aio loop, OPS and 2 x OPS operations of three polls each,
the difference over 3 x OPS polls per poll.

With --python, no gRPC at all: get() and the raw stub's call (same request, headers and
deserializer as over gRPC) against a fake channel that hands back the payload's bytes, in
one process. What is left is the Python each side runs per call, exactly (no completion
queue polled a varying number of times): the library's own cost, to find what to cut.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_fleet  # noqa: E402  (scripts beside this one)
import bench_look  # noqa: E402

WARM_UP = 100
_TOTALS = re.compile(r"^(?:summary|totals): (\d+)", re.MULTILINE)


def child(side: str, target: str, payload: str, variant: str, calls: int) -> None:
    """Make WARM_UP + `calls` gets of new names with one variant."""
    todo = iter(bench_look.names(payload, f"{variant}{calls}", WARM_UP + calls))

    async def run(funcs: dict[str, Any]) -> None:
        f = funcs[variant]
        for name in todo:
            if side == "aio":
                await f(name)
            else:
                f(name)

    async def main() -> None:
        await run(bench_look.callables(side, target))  # grpc.aio channels belong to this loop

    if side == "aio":
        asyncio.run(main())
    else:
        asyncio.run(run(bench_look.callables(side, target)))


def python_child(side: str, payload: str, variant: str, calls: int) -> None:
    """`calls` gets of new names with one variant, against a fake channel (no gRPC)."""
    from google.longrunning import operations_pb2 as common
    from grpc.aio._channel import _BaseMultiCallable

    from genai_grpc import Client, _rpc
    from genai_grpc._channel import METHODS

    init_metadata = _BaseMultiCallable._init_metadata  # a private grpc.aio detail, for this count only

    answer = bench_look.template(payload)
    client = Client(endpoint="127.0.0.1:1")
    method = METHODS["operations", "GetOperation"]

    def fake(serialize: Any, deserialize: Any) -> Any:
        """A multicallable doing what grpc's does in Python: serialize, deserialize."""

        def call(request: Any, metadata: Any = None, timeout: Any = None) -> Any:
            answer.name = request.name
            serialize(request)
            return deserialize(answer.SerializeToString())

        async def acall(request: Any, metadata: Any = None, timeout: Any = None) -> Any:
            return call(request, init_metadata(metadata), timeout)  # as grpc.aio's multicallable does

        return acall if side == "aio" else call

    transport = client.aio.operations._transport if side == "aio" else client.operations._transport
    transport.methods = {("operations", "GetOperation"): fake(method.request.SerializeToString, method.deserialize)}
    raw_rpc = fake(common.GetOperationRequest.SerializeToString, common.Operation.FromString)
    headers = client._config.metadata

    def raw(name: str) -> Any:
        return raw_rpc(
            common.GetOperationRequest(name=name), metadata=(*headers, _rpc.routing_header(name)), timeout=60
        )

    f = (client.aio.operations.get if side == "aio" else client.operations.get) if variant == "ours" else raw

    async def run() -> None:
        for name in bench_look.names(payload, f"{variant}{calls}", WARM_UP + calls):
            if side == "aio":
                await f(name)
            else:
                f(name)

    asyncio.run(run())


def fleet_child(target: str, variant: str, ops: int) -> None:
    """Wait for `ops` new operations of three polls each, with 100 RPCs at most in flight."""
    import grpc.aio  # noqa: F401

    import genai_grpc.client  # noqa: F401

    names = [f"{variant}{ops}-{os.getpid()}/operations/{i}" for i in range(ops)]
    run = bench_fleet.run_ours_aio if variant == "ours" else bench_fleet.run_raw_aio
    if asyncio.run(run(target, names, 100)) != ops:
        raise SystemExit("fleet: not every operation finished")


def instructions(side: str, target: str, payload: str, variant: str, calls: int) -> int:
    """Instructions the main thread of a child process making `calls` gets executed.

    grpc's own background threads (timers, pollers) are left out: how often they wake
    depends on timing, so on a loaded machine they made whole-process counts vary by ~5%.
    The call itself, the library's code and grpc's work for it, run on the main thread.
    """
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            ["valgrind", "--tool=callgrind", "--separate-threads=yes", f"--callgrind-out-file={os.path.join(tmp, 'out')}",
             sys.executable, __file__, "--child", side, target, payload, variant, str(calls)],
            capture_output=True, text=True, timeout=1800, check=False,
            env={**os.environ, "PYTHONHASHSEED": "0"},  # the same dict and set layouts in every run
        )  # fmt: skip
        main = Path(tmp, "out-01")
        found = _TOTALS.search(main.read_text()) if main.exists() else None
    if out.returncode != 0 or found is None:
        raise SystemExit(f"callgrind run failed ({out.returncode}):\n{out.stderr[-2000:]}")
    return int(found.group(1))


def per_call(side: str, target: str, payload: str, variant: str, calls: int, repeat: int) -> float:
    """Instructions per call: the median over `repeat` pairs of runs (grpc's own threads make
    the count vary by a few percent from one process to the next)."""
    return statistics.median(
        (instructions(side, target, payload, variant, 2 * calls) - instructions(side, target, payload, variant, calls))
        / calls
        for _ in range(repeat)
    )


def fleet(ops: int, repeat: int) -> None:
    """Print the instructions per fleet poll of genai_grpc and of the raw grpc.aio loop."""
    proc, target = bench_fleet.start_server()
    try:
        cost = {v: per_call("fleet", target, "", v, ops, repeat) / 3 for v in ("ours", "raw")}
    finally:
        bench_fleet.stop_server(proc)
    print(f"fleet aio instructions per poll: ours {cost['ours'] / 1e3:7.1f}k ({cost['ours'] / cost['raw']:.3f}x raw), "
          f"raw {cost['raw'] / 1e3:7.1f}k", flush=True)  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--sides", default="sync,aio")
    parser.add_argument("--payloads", default=",".join(bench_look.PAYLOADS))
    parser.add_argument("--variants", default="ours,raw,apicore")
    parser.add_argument("--repeat", type=int, default=3, help="pairs of runs per variant (the median is kept)")
    parser.add_argument("--fleet", action="store_true", help="count fleet polls instead of gets")
    parser.add_argument("--python", action="store_true", help="gets against a fake channel: Python only")
    parser.add_argument("--ops", type=int, default=300, help="operations of the smaller fleet run")
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        side, target, payload, variant, calls = args.child
        if side == "fleet":
            fleet_child(target, variant, int(calls))
        elif target == "python":
            python_child(side, payload, variant, int(calls))
        else:
            child(side, target, payload, variant, int(calls))
        return 0
    if shutil.which("valgrind") is None:
        raise SystemExit("bench_instructions: valgrind is not on PATH")
    if args.fleet:
        fleet(args.ops, args.repeat)
        return 0
    if args.python:
        for side in args.sides.split(","):
            for payload in args.payloads.split(","):
                ours, raw = (per_call(side, "python", payload, v, args.calls, args.repeat) for v in ("ours", "raw"))
                print(f"{side:4s} {payload:8s} Python instructions per call, no gRPC: ours {ours / 1e3:6.1f}k, "
                      f"raw {raw / 1e3:6.1f}k, ours - raw {(ours - raw) / 1e3:5.1f}k", flush=True)  # fmt: skip
        return 0
    proc, target = bench_look.start_server()
    try:
        for side in args.sides.split(","):
            for payload in args.payloads.split(","):
                cost = {
                    v: per_call(side, target, payload, v, args.calls, args.repeat) for v in args.variants.split(",")
                }
                raw = cost.get("raw")
                parts = [
                    f"{v} {c / 1e3:7.1f}k" + (f" ({c / raw:.3f}x raw)" if raw and v != "raw" else "")
                    for v, c in cost.items()
                ]
                print(f"{side:4s} {payload:8s} instructions per call: " + ", ".join(parts), flush=True)
    finally:
        bench_look.stop_server(proc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
