"""Benchmark: 10,000 operations that each need three polls, driven to completion over one channel.

    python scripts/bench_fleet.py [--ops 10000] [--rounds 3] [--concurrency 100]

A bench server (a separate process on 127.0.0.1) answers GetOperation with done=True and an
Empty response on the third Get of each name. Each client run is its own process, so CPU
(time.process_time) and peak RSS (getrusage) are the client's alone. Per round, in turn:

  A  genai_grpc aio:  client.aio.operations.as_completed(names, poll=~0) on one grpc.aio channel
  B  raw grpc.aio:    `concurrency` tasks each polling a raw OperationsStub in a loop
  C  genai_grpc sync: client.operations.as_completed(...) (grpc futures, no thread per op)
  D  google-api-core: AsyncOperation.result() of every operation under asyncio.gather, at most
     `concurrency` at once (1 ms poll delay; --apicore-ops of them)

scripts/bench.py runs this as its `fleet` case.

Both sides send the same headers (routing, x-goog-api-client) and use the same channel options. Everything stays
on 127.0.0.1 and every run is bounded by a timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from statistics import median
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
STATS = "stats/polls"


# -- the bench server ---------------------------------------------------------------------------


def serve(port_file: str) -> None:
    import grpc

    from genai_grpc._generated.google.longrunning import operations_pb2, operations_pb2_grpc

    empty = "type.googleapis.com/google.protobuf.Empty"  # a result google-api-core accepts
    counts: dict[str, int] = {}
    total = [0]

    class Servicer(operations_pb2_grpc.OperationsServicer):
        async def GetOperation(self, request: Any, context: Any) -> Any:
            name = request.name
            if name == STATS:
                return operations_pb2.Operation(name=str(total[0]))
            total[0] += 1
            n = counts[name] = counts.get(name, 0) + 1
            if n < 3:
                return operations_pb2.Operation(name=name)
            op = operations_pb2.Operation(name=name, done=True)
            op.response.type_url = empty
            return op

    async def main() -> None:
        server = grpc.aio.server(options=[("grpc.max_concurrent_streams", 1000)])
        operations_pb2_grpc.add_OperationsServicer_to_server(Servicer(), server)
        port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        Path(port_file).write_text(str(port))
        await server.wait_for_termination()

    asyncio.run(main())


# -- the clients ----------------------------------------------------------------------------------


def polls_so_far(target: str) -> int:
    import grpc

    from genai_grpc._generated.google.longrunning import operations_pb2, operations_pb2_grpc

    with grpc.insecure_channel(target) as channel:
        stub = operations_pb2_grpc.OperationsStub(channel)
        return int(stub.GetOperation(operations_pb2.GetOperationRequest(name=STATS), timeout=10).name)


async def run_ours_aio(target: str, names: list[str], concurrency: int) -> int:
    from genai_grpc import Client, types

    poll = types.PollPolicy(initial=0.0, multiplier=1.0, maximum=0.0, long_poll=0)
    client = Client(endpoint=target, poll=poll)
    done = 0
    async for _ in client.aio.operations.as_completed(names, timeout=300, concurrency=concurrency):
        done += 1
    await client.aio.aclose()
    client.close()
    return done


def run_ours_sync(target: str, names: list[str], concurrency: int) -> int:
    from genai_grpc import Client, types

    poll = types.PollPolicy(initial=0.0, multiplier=1.0, maximum=0.0, long_poll=0)
    with Client(endpoint=target, poll=poll) as client:
        return sum(1 for _ in client.operations.as_completed(names, timeout=300, concurrency=concurrency))


async def run_raw_aio(target: str, names: list[str], concurrency: int) -> int:
    import grpc

    from genai_grpc import Client, _rpc
    from genai_grpc._config import CHANNEL_OPTIONS
    from genai_grpc._generated.google.longrunning import operations_pb2, operations_pb2_grpc

    headers = Client(endpoint=target)._config.metadata  # the x-goog-api-client header genai_grpc sends
    channel = grpc.aio.insecure_channel(target, options=CHANNEL_OPTIONS)
    stub = operations_pb2_grpc.OperationsStub(channel)
    todo = list(reversed(names))
    done = 0

    async def worker() -> None:
        nonlocal done
        while todo:
            name = todo.pop()
            request = operations_pb2.GetOperationRequest(name=name)
            metadata = (*headers, _rpc.routing_header(name))
            while not (await stub.GetOperation(request, metadata=metadata, timeout=60)).done:
                pass
            done += 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    await channel.close()
    return done


async def run_apicore_aio(target: str, names: list[str], concurrency: int) -> int:
    import grpc
    from google.api_core import operation_async, operations_v1, retry_async
    from google.api_core.future import async_future
    from google.longrunning import operations_pb2
    from google.protobuf import empty_pb2

    from genai_grpc._config import CHANNEL_OPTIONS

    channel = grpc.aio.insecure_channel(target, options=CHANNEL_OPTIONS)
    client = operations_v1.OperationsAsyncClient(channel)
    retry = retry_async.AsyncRetry(predicate=async_future.RETRY_PREDICATE, initial=0.001, maximum=0.001, multiplier=1.0)
    futures = [
        operation_async.from_gapic(operations_pb2.Operation(name=name), client, empty_pb2.Empty, retry=retry)
        for name in names
    ]
    # At most `concurrency` waits at once, as for the others: thousands of streams at once
    # overrun the server's stream limit, and api-core's async polling does not retry the
    # UNAVAILABLE (REFUSED_STREAM) that follows.
    limit = asyncio.Semaphore(concurrency)

    async def result(future: Any) -> Any:
        async with limit:
            return await future.result()

    results = await asyncio.gather(*(result(future) for future in futures))
    await channel.close()
    return len(results)


def client(mode: str, target: str, prefix: str, n: int, concurrency: int) -> None:
    import grpc.aio  # noqa: F401

    import genai_grpc.client  # noqa: F401  imports are not part of the measurement

    if mode == "apicore-aio":
        import google.api_core.operation_async  # noqa: F401
        import google.api_core.operations_v1  # noqa: F401

    names = [f"{prefix}/operations/{i}" for i in range(n)]
    before = polls_so_far(target)
    cpu, wall = time.process_time(), time.perf_counter()
    if mode == "ours-aio":
        done = asyncio.run(run_ours_aio(target, names, concurrency))
    elif mode == "raw-aio":
        done = asyncio.run(run_raw_aio(target, names, concurrency))
    elif mode == "apicore-aio":
        done = asyncio.run(run_apicore_aio(target, names, concurrency))
    else:
        done = run_ours_sync(target, names, concurrency)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    polls = polls_so_far(target) - before
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"mode": mode, "done": done, "polls": polls, "cpu": cpu, "wall": wall, "rss_mb": rss_mb}))


# -- the driver -----------------------------------------------------------------------------------


def start_server() -> tuple[subprocess.Popen[bytes], str]:
    """Start the bench server in its own process; returns it and its address."""
    port_file = Path(f"/tmp/bench_fleet_port_{os.getpid()}")
    port_file.unlink(missing_ok=True)
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(port_file)])
    try:
        for _ in range(200):
            if port_file.exists() and port_file.read_text():
                return server, f"127.0.0.1:{port_file.read_text()}"
            time.sleep(0.05)
        raise SystemExit("the fleet bench server did not start")
    except BaseException:
        stop_server(server)
        raise
    finally:
        port_file.unlink(missing_ok=True)


def stop_server(server: subprocess.Popen[bytes]) -> None:
    server.kill()
    server.wait()


def run_client(mode: str, target: str, prefix: str, ops: int, concurrency: int) -> dict[str, Any]:
    """One client run in a process of its own: done, polls, cpu, wall, rss_mb."""
    out = subprocess.run(
        [sys.executable, __file__, "--client", mode, target, prefix,
         "--ops", str(ops), "--concurrency", str(concurrency)],
        capture_output=True, text=True, timeout=600, check=True,
    )  # fmt: skip
    row: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=10_000)
    parser.add_argument("--apicore-ops", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--serve", metavar="PORT_FILE", help=argparse.SUPPRESS)
    parser.add_argument("--client", nargs=3, metavar=("MODE", "TARGET", "PREFIX"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return 0
    if args.client:
        client(*args.client, args.ops, args.concurrency)
        return 0

    server, target = start_server()
    try:
        sizes = {"ours-aio": args.ops, "raw-aio": args.ops, "ours-sync": args.ops, "apicore-aio": args.apicore_ops}
        results: dict[str, list[dict[str, Any]]] = {mode: [] for mode in sizes}
        for r in range(args.rounds):
            for mode, ops in sizes.items():
                row = run_client(mode, target, f"r{r}-{mode}", ops, args.concurrency)
                results[mode].append(row)
                print(
                    f"round {r + 1} {mode:11s} done={row['done']} polls={row['polls']} "
                    f"cpu/poll={row['cpu'] / row['polls'] * 1e6:6.1f} us  wall={row['wall']:.2f} s  "
                    f"peak rss={row['rss_mb']:.0f} MB",
                    flush=True,
                )
        report(results)
    finally:
        stop_server(server)
    return 0


def report(results: dict[str, list[dict[str, Any]]]) -> None:
    per_poll = {m: median(r["cpu"] / r["polls"] * 1e6 for r in rows) for m, rows in results.items()}
    wall = {m: median(r["wall"] for r in rows) for m, rows in results.items()}
    rss = {m: max(r["rss_mb"] for r in rows) for m, rows in results.items()}
    print(
        f"\nmedian client CPU per poll: ours aio {per_poll['ours-aio']:.1f} us, raw aio "
        f"{per_poll['raw-aio']:.1f} us -> {per_poll['ours-aio'] / per_poll['raw-aio']:.2f}x (target <= 1.10x, issue 13)"
    )
    print(
        f"ours sync {per_poll['ours-sync']:.1f} us/poll -> {per_poll['ours-sync'] / per_poll['ours-aio']:.2f}x aio "
        f"CPU, wall {wall['ours-sync']:.2f} s vs {wall['ours-aio']:.2f} s aio -> "
        f"{wall['ours-sync'] / wall['ours-aio']:.2f}x (target <= 2x)"
    )
    print(
        f"google-api-core aio {per_poll['apicore-aio']:.1f} us/poll -> "
        f"{per_poll['apicore-aio'] / per_poll['raw-aio']:.2f}x raw aio"
    )
    print(
        f"peak client RSS: ours aio {rss['ours-aio']:.0f} MB, raw aio {rss['raw-aio']:.0f} MB, "
        f"ours sync {rss['ours-sync']:.0f} MB (target < 150 MB)"
    )


if __name__ == "__main__":
    sys.exit(main())
