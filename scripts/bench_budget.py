"""Benchmark: does a client's request budget hold, measured where it matters, at the server?

    python scripts/bench_budget.py [--ops 10000] [--rps 200] [--burst-ops 4000] [--side aio|sync] [--burst 1]
                                   [--concurrency 100]

The bundled local server runs in this process (a thread) and records the arrival time of
every call; the client runs in a subprocess (`Client(max_rps=RPS)`, one fleet with
`as_completed(..., return_errors=True)`, 100 calls in flight at most, polls every 0.5 s
otherwise), so the budget and nothing else holds it back.

  steady  OPS operations, half done at once and half 5 s after they were stored, so some
          are polled twice: the largest and smallest number of calls that arrived in any
          1 s window (sliding, over the whole run) vs RPS; target within 5%.
  bursts  BURST_OPS operations while the server refuses calls with RESOURCE_EXHAUSTED:
          at 5 s half of all calls for 1 s; at 12 s every call for 1 s, with a RetryInfo of
          0.5 s. Prints calls per second over time (arrived / refused), and checks that
          every operation still finished.

Everything stays on 127.0.0.1 and every run is bounded by a timeout.
"""

from __future__ import annotations

import argparse
import bisect
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PREFIX = "fileSearchStores/bench/operations"


def client(target: str, first: int, n: int, rps: float, side: str, burst: float, concurrency: int) -> None:
    """The client process: one fleet over the names, under the budget; prints a JSON summary."""
    import asyncio

    import grpc

    from genai_grpc import Client, types

    sends: list[float] = []

    class Sends(grpc.aio.UnaryUnaryClientInterceptor):  # type: ignore[misc]
        async def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
            sends.append(time.monotonic())
            return await continuation(details, request)

    class SyncSends(grpc.UnaryUnaryClientInterceptor):  # type: ignore[misc]
        def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
            sends.append(time.monotonic())
            return continuation(details, request)

    names = [f"{PREFIX}/{i:06d}" for i in range(first, first + n)]
    poll = types.PollPolicy(initial=0.5, multiplier=1.0, maximum=0.5, long_poll=0)
    cpu, wall = time.process_time(), time.perf_counter()
    budget = types.RequestBudget(max_rps=rps, burst=burst)
    with Client(endpoint=target, poll=poll, budget=budget, interceptors=[SyncSends()],
                aio_interceptors=[Sends()]) as c:  # fmt: skip
        if side == "sync":
            outcomes = list(c.operations.as_completed(names, timeout=600, concurrency=concurrency, return_errors=True))
        else:

            async def main() -> list[Any]:
                async with c.aio:
                    return [
                        o
                        async for o in c.aio.operations.as_completed(
                            names, timeout=600, concurrency=concurrency, return_errors=True
                        )
                    ]

            outcomes = asyncio.run(main())
        budget = c._transport.budget
        refusals = budget.refusals if budget is not None else 0
    print(json.dumps({
        "done": sum(1 for o in outcomes if o.succeeded), "errors": sum(1 for o in outcomes if o.error),
        "cpu": time.process_time() - cpu, "wall": time.perf_counter() - wall, "refusals": refusals,
        "sends": sends,
    }))  # fmt: skip


def store(server: Any, first: int, n: int) -> None:
    from genai_grpc._generated.genai_grpc.v1 import service_pb2
    from genai_grpc.server._build import IMPORT
    from genai_grpc.server._store import NewOperation

    request = service_pb2.ImportFileRequest(
        file_search_store_name="fileSearchStores/bench", source={"gcs_uri": "gs://b/x"}
    ).SerializeToString()
    now = time.time_ns()
    server.store.insert([
        NewOperation(f"{PREFIX}/{i:06d}", IMPORT, request, i, now, 0 if i % 2 else 5 * 10**9)
        for i in range(first, first + n)
    ])  # fmt: skip


def run_client(server: Any, first: int, n: int, args: argparse.Namespace) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--client", server.address, str(first), str(n), str(args.rps), args.side,
         str(args.burst), str(args.concurrency)],
        capture_output=True, text=True, timeout=900, check=True,
    )  # fmt: skip
    row: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return row


def windows(times: list[float]) -> tuple[int, int]:
    """(most, fewest) arrivals in any 1 s window lying within the run."""
    times = sorted(times)
    last = times[-1]
    most = max(bisect.bisect_left(times, t + 1.0) - i for i, t in enumerate(times))
    fewest = min(bisect.bisect_right(times, t + 1.0) - (i + 1) for i, t in enumerate(times) if t + 1.0 <= last)
    return most, fewest


