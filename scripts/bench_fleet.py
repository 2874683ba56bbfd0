"""Benchmark: 10,000 operations that each need three polls, driven to completion over one channel.

    python scripts/bench_fleet.py [--ops 10000] [--rounds 3] [--concurrency 100]

A bench server (a separate process on 127.0.0.1) answers GetOperation with done=True on the
third Get of each name. Each client run is its own process, so CPU (time.process_time) and
peak RSS (getrusage) are the client's alone. Per round, in turn:

  A  genai_grpc aio:  client.aio.operations.as_completed(names, poll=~0) on one grpc.aio channel
  B  raw grpc.aio:    `concurrency` tasks each polling a raw OperationsStub in a loop
  C  genai_grpc sync: client.operations.as_completed(...) (grpc futures, no thread per op)

Both sides send the same routing header and use the same channel options. Everything stays
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

    counts: dict[str, int] = {}
    total = [0]

    class Servicer(operations_pb2_grpc.OperationsServicer):
        async def GetOperation(self, request: Any, context: Any) -> Any:
            name = request.name
            if name == STATS:
                return operations_pb2.Operation(name=str(total[0]))
            total[0] += 1
            n = counts[name] = counts.get(name, 0) + 1
            return operations_pb2.Operation(name=name, done=n >= 3)

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

    from genai_grpc import _rpc
    from genai_grpc._config import CHANNEL_OPTIONS
    from genai_grpc._generated.google.longrunning import operations_pb2, operations_pb2_grpc

    channel = grpc.aio.insecure_channel(target, options=CHANNEL_OPTIONS)
    stub = operations_pb2_grpc.OperationsStub(channel)
    todo = list(reversed(names))
    done = 0

    async def worker() -> None:
        nonlocal done
        while todo:
            name = todo.pop()
            request = operations_pb2.GetOperationRequest(name=name)
            metadata = (_rpc.routing_header(name),)
            while not (await stub.GetOperation(request, metadata=metadata, timeout=60)).done:
                pass
            done += 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    await channel.close()
    return done


def client(mode: str, target: str, prefix: str, n: int, concurrency: int) -> None:
    import genai_grpc.client  # noqa: F401  imports are not part of the measurement
    import grpc.aio  # noqa: F401

    names = [f"{prefix}/operations/{i}" for i in range(n)]
    before = polls_so_far(target)
    cpu, wall = time.process_time(), time.perf_counter()
    if mode == "ours-aio":
        done = asyncio.run(run_ours_aio(target, names, concurrency))
    elif mode == "raw-aio":
        done = asyncio.run(run_raw_aio(target, names, concurrency))
    else:
        done = run_ours_sync(target, names, concurrency)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    polls = polls_so_far(target) - before
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"mode": mode, "done": done, "polls": polls, "cpu": cpu, "wall": wall, "rss_mb": rss_mb}))


# -- the driver -----------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=10_000)
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

    port_file = Path(f"/tmp/bench_fleet_port_{os.getpid()}")
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(port_file)])
    try:
        for _ in range(200):
            if port_file.exists() and port_file.read_text():
                break
            time.sleep(0.05)
        target = f"127.0.0.1:{port_file.read_text()}"
        results: dict[str, list[dict[str, Any]]] = {"ours-aio": [], "raw-aio": [], "ours-sync": []}
        for r in range(args.rounds):
            for mode in results:
                out = subprocess.run(
                    [sys.executable, __file__, "--client", mode, target, f"r{r}-{mode}",
                     "--ops", str(args.ops), "--concurrency", str(args.concurrency)],
                    capture_output=True, text=True, timeout=600, check=True,
                )
                row = json.loads(out.stdout.strip().splitlines()[-1])
                results[mode].append(row)
                print(f"round {r + 1} {mode:9s} done={row['done']} polls={row['polls']} "
                      f"cpu/poll={row['cpu'] / row['polls'] * 1e6:6.1f} us  wall={row['wall']:.2f} s  "
                      f"peak rss={row['rss_mb']:.0f} MB", flush=True)
        report(results)
    finally:
        server.kill()
        server.wait()
        port_file.unlink(missing_ok=True)
    return 0


def report(results: dict[str, list[dict[str, Any]]]) -> None:
    per_poll = {m: median(r["cpu"] / r["polls"] * 1e6 for r in rows) for m, rows in results.items()}
    wall = {m: median(r["wall"] for r in rows) for m, rows in results.items()}
    rss = {m: max(r["rss_mb"] for r in rows) for m, rows in results.items()}
    print(f"\nmedian client CPU per poll: ours aio {per_poll['ours-aio']:.1f} us, raw aio "
          f"{per_poll['raw-aio']:.1f} us -> {per_poll['ours-aio'] / per_poll['raw-aio']:.2f}x (target <= 1.2x)")
    print(f"ours sync {per_poll['ours-sync']:.1f} us/poll -> {per_poll['ours-sync'] / per_poll['ours-aio']:.2f}x aio "
          f"CPU, wall {wall['ours-sync']:.2f} s vs {wall['ours-aio']:.2f} s aio -> "
          f"{wall['ours-sync'] / wall['ours-aio']:.2f}x (target <= 2x)")
    print(f"peak client RSS: ours aio {rss['ours-aio']:.0f} MB, raw aio {rss['raw-aio']:.0f} MB, "
          f"ours sync {rss['ours-sync']:.0f} MB (target < 150 MB)")


if __name__ == "__main__":
    sys.exit(main())
