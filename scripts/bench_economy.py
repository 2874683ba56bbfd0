"""Benchmark: RPCs per finished operation, and how late the caller sees it finish.

    python scripts/bench_economy.py [--ops 1000] [--scale 4] [--rounds 1] [--simulate]

1,000 video operations on the bundled server (its Service, in a process of its own, counting
every GetOperation and WaitOperation it answers) with durations drawn uniformly from 2-20 s,
waited for by:

  get      genai_grpc `as_completed` (what `wait_all` runs) with the default policies; more
           operations than its concurrency (100), so it polls GetOperation
  wait     the same with concurrency >= the fleet: one WaitOperation long poll at a time each
  apicore  google-api-core's `operation.from_gapic(...).result()` with its default polling,
           one thread per operation
  seed     the spec's loop: `sleep(10); op = client.aio.operations.get(op)` until done, one
           asyncio task per operation

For each: RPCs per operation (counted by the server) and the lag between an operation's
finishing on the server (its create time + duration) and the caller seeing it done (median,
p95). Every time in the case (durations, every policy's delays and limits) is divided by
`--scale` (default 4: durations 0.5-5 s) to keep the run short; lags are reported
multiplied back, in the seconds of the unscaled case. RPC round trips on loopback do not
scale (~1 ms), which the lags include.

`--simulate` runs the same comparison offline, in virtual time, with genai_grpc's own
schedule (`_waiting.wait_for` driven by a fake clock) for a sweep of PollPolicy values:
how the defaults were chosen (BENCHMARKS.md, "RPCs per finished operation").
scripts/bench.py runs the live case as `economy`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import _servers  # noqa: E402  (beside this script)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
STATS = "bench/rpcs"
MODES = ("get", "wait", "apicore", "seed")
LABELS = {
    "get": "genai_grpc wait_all (GetOperation polling)",
    "wait": "genai_grpc wait_all (WaitOperation)",
    "apicore": "google-api-core result()",
    "seed": "the spec's loop (get every 10 s)",
}
SHORTEST, LONGEST, SEED_PERIOD = 2.0, 20.0, 10.0


# -- the server -----------------------------------------------------------------------------------


def serve() -> None:
    """The bundled server's Service, counting the calls that look at an operation.

    Two names are answered by the bench itself: STATS (the counts so far, as JSON in the
    name) and "bench/create/SEED/N/SCALE", which stores N video operations in one
    transaction, so that they all start within milliseconds of the waiter, and answers
    [[name, finishes at (Unix seconds)], ...].
    """
    from genai_grpc import _video_request
    from genai_grpc._generated.google.longrunning import operations_pb2
    from genai_grpc.server._build import VIDEOS
    from genai_grpc.server._local import open_server
    from genai_grpc.server._service import Service
    from genai_grpc.server._start import new_operation
    from genai_grpc.server._store import Store

    counts: Counter[str] = Counter()
    store = Store(":memory:")

    def create(seed: int, n: int, scale: float) -> str:
        now = time.time_ns()
        created = []
        for seconds in durations(seed, n, scale):
            prompt = f"a cat [duration:{seconds!r}]"
            call = _video_request.generate_videos("veo-bench", prompt, None, None, None, vertex=False, local=True)
            created.append(new_operation(VIDEOS, call.request, now, 5.0))
        store.insert(created)
        return json.dumps([[op.name, (op.create_ns + op.duration_ns) / 1e9] for op in created])

    class Counting(Service):
        async def get_operation(self, request: Any, context: Any) -> Any:
            if request.name == STATS:
                return operations_pb2.Operation(name=json.dumps(counts))
            if request.name.startswith("bench/create/"):
                seed, n, scale = request.name.split("/")[2:]
                return operations_pb2.Operation(name=create(int(seed), int(n), float(scale)))
            counts["GetOperation"] += 1
            return await super().get_operation(request, context)

        async def wait_operation(self, request: Any, context: Any) -> Any:
            counts["WaitOperation"] += 1
            return await super().wait_operation(request, context)

    async def main() -> None:
        server, port = await open_server(Counting(store, _no_faults(), 5.0), "127.0.0.1", 0)
        print(f"127.0.0.1:{port}", flush=True)
        stopping = asyncio.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            asyncio.get_running_loop().add_signal_handler(signum, stopping.set)
        await stopping.wait()
        await server.stop(0.5)

    asyncio.run(main())


def durations(seed: int, n: int, scale: float) -> list[float]:
    rng = random.Random(seed)
    return [rng.uniform(SHORTEST, LONGEST) / scale for _ in range(n)]


def _no_faults() -> Any:
    from genai_grpc.server._faults import Faults

    return Faults()


def ask(target: str, name: str) -> str:
    """The name in the server's answer to GetOperation(name): how the bench talks to it."""
    import grpc

    from genai_grpc._generated.google.longrunning import (
        operations_pb2,
        operations_pb2_grpc,
    )

    with grpc.insecure_channel(target) as channel:
        stub = operations_pb2_grpc.OperationsStub(channel)
        return str(stub.GetOperation(operations_pb2.GetOperationRequest(name=name), timeout=60).name)