def spread(times: list[float], rps: float) -> str:
    """Percentiles of the counts in 1 s windows starting every 10 ms, and the share within 5%."""
    times = sorted(times)
    starts = [times[0] + k * 0.01 for k in range(int((times[-1] - times[0] - 1.0) / 0.01) + 1)]
    counts = sorted(bisect.bisect_left(times, t + 1.0) - bisect.bisect_left(times, t) for t in starts)
    within = sum(1 for c in counts if abs(c - rps) <= 0.05 * rps) / len(counts)
    pick = {p: counts[min(len(counts) - 1, int(p / 100 * len(counts)))] for p in (1, 50, 99)}
    return f"p1 {pick[1]}, median {pick[50]}, p99 {pick[99]}; {within:.1%} of windows within 5%"


def steady(server: Any, args: argparse.Namespace) -> None:
    ops, rps = args.ops, args.rps
    store(server, 0, ops)
    arrivals = server.record_arrivals()
    row = run_client(server, 0, ops, args)
    times = [t for t, _ in arrivals]
    most, fewest = windows(times)
    span = max(times) - min(times)
    print(
        f"steady ({args.side}, burst {args.burst:g}, concurrency {args.concurrency}): {ops} operations, {len(times)} calls in {span:.1f} s "
        f"({len(times) / span:.1f}/s); done {row['done']}, errors {row['errors']}"
    )
    print(
        f"  any 1 s window: max {most} ({(most / rps - 1) * 100:+.1f}%), "
        f"min {fewest} ({(fewest / rps - 1) * 100:+.1f}%) vs {rps:g} (target within 5%)"
    )
    print(f"  1 s windows every 10 ms: {spread(times, rps)}")
    sent_most, sent_fewest = windows(row["sends"])
    print(
        f"  the client's own send times (an interceptor): max {sent_most}, min {sent_fewest}; "
        f"{spread(row['sends'], rps)}"
    )
    print(f"  machine load at the end: {os.getloadavg()[0]:.2f} (1 min)")
    print(f"  client CPU {row['cpu']:.2f} s = {row['cpu'] / len(times) * 1e6:.0f} us per call")


def bursts(server: Any, args: argparse.Namespace) -> None:
    from genai_grpc.server import Faults

    first, ops = args.ops, args.burst_ops
    store(server, first, ops)
    arrivals = server.record_arrivals()
    refused: list[float] = []

    class Counting(Faults):
        def injected_failure(self, draw: float) -> str | None:
            code = super().injected_failure(draw)
            if code is not None:
                refused.append(time.monotonic())
            return code

    faults = Counting(fail_code="RESOURCE_EXHAUSTED")
    server.faults = faults

    def inject() -> None:
        while not arrivals:
            time.sleep(0.01)
        start = arrivals[0][0]
        for at, change in ((5.0, {"fail_rate": 0.5}), (6.0, {"fail_rate": 0.0}),
                           (12.0, {"retry_delay_s": 0.5, "fail_rate": 1.0}), (13.0, {"fail_rate": 0.0})):  # fmt: skip
            time.sleep(max(0.0, start + at - time.monotonic()))
            for key, value in change.items():
                setattr(faults, key, value)

    thread = threading.Thread(target=inject, daemon=True)
    thread.start()
    row = run_client(server, first, ops, args)
    server.faults = Faults()
    start = arrivals[0][0]
    seconds = int(max(t for t, _ in arrivals) - start) + 1
    per_s = [0] * seconds
    no = [0] * seconds
    for t, _ in arrivals:
        per_s[int(t - start)] += 1
    for t in refused:
        no[min(int(t - start), seconds - 1)] += 1
    print(
        f"bursts ({args.side}): {ops} operations, done {row['done']}, errors {row['errors']}, "
        f"refusals seen by the client {row['refusals']}"
    )
    print("  second:   " + " ".join(f"{s:>4}" for s in range(seconds)))
    print("  arrived:  " + " ".join(f"{n:>4}" for n in per_s))
    print("  refused:  " + " ".join(f"{n:>4}" for n in no))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=10_000)
    parser.add_argument("--burst-ops", type=int, default=4_000)
    parser.add_argument("--rps", type=float, default=200.0)
    parser.add_argument("--side", choices=("aio", "sync"), default="aio")
    parser.add_argument("--burst", type=float, default=1.0, help="RequestBudget.burst (default 1)")
    parser.add_argument("--concurrency", type=int, default=100, help="calls in flight at most (default 100)")
    parser.add_argument("--client", nargs=7, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        target, first, n, rps, side, burst, concurrency = args.client
        client(target, int(first), int(n), float(rps), side, float(burst), int(concurrency))
        return 0
    from genai_grpc.server import LocalServer

    with LocalServer(duration_s=0.0) as server:
        if args.ops:
            steady(server, args)
        if args.burst_ops:
            bursts(server, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
