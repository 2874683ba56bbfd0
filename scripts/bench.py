"""One command, one table: genai_grpc against what users would use instead, on this machine.

    python scripts/bench.py [--quick] [--only CASE[,CASE...]] [--rounds N]

Cases (each bounded; the whole run takes ~5 minutes on 2 cores, ~2 with --quick):

  get     client CPU per get(): genai_grpc sync / aio vs the raw generated stub (sync /
          grpc.aio, also with genai_grpc's headers) vs google-api-core's OperationsClient /
          OperationsAsyncClient, against the bundled local server, on a running video
          operation whose metadata carries create/update timestamps and progress. Per round
          and side one process alternates blocks of 200 calls of each variant, so load
          swings hit them alike. genai_grpc's figure includes its typed mapping; the others
          return the protobuf message.
  look    client CPU per get() with every name new, on three payloads (a running operation
          with Struct metadata; a done one with a Gemini PredictLongRunningResponse; a failed
          one with two error details) from a plain googleapis-common-protos server:
          genai_grpc vs the raw stub sending the same headers vs google-api-core
          (scripts/bench_look.py).
  fleet   10,000 operations x 3 polls to completion: as_completed (aio and sync) vs a raw
          grpc.aio stub loop vs google-api-core's AsyncOperation.result() under
          asyncio.gather (scripts/bench_fleet.py).
  economy RPCs per finished operation and the lag before the caller sees it finish:
          1,000 operations of 2-20 s (times scaled /2, /4 with --quick) waited for by
          genai_grpc (GetOperation polling; WaitOperation), google-api-core's result() and
          the spec's get-every-10-s loop (scripts/bench_economy.py).
  import  `from genai_grpc import Client` (and `import genai_grpc`) vs `import grpc` + one
          _pb2 module vs google.api_core.operations_v1 vs google.genai: wall time, a fresh
          interpreter each.
  cli     `python -m genai_grpc get NAME` start to exit vs `python -c "import grpc"`
          (scripts/bench_cli.py, against its scripted server).
  video   one get() of an operation carrying a 64 MiB video: wall time and the client's
          peak RSS growth, genai_grpc vs the raw stub (which unpacks the response too).
  server  the bundled server's GetOperation calls/s and CPU/call vs a minimal server on
          googleapis-common-protos' stubs (scripts/bench_server.py).

Every server is a separate process on 127.0.0.1; client measurements run in fresh
subprocesses (so CPU and memory are the client's alone), and the variants of a case
alternate (A B C A B C ...). Ratios are taken within a round, then summarised as
median (min-max). The machine's load is printed at start and end: CPU time is the steadier
measure when other work shares the cores; wall times are only as quiet as the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import _servers  # noqa: E402  (beside this script)

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"
sys.path[:0] = [str(ROOT), str(SCRIPTS)]
PY = sys.executable
CASES = ("get", "look", "fleet", "economy", "import", "cli", "video", "server")
SERVE = "import sys; from genai_grpc.cli import main; sys.exit(main(sys.argv[1:]))"


# -- reporting ------------------------------------------------------------------------------------


def summary(values: Sequence[float], fmt: str = "{:.1f}") -> str:
    """'median (min-max)' of the values."""
    med = statistics.median(values)
    return f"{fmt.format(med)} ({fmt.format(min(values))}-{fmt.format(max(values))})"


class Table:
    """Rows of a markdown table, printed as they come and again together at the end."""

    HEADER = ("case", "variant", "measure", "median (min-max)", "vs", "ratio median (min-max)", "target")

    def __init__(self) -> None:
        self.rows: list[tuple[str, ...]] = []
        self.notes: list[str] = []

    def add(self, *row: str) -> None:
        row = tuple(row) + ("",) * (len(self.HEADER) - len(row))
        self.rows.append(row)
        print("  " + " | ".join(c for c in row if c), flush=True)

    def note(self, text: str) -> None:
        self.notes.append(text)
        print(f"  note: {text}", flush=True)

    def render(self) -> str:
        lines = ["| " + " | ".join(self.HEADER) + " |", "|" + "---|" * len(self.HEADER)]
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        lines += [""] + [f"- {n}" for n in self.notes]
        return "\n".join(lines)


def ratios(values: dict[str, list[float]], mode: str, base: str) -> list[float]:
    return [a / b for a, b in zip(values[mode], values[base], strict=True)]


def verdict(values: Sequence[float], limit: float, unit: str = "x", at_least: bool = False) -> str:
    """Whether the median meets the target; a miss whose best run meets it is flagged as such."""
    ok = (lambda v: v >= limit) if at_least else (lambda v: v <= limit)
    best = max(values) if at_least else min(values)
    word = "met" if ok(statistics.median(values)) else "MISSED (best run meets it)" if ok(best) else "MISSED"
    return f"{'>=' if at_least else '<='} {limit:g}{unit}: {word}"


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} ({os.cpu_count()} CPUs)"


def machine() -> str:
    import google.protobuf
    import grpc

    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} CPUs ({model}); Python {platform.python_version()}; "
        f"grpcio {grpc.__version__}; protobuf {google.protobuf.__version__}; {platform.platform()}"
    )


# -- processes ------------------------------------------------------------------------------------


def spawn_server(*args: str) -> tuple[subprocess.Popen[str], str]:
    """Start the bundled server (`serve` args) and return it with the address it printed."""
    return _servers.spawn([PY, "-c", SERVE, "serve", "--port", "0", *args], "local server")


stop = _servers.stop


def run_child(*args: str, timeout: float = 300) -> dict[str, Any]:
    """Run this script as a measuring child; its last stdout line is a JSON result."""
    out = subprocess.run([PY, __file__, *args], capture_output=True, text=True, timeout=timeout, check=False)
    if out.returncode != 0:
        raise SystemExit(f"bench child {args[:2]} failed ({out.returncode}):\n{out.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def start_operation(address: str, prompt: str, video_bytes: int = 0) -> str:
    import grpc

    from genai_grpc import _video_request
    from genai_grpc._generated.google.ai.generativelanguage.v1beta import prediction_service_pb2_grpc

    with grpc.insecure_channel(address, options=[("grpc.max_receive_message_length", -1)]) as channel:
        config = {"video_size_bytes": video_bytes} if video_bytes else None
        call = _video_request.generate_videos("veo-bench", prompt, None, None, config, vertex=False, local=True)
        stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
        return str(stub.PredictLongRunning(call.request, timeout=60).name)


# -- case: get ------------------------------------------------------------------------------------

GET_VARIANTS = ("ours", "raw", "raw-headers", "apicore")
GET_LABELS = {"ours": "genai_grpc", "raw-headers": "raw stub + genai_grpc's headers", "apicore": "google-api-core"}


def get_callables(side: str, target: str, name: str) -> dict[str, Callable[[], Any]]:
    """variant -> a function making one get() of `name` (a coroutine function on aio).

    The raw stub is the least a user could write: a request per call and the routing header
    Google's front ends need, over a channel with genai_grpc's options. "raw-headers" also
    sends genai_grpc's x-goog-api-client header and user agent, to tell their cost apart.
    """
    import grpc
    import grpc.aio
    from google.api_core import operations_v1

    from genai_grpc import Client, _rpc
    from genai_grpc._config import CHANNEL_OPTIONS
    from genai_grpc._generated.google.longrunning import operations_pb2, operations_pb2_grpc

    flavor: Any = grpc.aio if side == "aio" else grpc
    client = Client(endpoint=target)
    ours = client.aio.operations if side == "aio" else client.operations
    stub = operations_pb2_grpc.OperationsStub(flavor.insecure_channel(target, options=CHANNEL_OPTIONS))
    api_client = operations_v1.OperationsAsyncClient if side == "aio" else operations_v1.OperationsClient
    apicore = api_client(flavor.insecure_channel(target, options=CHANNEL_OPTIONS))
    metadata = (_rpc.routing_header(name),)
    config = client._config
    headers_stub = operations_pb2_grpc.OperationsStub(flavor.insecure_channel(target, options=config.options))
    headers = (*config.metadata, _rpc.routing_header(name))
    Request = operations_pb2.GetOperationRequest
    return {
        "ours": lambda: ours.get(name),
        "raw": lambda: stub.GetOperation(Request(name=name), metadata=metadata, timeout=60),
        "raw-headers": lambda: headers_stub.GetOperation(Request(name=name), metadata=headers, timeout=60),
        "apicore": lambda: apicore.get_operation(name, timeout=60),
    }


def get_client(side: str, target: str, name: str, calls: int, blocks: int) -> dict[str, Any]:
    """CPU and wall per get() of each variant, alternating blocks of `calls` calls in this
    process (the order rotates each block), after a warm-up of each."""
    order = list(GET_VARIANTS)
    cpu = dict.fromkeys(order, 0.0)
    wall = dict.fromkeys(order, 0.0)

    def account(variant: str, started: tuple[float, float]) -> None:
        cpu[variant] += time.process_time() - started[0]
        wall[variant] += time.perf_counter() - started[1]

    if side == "sync":
        funcs = get_callables(side, target, name)
        for f in funcs.values():
            for _ in range(calls):
                f()
        for b in range(blocks):
            for variant in order[b % len(order) :] + order[: b % len(order)]:
                f, started = funcs[variant], (time.process_time(), time.perf_counter())
                for _ in range(calls):
                    f()
                account(variant, started)
    else:

        async def main() -> None:
            afuncs = get_callables(side, target, name)  # grpc.aio channels belong to this loop
            for f in afuncs.values():
                for _ in range(calls):
                    await f()
            for b in range(blocks):
                for variant in order[b % len(order) :] + order[: b % len(order)]:
                    f, started = afuncs[variant], (time.process_time(), time.perf_counter())
                    for _ in range(calls):
                        await f()
                    account(variant, started)

        asyncio.run(main())
    n = calls * blocks
    return {v: {"cpu_us": cpu[v] / n * 1e6, "wall_us": wall[v] / n * 1e6} for v in order}


def case_get(table: Table, rounds: int, quick: bool) -> None:
    calls, blocks = 200, (3 if quick else 5)
    server, address = spawn_server("--duration", "0")
    cpu: dict[str, list[float]] = {}
    try:
        name = start_operation(address, "a cat [duration:3600]")
        for r in range(rounds):
            for side in ("sync", "aio"):
                row = run_child("--child-get", side, address, name, str(calls), str(blocks))
                for v in GET_VARIANTS:
                    cpu.setdefault(f"{v}-{side}", []).append(row[v]["cpu_us"])
                print(
                    f"  round {r + 1} {side}: "
                    + ", ".join(f"{v} {row[v]['cpu_us']:.0f}" for v in GET_VARIANTS)
                    + " us CPU/call",
                    flush=True,
                )
    finally:
        stop(server)
    for side in ("sync", "aio"):
        raw = f"raw-{side}"
        table.add("get", f"raw stub {side}", "client CPU us/call", summary(cpu[raw]))
        for who in ("ours", "raw-headers", "apicore"):
            mode = f"{who}-{side}"
            r = ratios(cpu, mode, raw)
            target = verdict(r, 1.10) if who == "ours" else ""
            table.add(
                "get",
                f"{GET_LABELS[who]} {side}",
                "client CPU us/call",
                summary(cpu[mode]),
                f"raw stub {side}",
                summary(r, "{:.2f}x"),
                target,
            )
    table.note(
        f"get: per round, one process per side alternates blocks of {calls} calls of each variant "
        f"({blocks} blocks each, order rotating) after a warm-up; {rounds} rounds. A running video operation "
        "from the bundled server (the Gemini API's: an empty PredictLongRunningMetadata). genai_grpc returns its "
        "typed Operation (metadata decoded, x-goog-api-client header sent); the raw stub and api-core return "
        "the protobuf message."
    )


# -- case: look -----------------------------------------------------------------------------------


def case_look(table: Table, rounds: int, quick: bool) -> None:
    import bench_look

    calls, blocks = 100, (4 if quick else 6)
    cpu, ratio = bench_look.compare(rounds, calls, blocks)
    for side in ("sync", "aio"):
        for payload in bench_look.PAYLOADS:
            raw = f"{payload}-raw-{side}"
            table.add(f"look {payload}", f"raw stub + same headers {side}", "client CPU us/call", summary(cpu[raw]))
            for variant in ("ours", "raw2", "apicore"):
                mode = f"{payload}-{variant}-{side}"
                r = ratio[mode]
                target = verdict(r, 1.05) if variant == "ours" else ""
                table.add(
                    f"look {payload}",
                    f"{bench_look.LABELS[variant]} {side}",
                    "client CPU us/call",
                    summary(cpu[mode]),
                    f"raw stub {side}",
                    summary(r, "{:.2f}x"),
                    target,
                )
    table.note(
        f"look: a plain googleapis-common-protos server; every call a new name; per round and side one process "
        f"alternates blocks of {calls} calls of each variant ({blocks} blocks each after a warm-up block, order "
        f"rotating); {rounds} rounds; ratio = median over blocks of CPU/call over the raw stub's in the same "
        "rotation; 'the raw stub again' is a second identical raw stub (the noise floor). running: Struct metadata; video: done, a PredictLongRunningResponse with one "
        "video URI; failed: a google.rpc.Status with ErrorInfo and BadRequest. The raw stub (googleapis-common-protos) "
        "sends the same x-goog-api-client, user agent and routing headers as genai_grpc and returns the protobuf message."
    )


# -- case: economy --------------------------------------------------------------------------------


def case_economy(table: Table, rounds: int, quick: bool) -> None:
    import bench_economy

    scale, n = (4.0, 1000) if quick else (2.0, 1000)
    rows = bench_economy.measure(n, scale, 1)
    for mode in bench_economy.MODES:
        row = rows[mode][0]
        table.add("economy", bench_economy.LABELS[mode], "RPCs per operation", f"{row['rpcs_per_op']:.2f}")
        table.add(
            "economy",
            bench_economy.LABELS[mode],
            "lag median / p95 s",
            f"{row['lag_median']:.2f} / {row['lag_p95']:.2f}",
        )
    table.note(
        f"economy: {n:,} operations on the bundled server's service, durations uniform over 2-20 s, every time "
        f"(durations, each waiter's delays and limits) divided by {scale:g} and lags multiplied back; RPCs counted by "
        "the server. One run of each, the order rotating; genai_grpc with its default PollPolicy (GetOperation: "
        "concurrency 100; WaitOperation: concurrency 1,000), google-api-core with DEFAULT_POLLING, one thread per "
        "operation."
    )


# -- case: fleet ----------------------------------------------------------------------------------


def case_fleet(table: Table, rounds: int, quick: bool) -> None:
    import bench_fleet

    ops = 2000 if quick else 10_000
    sizes = {"ours-aio": ops, "raw-aio": ops, "ours-sync": ops, "apicore-aio": ops}
    per_poll: dict[str, list[float]] = {m: [] for m in sizes}
    wall: dict[str, list[float]] = {m: [] for m in sizes}
    rss: dict[str, list[float]] = {m: [] for m in sizes}
    server, target = bench_fleet.start_server()
    try:
        for r in range(max(2, rounds - 2)):
            for mode, n in sizes.items():
                row = bench_fleet.run_client(mode, target, f"r{r}-{mode}", n, 100)
                if row["done"] != n:
                    raise SystemExit(f"fleet {mode}: {row['done']} of {n} operations finished")
                per_poll[mode].append(row["cpu"] / row["polls"] * 1e6)
                wall[mode].append(row["wall"])
                rss[mode].append(row["rss_mb"])
            print(
                f"  round {r + 1}: " + ", ".join(f"{m} {per_poll[m][-1]:.0f}" for m in sizes) + " us CPU/poll",
                flush=True,
            )
    finally:
        bench_fleet.stop_server(server)
    table.add("fleet", "raw grpc.aio", "client CPU us/poll", summary(per_poll["raw-aio"]))
    labels = {"ours-aio": "genai_grpc aio", "ours-sync": "genai_grpc sync", "apicore-aio": "google-api-core aio"}
    for mode, label in labels.items():
        r = ratios(per_poll, mode, "raw-aio")
        target = verdict(r, 1.10) if mode == "ours-aio" else ""  # issue 13 (issue 12 asked 1.2x)
        table.add(
            "fleet", label, "client CPU us/poll", summary(per_poll[mode]), "raw grpc.aio", summary(r, "{:.2f}x"), target
        )
    sync_wall = ratios(wall, "ours-sync", "ours-aio")
    table.add(
        "fleet",
        "genai_grpc sync",
        "wall s",
        summary(wall["ours-sync"], "{:.2f}"),
        "genai_grpc aio",
        summary(sync_wall, "{:.2f}x"),
        verdict(sync_wall, 2.0),
    )
    for mode in ("ours-aio", "raw-aio"):
        table.add(
            "fleet", "genai_grpc aio" if mode == "ours-aio" else "raw grpc.aio", "wall s", summary(wall[mode], "{:.2f}")
        )
    for mode, label in (
        ("ours-aio", "genai_grpc aio"),
        ("raw-aio", "raw grpc.aio"),
        ("apicore-aio", "google-api-core aio"),
    ):
        target = ("< 150 MB: " + ("met" if max(rss[mode]) < 150 else "MISSED")) if mode == "ours-aio" else ""
        table.add("fleet", label, "peak client RSS MB", summary(rss[mode], "{:.0f}"), "", "", target)
    table.note(
        f"fleet: {ops:,} operations x 3 polls over one channel, at most 100 RPCs (or api-core waits) at once; "
        "genai_grpc with as_completed and a zero poll interval, raw grpc.aio with 100 polling tasks, "
        "google-api-core with AsyncOperation.result() under asyncio.gather (1 ms poll delay)."
    )


# -- case: import ---------------------------------------------------------------------------------

IMPORTS = {
    "python -c pass": "pass",
    "grpc + longrunning _pb2": "import grpc; from google.longrunning import operations_pb2",
    "import genai_grpc": "import genai_grpc",
    "from genai_grpc import Client": "from genai_grpc import Client",
    "google.api_core.operations_v1": "import google.api_core.operations_v1",
    "google.genai": "import google.genai",
}


def wall_of(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Run argv to completion: (wall seconds, CPU seconds of the child, user + system)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stderr.close()
    if proc.returncode != 0:
        raise SystemExit(f"{argv} failed: {err.decode()[-1000:]}")
    return elapsed, usage.ru_utime + usage.ru_stime


def compile_package() -> None:
    """Write genai_grpc's bytecode, as `pip install` does, so every import reads .pyc files:
    where PYTHONDONTWRITEBYTECODE is set and the package is an editable checkout, Python
    would otherwise compile its source (~20 ms) at every start, while site-packages have theirs."""
    for folder in ("genai_grpc", "generated"):
        subprocess.run([PY, "-m", "compileall", "-q", str(ROOT / folder)], stdout=subprocess.DEVNULL, check=True)


def case_import(table: Table, rounds: int, quick: bool) -> None:
    runs = 6 if quick else 15
    compile_package()
    wall: dict[str, list[float]] = {label: [] for label in IMPORTS}
    cpu: dict[str, list[float]] = {label: [] for label in IMPORTS}
    for code in IMPORTS.values():  # warm the file cache
        wall_of([PY, "-c", code])
    for _ in range(runs):
        for label, code in IMPORTS.items():
            w, c = wall_of([PY, "-c", code])
            wall[label].append(w)
            cpu[label].append(c)
    floor = "grpc + longrunning _pb2"
    for label in IMPORTS:
        extra = ("", "", "")
        if label in ("from genai_grpc import Client", "google.api_core.operations_v1", "google.genai"):
            above = [v - f for v, f in zip(wall[label], wall[floor], strict=True)]
            target = verdict(wall[label], 0.10, " s") if label == "from genai_grpc import Client" else ""
            extra = (floor, summary(above, "{:+.3f}") + " s", target)
        table.add("import", label, "wall s", summary(wall[label], "{:.3f}"), *extra)
    for label in ("grpc + longrunning _pb2", "from genai_grpc import Client", "google.api_core.operations_v1"):
        table.add("import", label, "CPU s (user+sys)", summary(cpu[label], "{:.3f}"))
    table.note(
        f"import: a fresh interpreter per run, {runs} runs of each, alternating; wall time includes interpreter "
        "start; genai_grpc's bytecode is compiled first, as pip install does."
    )


# -- case: cli ------------------------------------------------------------------------------------


def case_cli(table: Table, rounds: int, quick: bool) -> None:
    import bench_cli

    runs = 5 if quick else 10
    compile_package()
    times = bench_cli.measure(runs)
    floor_label = 'python -c "import grpc"'
    floor = [wall for wall, _ in times[floor_label]]
    for label, values in times.items():
        wall = [w for w, _ in values]
        if label == floor_label:
            table.add("cli", label, "wall s", summary(wall, "{:.3f}"))
            continue
        above = [v - f for v, f in zip(wall, floor, strict=True)]
        target = verdict(above, 0.10, " s") if label == "python -m genai_grpc get NAME" else ""
        table.add(
            "cli", label, "wall s", summary(wall, "{:.3f}"), "import grpc", summary(above, "{:+.3f}") + " s", target
        )
    for label in (floor_label, "python -m genai_grpc get NAME"):
        table.add("cli", label, "CPU s (user+sys)", summary([c for _, c in times[label]], "{:.3f}"))
    table.note(
        f"cli: scripts/bench_cli.py, {runs} runs of each command, alternating, start to exit, against a "
        "scripted server holding a finished video operation (a 200 kB inline video)."
    )


# -- case: video ----------------------------------------------------------------------------------

VIDEO_MODES = ("ours-sync", "raw-sync", "ours-aio", "raw-aio")
VIDEO_BYTES = 64 << 20


def rss_now() -> int:
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def video_client(mode: str, target: str, name: str) -> dict[str, Any]:
    """One get of a 64 MiB video operation; wall time and peak RSS growth, bytes in hand."""
    import gc

    import grpc
    import grpc.aio

    from genai_grpc._config import CHANNEL_OPTIONS

    if mode.startswith("ours"):
        from genai_grpc import Client

        client = Client(endpoint=target)

        def ours_sync() -> bytes:
            return client.operations.get(name).response.generated_videos[0].video.data  # type: ignore[no-any-return]

        async def ours_aio() -> bytes:
            op = await client.aio.operations.get(name)
            return op.response.generated_videos[0].video.data  # type: ignore[no-any-return]

        get_sync, get_aio = ours_sync, ours_aio
    else:
        from genai_grpc._generated.google.ai.generativelanguage.v1beta import prediction_service_pb2
        from genai_grpc._generated.google.longrunning import operations_pb2, operations_pb2_grpc

        def unpack(op: Any) -> bytes:
            response = prediction_service_pb2.PredictLongRunningResponse()
            op.response.Unpack(response)
            return response.generate_video_response.generated_samples[0].video.video  # type: ignore[no-any-return]

        sync_stub = operations_pb2_grpc.OperationsStub(grpc.insecure_channel(target, options=CHANNEL_OPTIONS))

        def raw_sync() -> bytes:
            return unpack(sync_stub.GetOperation(operations_pb2.GetOperationRequest(name=name), timeout=60))

        async def raw_aio() -> bytes:
            stub = operations_pb2_grpc.OperationsStub(grpc.aio.insecure_channel(target, options=CHANNEL_OPTIONS))
            return unpack(await stub.GetOperation(operations_pb2.GetOperationRequest(name=name), timeout=60))

        get_sync, get_aio = raw_sync, raw_aio  # type: ignore[assignment]
    gc.collect()
    before = rss_now()
    start = time.perf_counter()
    if mode.endswith("sync"):
        data = get_sync()
    else:
        data = asyncio.run(get_aio())
    wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    assert len(data) == VIDEO_BYTES, len(data)
    return {"wall": wall, "peak_mb": (peak - before) / (1 << 20)}


def case_video(table: Table, rounds: int, quick: bool) -> None:
    server, address = spawn_server("--duration", "0")
    try:
        name = start_operation(address, "a cat", VIDEO_BYTES)
        wall: dict[str, list[float]] = {m: [] for m in VIDEO_MODES}
        peak: dict[str, list[float]] = {m: [] for m in VIDEO_MODES}
        for r in range(max(2, rounds - 2)):
            for mode in VIDEO_MODES:
                row = run_child("--child-video", mode, address, name)
                wall[mode].append(row["wall"])
                peak[mode].append(row["peak_mb"])
            print(
                f"  round {r + 1}: " + ", ".join(f"{m} {wall[m][-1]:.2f} s {peak[m][-1]:.0f} MB" for m in VIDEO_MODES),
                flush=True,
            )
    finally:
        stop(server)
    for side in ("sync", "aio"):
        ours, raw = f"ours-{side}", f"raw-{side}"
        table.add("video", f"raw {side}", "wall s", summary(wall[raw], "{:.2f}"))
        table.add(
            "video",
            f"genai_grpc {side}",
            "wall s",
            summary(wall[ours], "{:.2f}"),
            f"raw {side}",
            summary(ratios(wall, ours, raw), "{:.2f}x"),
        )
        table.add("video", f"raw {side}", "peak RSS growth MB", summary(peak[raw], "{:.0f}"))
        table.add(
            "video",
            f"genai_grpc {side}",
            "peak RSS growth MB",
            summary(peak[ours], "{:.0f}"),
            f"raw {side}",
            summary(ratios(peak, ours, raw), "{:.2f}x"),
        )
    table.note(
        "video: one get of a done operation carrying a 64 MiB inline video, a fresh client process each; "
        "the raw stub also unpacks the Any to reach the bytes. Peak RSS growth = ru_maxrss - RSS before the call."
    )


# -- case: server ---------------------------------------------------------------------------------


def case_server(table: Table, rounds: int, quick: bool) -> None:
    import bench_server

    seconds = 1.0 if quick else 2.0
    for running in (False, True):
        rates, costs = bench_server.measure(
            seconds=seconds, rounds=max(2, rounds - 2), concurrency=64, operations=64, running=running
        )
        kind = "running ops" if running else "finished ops"
        table.add("server", f"minimal ({kind})", "calls/s", summary(rates["baseline"], "{:.0f}"))
        r = ratios(rates, "local", "baseline")
        table.add(
            "server",
            f"genai_grpc ({kind})",
            "calls/s",
            summary(rates["local"], "{:.0f}"),
            "minimal",
            summary(r, "{:.2f}x"),
            verdict(r, 1.0, at_least=True),
        )
        table.add("server", f"minimal ({kind})", "server CPU us/call", summary(costs["baseline"]))
        table.add(
            "server",
            f"genai_grpc ({kind})",
            "server CPU us/call",
            summary(costs["local"]),
            "minimal",
            summary(ratios(costs, "local", "baseline"), "{:.2f}x"),
        )
    table.note(
        f"server: a grpc.aio client with 64 concurrent callers drives each server {seconds:g} s per round, alternating."
    )


# -- driver ---------------------------------------------------------------------------------------

RUNNERS: dict[str, Callable[[Table, int, bool], None]] = {
    "get": case_get,
    "look": case_look,
    "fleet": case_fleet,
    "economy": case_economy,
    "import": case_import,
    "cli": case_cli,
    "video": case_video,
    "server": case_server,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer rounds and smaller workloads")
    parser.add_argument(
        "--only", default=",".join(CASES), help=f"comma-separated cases (default: all of {','.join(CASES)})"
    )
    parser.add_argument("--rounds", type=int, help="rounds per case (default 5, --quick 3)")
    parser.add_argument("--child-get", nargs=5, help=argparse.SUPPRESS)
    parser.add_argument("--child-video", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_get:
        side, target, name, calls, blocks = args.child_get
        print(json.dumps(get_client(side, target, name, int(calls), int(blocks))))
        return 0
    if args.child_video:
        print(json.dumps(video_client(*args.child_video)))
        return 0
    only = [c.strip() for c in args.only.split(",") if c.strip()]
    unknown = sorted(set(only) - set(CASES))
    if unknown:
        parser.error(f"unknown case(s) {unknown}; choose from {', '.join(CASES)}")
    rounds = args.rounds or (3 if args.quick else 5)
    table = Table()
    started = time.perf_counter()
    print(f"machine: {machine()}")
    print(f"start: {load()}", flush=True)
    start_load = load()
    for case in CASES:
        if case in only:
            print(f"\n== {case}", flush=True)
            t0 = time.perf_counter()
            RUNNERS[case](table, rounds, args.quick)
            print(f"  ({time.perf_counter() - t0:.0f} s)", flush=True)
    end_load = load()
    command = " ".join(["python", "scripts/bench.py", *(argv if argv is not None else sys.argv[1:])])
    print(f"\n## Results of `{command}`\n")
    print(f"machine: {machine()}")
    print(f"start: {start_load}; end: {end_load}; took {time.perf_counter() - started:.0f} s\n")
    print(table.render())
    return 0


if __name__ == "__main__":
    sys.exit(main())