def rpcs_so_far(target: str) -> Counter[str]:
    return Counter(json.loads(ask(target, STATS)))


# -- the clients ----------------------------------------------------------------------------------


def scaled_policy(scale: float, **changes: Any) -> Any:
    """genai_grpc's default PollPolicy with every time divided by `scale`."""
    from genai_grpc import types

    default = types.PollPolicy()
    values = {"initial": default.initial / scale, "multiplier": default.multiplier,
              "maximum": default.maximum / scale, "long_poll": default.long_poll / scale}  # fmt: skip
    values.update(changes)
    return types.PollPolicy(**values)


Begin = Callable[[], list[str]]


def run_ours(target: str, n: int, begin: Begin, scale: float, long_poll: bool) -> dict[str, float]:
    from genai_grpc import Client

    async def main() -> dict[str, float]:
        # long_poll=0 for "get": what the defaults do for a fleet larger than its concurrency,
        # also when --ops is no larger.
        poll = scaled_policy(scale) if long_poll else scaled_policy(scale, long_poll=0)
        client = Client(endpoint=target, poll=poll)
        seen: dict[str, float] = {}
        names = begin()
        concurrency = n if long_poll else 100
        async for op in client.aio.operations.as_completed(names, timeout=3600 / scale, concurrency=concurrency):
            seen[op.name] = time.time()
        await client.aio.aclose()
        client.close()
        return seen

    return asyncio.run(main())


def run_apicore(target: str, n: int, begin: Begin, scale: float) -> dict[str, float]:
    import grpc
    from google.api_core import operation, operations_v1
    from google.api_core.future import polling
    from google.longrunning import operations_pb2

    from genai_grpc._config import CHANNEL_OPTIONS
    from genai_grpc._generated.google.ai.generativelanguage.v1beta import (
        prediction_service_pb2,
    )

    channel = grpc.insecure_channel(target, options=CHANNEL_OPTIONS)
    client = operations_v1.OperationsClient(channel)
    default = polling.DEFAULT_POLLING
    poll = default.with_delay(initial=default._initial / scale, maximum=default._maximum / scale,
                              multiplier=default._multiplier).with_timeout(default._timeout / scale)  # fmt: skip
    seen: dict[str, float] = {}
    names: list[str] = []
    go = threading.Event()

    def wait(i: int) -> None:
        go.wait()
        pb = operations_pb2.Operation(name=names[i])
        operation.from_gapic(pb, client, prediction_service_pb2.PredictLongRunningResponse).result(polling=poll)
        seen[pb.name] = time.time()

    # Started (and parked) before the operations are, so thread start-up is not in the lags.
    threads = [threading.Thread(target=wait, args=(i,), daemon=True) for i in range(n)]
    for thread in threads:
        thread.start()
    names.extend(begin())
    go.set()
    for thread in threads:
        thread.join(3600 / scale)
    channel.close()
    return seen


