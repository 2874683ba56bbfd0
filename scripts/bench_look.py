"""Benchmark: the cost of a look, get() against the raw stub on three payloads, every name new.

    python scripts/bench_look.py [--rounds 5] [--calls 200] [--blocks 8]

The server is the least a server can be: googleapis-common-protos' google.longrunning
servicer on grpc.aio, in a process of its own, answering GetOperation for any name from one
of three templates, chosen by the name's last segment:

  running  a running operation whose metadata is a small google.protobuf.Struct (state,
           progress, create and update times), as many Google backends send
  video    a done operation whose response is the Gemini API's PredictLongRunningResponse
           holding one video URI (google.ai.generativelanguage.v1beta; encoded here by
           field number, as published)
  failed   a done operation with a failed google.rpc.Status carrying two details
           (ErrorInfo, BadRequest)

Every call asks for a name never asked before (no cache of the client can hit). Per round and
side (sync, grpc.aio) one process alternates blocks of calls of each variant, the order
rotating: genai_grpc's get(); the raw generated stub (googleapis-common-protos) sending the
same routing and client headers as genai_grpc; the same raw stub on a second channel (two
identical variants: the noise floor); google-api-core's OperationsClient. Client CPU per
call, and per round the median over blocks of each variant's CPU over the raw stub's in the
same rotation. scripts/bench.py runs this as its `look` case.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import _servers  # noqa: E402  (beside this script)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PAYLOADS = ("running", "video", "failed")
VARIANTS = ("ours", "raw", "raw2", "apicore")
LABELS = {"ours": "genai_grpc", "raw": "raw stub + same headers", "raw2": "the raw stub again (noise floor)",
          "apicore": "google-api-core"}  # fmt: skip
VIDEO_TYPE = "type.googleapis.com/google.ai.generativelanguage.v1beta.PredictLongRunningResponse"


# -- the payloads ---------------------------------------------------------------------------------


def _field(number: int, payload: bytes) -> bytes:
    """One length-delimited protobuf field (wire type 2)."""
    tag, size, out = (number << 3) | 2, len(payload), bytearray()
    for value in (tag, size):
        while value >= 0x80:
            out.append(value & 0x7F | 0x80)
            value >>= 7
        out.append(value)
    return bytes(out) + payload


def video_response(uri: str) -> bytes:
    """PredictLongRunningResponse{generate_video_response=1{generated_samples=1[Media{video=1
    {uri=2}}]}}, by the field numbers of google/ai/generativelanguage/v1beta."""
    return _field(1, _field(1, _field(1, _field(2, uri.encode()))))


def template(payload: str) -> Any:
    """The operation (googleapis-common-protos' class) answered for `payload`, without a name."""
    from google.longrunning import operations_pb2
    from google.protobuf import struct_pb2
    from google.rpc import error_details_pb2

    op = operations_pb2.Operation()
    if payload == "running":
        meta = struct_pb2.Struct()
        meta.update({"state": "RUNNING", "progressPercent": 42, "createTime": "2026-12-03T07:00:00.123456Z",
                     "updateTime": "2026-12-03T07:00:21.654321Z"})  # fmt: skip
        op.metadata.Pack(meta)
    elif payload == "video":
        op.done = True
        op.response.type_url = VIDEO_TYPE
        op.response.value = video_response("https://example.invalid/v1beta/files/abc123:download?alt=media")
    else:
        op.done = True
        op.error.code, op.error.message = 3, "The prompt could not be submitted: it violates the usage guidelines."
        info = error_details_pb2.ErrorInfo(reason="PROMPT_BLOCKED", domain="generativelanguage.example",
                                           metadata={"model": "veo-3.0-generate-001"})  # fmt: skip
        bad = error_details_pb2.BadRequest(field_violations=[
            error_details_pb2.BadRequest.FieldViolation(field="instances[0].prompt", description="blocked")])  # fmt: skip
        op.error.details.add().Pack(info)
        op.error.details.add().Pack(bad)
    return op


def names(payload: str, tag: str, n: int) -> list[str]:
    return [f"models/veo-3.0-generate-001/operations/{payload}-{tag}-{i}" for i in range(n)]


# -- the server -----------------------------------------------------------------------------------


def serve() -> None:
    import grpc
    from google.longrunning import operations_pb2, operations_pb2_grpc

    templates = {p: template(p).SerializeToString() for p in PAYLOADS}

    class Servicer(operations_pb2_grpc.OperationsServicer):  # type: ignore[misc]
        async def GetOperation(self, request: Any, context: Any) -> Any:
            op = operations_pb2.Operation.FromString(templates[request.name.rpartition("/")[2].partition("-")[0]])
            op.name = request.name
            return op

    async def main() -> None:
        server = grpc.aio.server(options=[("grpc.so_reuseport", 0)])
        operations_pb2_grpc.add_OperationsServicer_to_server(Servicer(), server)
        port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        print(f"127.0.0.1:{port}", flush=True)
        stopping = asyncio.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            asyncio.get_running_loop().add_signal_handler(signum, stopping.set)
        await stopping.wait()
        await server.stop(0.5)

    asyncio.run(main())


# -- the client -----------------------------------------------------------------------------------


def callables(side: str, target: str) -> dict[str, Callable[[str], Any]]:
    """variant -> a function making one get of a name (a coroutine function on aio)."""
    import grpc
    import grpc.aio
    from google.api_core import operations_v1
    from google.longrunning import operations_pb2, operations_pb2_grpc

    from genai_grpc import Client, _rpc

    flavor: Any = grpc.aio if side == "aio" else grpc
    client = Client(endpoint=target)
    ours = client.aio.operations if side == "aio" else client.operations
    config = client._config
    stub = operations_pb2_grpc.OperationsStub(flavor.insecure_channel(target, options=config.options))
    api_client = operations_v1.OperationsAsyncClient if side == "aio" else operations_v1.OperationsClient
    apicore = api_client(flavor.insecure_channel(target, options=config.options))
    Request = operations_pb2.GetOperationRequest
    headers = config.metadata

    def raw_on(stub: Any) -> Callable[[str], Any]:
        def raw(name: str) -> Any:
            return stub.GetOperation(Request(name=name), metadata=(*headers, _rpc.routing_header(name)), timeout=60)

        return raw

    # "raw2" is the raw stub on a channel of its own: how far apart two identical variants land.
    again = operations_pb2_grpc.OperationsStub(flavor.insecure_channel(target, options=config.options))
    return {"ours": ours.get, "raw": raw_on(stub), "raw2": raw_on(again),
            "apicore": lambda name: apicore.get_operation(name, timeout=60)}  # fmt: skip


def measure(side: str, target: str, tag: str, calls: int, blocks: int) -> dict[str, dict[str, list[float]]]:
    """{payload: {variant: [client CPU us per call, per block]}}: blocks of `calls` calls per
    variant, alternating (the order rotates each block), after a warm-up block of each;
    every name new."""
    order = list(VARIANTS)
    cpu: dict[str, dict[str, list[float]]] = {p: {v: [] for v in order} for p in PAYLOADS}
    todo = {(p, v): iter(names(p, f"{tag}{v}", calls * (blocks + 1))) for p in PAYLOADS for v in order}

    async def run(funcs: dict[str, Callable[[str], Any]]) -> None:
        for payload in PAYLOADS:
            for b in range(blocks + 1):
                for variant in order[b % len(order) :] + order[: b % len(order)]:
                    f, batch = funcs[variant], [next(todo[payload, variant]) for _ in range(calls)]
                    started = time.process_time()
                    if side == "aio":
                        for name in batch:
                            await f(name)
                    else:
                        for name in batch:
                            f(name)
                    if b:  # block 0 is the warm-up
                        cpu[payload][variant].append((time.process_time() - started) / calls * 1e6)

    async def main() -> None:
        await run(callables(side, target))  # grpc.aio channels belong to this loop

    if side == "aio":
        asyncio.run(main())
    else:
        asyncio.run(run(callables(side, target)))
    return cpu


# -- the driver -----------------------------------------------------------------------------------


def start_server() -> tuple[subprocess.Popen[str], str]:
    return _servers.spawn([sys.executable, __file__, "--serve"], "look bench server")


stop_server = _servers.stop


def run_client(side: str, target: str, tag: str, calls: int, blocks: int) -> dict[str, dict[str, list[float]]]:
    out = subprocess.run(
        [sys.executable, __file__, "--client", side, target, tag, "--calls", str(calls), "--blocks", str(blocks)],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    if out.returncode != 0:
        raise SystemExit(f"look client {side} failed ({out.returncode}):\n{out.stderr[-2000:]}")
    result: dict[str, dict[str, list[float]]] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


Series = dict[str, list[float]]


def compare(rounds: int, calls: int, blocks: int) -> tuple[Series, Series]:
    """A fresh process per round and side. Returns, keyed "payload-variant-side", per round:
    client CPU us/call, and the median over blocks of the variant's CPU over the raw
    stub's in the same rotation (paired, so a burst of load elsewhere hits both)."""
    server, target = start_server()
    cpu: Series = {}
    ratio: Series = {}
    try:
        for r in range(rounds):
            for side in ("sync", "aio"):
                row = run_client(side, target, f"r{r}{side}", calls, blocks)
                for payload, values in row.items():
                    for variant, per_block in values.items():
                        key = f"{payload}-{variant}-{side}"
                        cpu.setdefault(key, []).append(statistics.mean(per_block))
                        paired = [a / b for a, b in zip(per_block, values["raw"], strict=True)]
                        ratio.setdefault(key, []).append(statistics.median(paired))
                print(f"  round {r + 1} {side}: " + "; ".join(
                    f"{p} " + " ".join(f"{v} {ratio[f'{p}-{v}-{side}'][-1]:.3f}x" for v in VARIANTS if v != "raw")
                    for p in PAYLOADS
                ) + " (CPU/call vs the raw stub)", flush=True)  # fmt: skip
    finally:
        stop_server(server)
    return cpu, ratio


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--blocks", type=int, default=8)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--client", nargs=3, metavar=("SIDE", "TARGET", "TAG"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve()
        return 0
    if args.client:
        print(json.dumps(measure(*args.client, args.calls, args.blocks)))
        return 0
    cpu, ratio = compare(args.rounds, args.calls, args.blocks)
    for side in ("sync", "aio"):
        for payload in PAYLOADS:
            raw = cpu[f"{payload}-raw-{side}"]
            parts = []
            for variant in ("ours", "raw2", "apicore"):
                r = ratio[f"{payload}-{variant}-{side}"]
                parts.append(f"{LABELS[variant]} {statistics.median(r):.3f}x ({min(r):.3f}-{max(r):.3f})")
            print(f"{side:4s} {payload:8s} raw {statistics.median(raw):6.1f} us/call; " + ", ".join(parts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
