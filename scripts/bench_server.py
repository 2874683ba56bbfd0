"""GetOperation calls/s: genai_grpc's local server against a minimal baseline server.

    python scripts/bench_server.py [--seconds 3] [--rounds 3] [--concurrency 64] [--running]

Both servers run in their own process on 127.0.0.1 and hold the same operations (the
baseline is loaded with the local server's answers). The baseline is the least a server can
do: a grpc.aio servicer from googleapis-common-protos' google.longrunning stubs returning
prebuilt Operation messages from a dict. One grpc.aio client in this process drives them
alternately (A B A B ...) with a bounded number of concurrent callers; the script prints
each round, the medians and the ratio local/baseline. `--running` makes the operations
unfinished, so the local server rebuilds each answer (progress changes) instead of serving
its cache of finished ones. scripts/bench.py runs both kinds as its `server` case.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import grpc
from google.longrunning import operations_pb2, operations_pb2_grpc

CLI = "import sys; from genai_grpc.cli import main; sys.exit(main(sys.argv[1:]))"


class Baseline(operations_pb2_grpc.OperationsServicer):  # type: ignore[misc]
    def __init__(self, operations: list[operations_pb2.Operation]) -> None:
        self.operations = {op.name: op for op in operations}

    async def GetOperation(self, request, context):  # type: ignore[no-untyped-def]
        op = self.operations.get(request.name)
        if op is None:
            await context.abort(grpc.StatusCode.NOT_FOUND, request.name)
        return op


async def serve_baseline(path: str) -> None:
    listed = operations_pb2.ListOperationsResponse.FromString(Path(path).read_bytes())
    server = grpc.aio.server(options=[("grpc.so_reuseport", 0)])
    operations_pb2_grpc.add_OperationsServicer_to_server(Baseline(list(listed.operations)), server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    print(f"127.0.0.1:{port}", flush=True)
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set)
    await stop.wait()
    await server.stop(0.5)


def spawn(*args: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, *args], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def seed_local(address: str, count: int, running: bool) -> list[str]:
    from genai_grpc import _video_request
    from genai_grpc._generated.google.ai.generativelanguage.v1beta import prediction_service_pb2_grpc

    prompt = "a cat [duration:3600]" if running else "a cat"
    with grpc.insecure_channel(address) as channel:
        stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
        request = _video_request.generate_videos("veo-bench", prompt, None, None, None, vertex=False).request
        return [stub.PredictLongRunning(request).name for _ in range(count)]


def snapshot(address: str, names: list[str]) -> bytes:
    with grpc.insecure_channel(address) as channel:
        stub = operations_pb2_grpc.OperationsStub(channel)
        ops = [stub.GetOperation(operations_pb2.GetOperationRequest(name=n)) for n in names]
    return operations_pb2.ListOperationsResponse(operations=ops).SerializeToString()


async def drive(address: str, names: list[str], seconds: float, concurrency: int) -> float:
    requests = [operations_pb2.GetOperationRequest(name=n) for n in names]
    async with grpc.aio.insecure_channel(address) as channel:
        stub = operations_pb2_grpc.OperationsStub(channel)
        await stub.GetOperation(requests[0])  # connect before the clock starts
        done = 0
        end = time.perf_counter() + seconds

        async def caller(offset: int) -> None:
            nonlocal done
            i = offset
            while time.perf_counter() < end:
                await stub.GetOperation(requests[i % len(requests)])
                done += 1
                i += 1

        started = time.perf_counter()
        await asyncio.gather(*(caller(i) for i in range(concurrency)))
        return done / (time.perf_counter() - started)


def cpu_seconds(pid: int) -> float:
    """User + system CPU a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


Series = dict[str, list[float]]


def compare(
    targets: dict[str, tuple[str, int]], names: list[str], seconds: float, rounds: int, concurrency: int
) -> tuple[Series, Series]:
    """Drive the targets alternately; print each round; calls/s and server CPU us/call per target."""
    rates: Series = {label: [] for label in targets}
    costs: Series = {label: [] for label in targets}
    for round_ in range(1, rounds + 1):
        for label, (address, pid) in targets.items():
            cpu = cpu_seconds(pid)
            rate = asyncio.run(drive(address, names, seconds, concurrency))
            # Server CPU per call is steadier than calls/s when other work shares the cores.
            cost = (cpu_seconds(pid) - cpu) / (rate * seconds) * 1e6
            rates[label].append(rate)
            costs[label].append(cost)
            print(f"round {round_} {label:8} {rate:7.0f} calls/s {cost:6.1f} us server CPU/call", flush=True)
    return rates, costs


def measure(
    seconds: float = 3.0, rounds: int = 3, concurrency: int = 64, operations: int = 64, running: bool = False
) -> tuple[Series, Series]:
    """Start both servers, compare them, stop them: ({"local", "baseline"} -> calls/s, -> us CPU/call)."""
    local, local_address = spawn("-c", CLI, "serve", "--port", "0", "--duration", "0")
    procs = [local]
    try:
        names = seed_local(local_address, operations, running)
        with tempfile.NamedTemporaryFile(suffix=".pb", delete=False) as file:
            file.write(snapshot(local_address, names))
        try:
            baseline, baseline_address = spawn(__file__, "--serve-baseline", file.name)
            procs.append(baseline)
        finally:
            os.unlink(file.name)
        targets = {"local": (local_address, local.pid), "baseline": (baseline_address, baseline.pid)}
        return compare(targets, names, seconds, rounds, concurrency)
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
            proc.wait(10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--operations", type=int, default=64)
    parser.add_argument("--running", action="store_true")
    parser.add_argument("--serve-baseline", metavar="FILE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_baseline:
        asyncio.run(serve_baseline(args.serve_baseline))
        return 0
    rates, costs = measure(args.seconds, args.rounds, args.concurrency, args.operations, args.running)
    rate = {label: statistics.median(values) for label, values in rates.items()}
    cost = {label: statistics.median(values) for label, values in costs.items()}
    kind = "running" if args.running else "finished"
    print(
        f"median local {rate['local']:.0f} calls/s, baseline {rate['baseline']:.0f} calls/s, "
        f"ratio {rate['local'] / rate['baseline']:.3f}; server CPU/call local "
        f"{cost['local']:.1f} us, baseline {cost['baseline']:.1f} us "
        f"({kind} operations, {args.concurrency} callers, {os.cpu_count()} cores)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