def run_seed(target: str, n: int, begin: Begin, scale: float) -> dict[str, float]:
    from genai_grpc import Client, types

    async def main() -> dict[str, float]:
        client = Client(endpoint=target)
        seen: dict[str, float] = {}

        async def loop(name: str) -> None:
            operation = types.Operation(name=name)  # what the start call answered: not done
            while not operation.done:
                await asyncio.sleep(SEED_PERIOD / scale)
                operation = await client.aio.operations.get(operation)
            seen[operation.name] = time.time()

        await asyncio.gather(*(loop(name) for name in begin()))
        await client.aio.aclose()
        client.close()
        return seen

    return asyncio.run(main())


def client(mode: str, target: str, n: int, scale: float, seed: int) -> dict[str, Any]:
    """Start n operations, wait for them as `mode` does; RPCs per operation and lags."""
    finish: dict[str, float] = {}
    before: Counter[str] = Counter()

    def begin() -> list[str]:
        before.update(rpcs_so_far(target))
        created = json.loads(ask(target, f"bench/create/{seed}/{n}/{scale!r}"))
        finish.update(created)
        return [name for name, _ in created]

    started = time.perf_counter()
    runners: dict[str, Callable[[], dict[str, float]]] = {
        "get": lambda: run_ours(target, n, begin, scale, long_poll=False),
        "wait": lambda: run_ours(target, n, begin, scale, long_poll=True),
        "apicore": lambda: run_apicore(target, n, begin, scale),
        "seed": lambda: run_seed(target, n, begin, scale),
    }
    seen = runners[mode]()
    wall = time.perf_counter() - started
    after = rpcs_so_far(target)
    lags = sorted((seen[name] - finish[name]) * scale for name in seen)
    calls = sum(after.values()) - sum(before.values())
    return {
        "mode": mode, "done": len(seen), "rpcs_per_op": calls / n, "wall": wall,
        "lag_median": statistics.median(lags), "lag_p95": percentile(lags, 0.95),
        "get": after["GetOperation"] - before["GetOperation"],
        "wait": after["WaitOperation"] - before["WaitOperation"],
    }  # fmt: skip


def percentile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# -- the driver -----------------------------------------------------------------------------------


def start_server() -> tuple[subprocess.Popen[str], str]:
    return _servers.spawn([sys.executable, __file__, "--serve"], "economy bench server")


stop_server = _servers.stop


def run_client(mode: str, target: str, n: int, scale: float, seed: int) -> dict[str, Any]:
    """One waiter in a process of its own (threads and event loops do not mix between modes)."""
    out = subprocess.run(
        [sys.executable, __file__, "--client", mode, target, "--ops", str(n), "--scale", str(scale), "--seed", str(seed)],
        capture_output=True, text=True, timeout=120 + 3600 / scale, check=False,
    )  # fmt: skip
    if out.returncode != 0:
        raise SystemExit(f"economy client {mode} failed ({out.returncode}):\n{out.stderr[-2000:]}")
    row: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    if row["done"] != n:
        raise SystemExit(f"economy {mode}: {row['done']} of {n} operations seen done")
    return row


def measure(n: int, scale: float, rounds: int, modes: tuple[str, ...] = MODES) -> dict[str, list[dict[str, Any]]]:
    """Each mode once per round (order rotating), on one server: {mode: [row per round]}."""
    server, target = start_server()
    rows: dict[str, list[dict[str, Any]]] = {m: [] for m in modes}
    try:
        for r in range(rounds):
            for mode in modes[r % len(modes) :] + modes[: r % len(modes)]:
                row = run_client(mode, target, n, scale, seed=r)
                rows[mode].append(row)
                print(f"  round {r + 1} {mode:8s} {row['rpcs_per_op']:5.2f} RPCs/op  lag median {row['lag_median']:5.2f} s "
                      f"p95 {row['lag_p95']:5.2f} s  (wall {row['wall']:.1f} s)", flush=True)  # fmt: skip
    finally:
        stop_server(server)
    return rows


