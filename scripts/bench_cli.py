"""How long `python -m genai_grpc get NAME` takes, start to exit, beside `python -c "import grpc"`.

    python scripts/bench_cli.py [--runs 10]

Starts a local server on 127.0.0.1 (genai_grpc.server.LocalServer when bundled, else the
tests' scripted server) holding one finished video operation with a small inline video, then
alternates the commands so that both see the same machine state, and prints the medians.
Target: `get` at most 0.10 s above the `import grpc` floor. Wall time swings with whatever
else shares the CPUs, so each child's CPU time (user + system) is shown beside it: it moves
much less under load and tells a slow machine from a slow CLI.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
NAME = "models/veo-2.0-generate-001/operations/bench"
TARGET_S = 0.10
_LIBRARY_GET = """
from genai_grpc import Client
with Client() as client:
    client.operations.get({name!r})
"""


def _server() -> tuple[AbstractContextManager[Any], str]:
    """A started server holding a finished video operation, and the operation's name."""
    sys.path.insert(0, str(ROOT))
    from genai_grpc._generated.genai_grpc.v1 import types_pb2
    from genai_grpc._generated.google.longrunning import operations_pb2
    from tests.scripted import ScriptedServer

    server = ScriptedServer().__enter__()
    op = operations_pb2.Operation(name=NAME, done=True)
    video = types_pb2.Video(data=b"\x00" * 200_000, mime_type="video/mp4")
    op.response.Pack(types_pb2.GenerateVideosResponse(generated_videos=[types_pb2.GeneratedVideo(video=video)]))
    metadata = types_pb2.OperationMetadata(progress_percent=100)
    metadata.create_time.FromSeconds(int(time.time()) - 60)
    op.metadata.Pack(metadata)
    server.put(op)
    return server, NAME


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one run of `argv`."""
    start, cpu = time.perf_counter(), _cpu()
    out = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=60, check=False)
    elapsed = time.perf_counter() - start
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({out.returncode}): {out.stderr.decode()}")
    return elapsed, _cpu() - cpu


def measure(runs: int) -> dict[str, list[tuple[float, float]]]:
    """(wall, CPU) seconds of each command's `runs` runs, alternating, after one warm-up run
    each, against a fresh server (scripts/bench.py's `cli` case calls this)."""
    server, name = _server()
    env = dict(os.environ, GENAI_GRPC_EMULATOR_HOST=server.address)  # type: ignore[attr-defined]
    commands = {
        'python -c "import grpc"': [sys.executable, "-c", "import grpc"],
        "python -m genai_grpc get NAME": [sys.executable, "-m", "genai_grpc", "get", name],
        "python -m genai_grpc get NAME --json": [sys.executable, "-m", "genai_grpc", "get", name, "--json"],
        "python -m genai_grpc --help": [sys.executable, "-m", "genai_grpc", "--help"],
        # Where the time goes: the library's import, and the same get without the CLI.
        'python -c "import genai_grpc.client"': [sys.executable, "-c", "import genai_grpc.client"],
        "python -c <Client().operations.get>": [sys.executable, "-c", _LIBRARY_GET.format(name=name)],
    }
    times: dict[str, list[tuple[float, float]]] = {label: [] for label in commands}
    try:
        for argv in commands.values():  # warm the file cache once
            _run(argv, env)
        for _ in range(runs):
            for label, argv in commands.items():
                times[label].append(_run(argv, env))
    finally:
        server.__exit__(None, None, None)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10, help="runs of each command (default: 10)")
    runs = parser.parse_args().runs
    _report(measure(runs), runs)
    return 0


def _report(times: dict[str, list[tuple[float, float]]], runs: int) -> None:
    floor_label = 'python -c "import grpc"'
    floor = statistics.median(wall for wall, _ in times[floor_label])
    floor_cpu = statistics.median(cpu for _, cpu in times[floor_label])
    print(
        f"{'command':<38} {'wall':>6} {'min':>6} {'vs floor':>8}   {'CPU':>6} {'vs floor':>8}"
        f"   (medians of {runs} alternating runs, seconds)"
    )
    for label, values in times.items():
        wall = statistics.median(w for w, _ in values)
        cpu = statistics.median(c for _, c in values)
        low = min(w for w, _ in values)
        print(f"{label:<38} {wall:6.3f} {low:6.3f} {wall - floor:+8.3f}   {cpu:6.3f} {cpu - floor_cpu:+8.3f}")
    over = statistics.median(w for w, _ in times["python -m genai_grpc get NAME"]) - floor
    verdict = "meets" if over <= TARGET_S else "MISSES"
    print(
        f"get is {over:.3f} s (wall) above the floor: {verdict} the target of {TARGET_S:.2f} s;"
        f" load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"
    )


if __name__ == "__main__":
    sys.exit(main())