# -- the offline sweep ----------------------------------------------------------------------------


def simulate(policy: Any, durations: list[float], rng: random.Random) -> tuple[float, float, float]:
    """genai_grpc's schedule in virtual time: (RPCs per operation, lag median, lag p95)."""
    from types import SimpleNamespace

    from genai_grpc import _routing, _waiting, types

    plan = _waiting.Plan(deadline=None, timeout=None, poll=policy, retry=types.RetryPolicy(),
                         rpc_timeout=60, use_wait=False)  # fmt: skip
    calls, lags = 0, []
    for finish in durations:
        machine = _waiting.wait_for("op", lambda pb: types.Operation(name="op", done=pb.done), plan,
                                    _routing.Features(), 0.0, rand=rng.random)  # fmt: skip
        now, step = 0.0, next(machine)
        try:
            while True:
                if isinstance(step, _waiting.Sleep):
                    now = step.until
                    step = machine.send(_waiting.Reply(now))
                else:
                    calls += 1
                    step = machine.send(_waiting.Reply(now, value=SimpleNamespace(done=now >= finish)))
        except StopIteration:
            lags.append(now - finish)
    lags.sort()
    return calls / len(durations), statistics.median(lags), percentile(lags, 0.95)


def seed_loop(durations: list[float], period: float = SEED_PERIOD) -> tuple[float, float, float]:
    """The spec's loop in virtual time: a get every `period` seconds, the first after one."""
    calls, lags = 0, []
    for finish in durations:
        checks = max(1, -int(-finish // period))
        calls += checks
        lags.append(checks * period - finish)
    lags.sort()
    return calls / len(durations), statistics.median(lags), percentile(lags, 0.95)


SWEEP = ((1, 1.5, 20), (2, 1.5, 10), (2, 1.3, 20), (3, 1.25, 20), (3, 1.2, 20), (4, 1.15, 20))
RANGES = ((0.2, 2.0), (2.0, 20.0), (20.0, 60.0), (60.0, 300.0))


def sweep(n: int) -> None:
    """Print RPCs/op and lag for candidate PollPolicy values over ranges of durations."""
    from genai_grpc import types

    rng = random.Random(0)
    print("policy (initial, multiplier, maximum; full jitter) -> RPCs/op, lag median, lag p95 by duration range")
    for lo, hi in RANGES:
        durations = [rng.uniform(lo, hi) for _ in range(n)]
        print(f"durations {lo:g}-{hi:g} s: the spec's loop {fmt(seed_loop(durations))}")
        for initial, multiplier, maximum in SWEEP:
            policy = types.PollPolicy(initial=initial, multiplier=multiplier, maximum=maximum)
            print(f"  ({initial:g}, x{multiplier:g}, {maximum:g}) {fmt(simulate(policy, durations, rng))}")


def fmt(row: tuple[float, float, float]) -> str:
    return f"{row[0]:5.2f} RPCs/op, lag {row[1]:5.2f} s / {row[2]:5.2f} s"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=1000)
    parser.add_argument("--scale", type=float, default=4.0)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--simulate", action="store_true", help="the offline PollPolicy sweep instead")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--client", nargs=2, metavar=("MODE", "TARGET"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve()
        return 0
    if args.client:
        print(json.dumps(client(args.client[0], args.client[1], args.ops, args.scale, args.seed)))
        return 0
    if args.simulate:
        sweep(args.ops * 5)
        return 0
    rows = measure(args.ops, args.scale, args.rounds)
    for mode, values in rows.items():
        med = {k: statistics.median(v[k] for v in values) for k in ("rpcs_per_op", "lag_median", "lag_p95")}
        print(
            f"{LABELS[mode]:45s} {med['rpcs_per_op']:5.2f} RPCs/op  lag median {med['lag_median']:5.2f} s  p95 {med['lag_p95']:5.2f} s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
