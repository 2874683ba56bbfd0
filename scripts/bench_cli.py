"""How long `python -m genai_grpc get NAME` takes, start to exit, beside `python -c "import grpc"`.

    python scripts/bench_cli.py [--runs 10]

Starts a local server on 127.0.0.1 (genai_grpc.server.LocalServer when bundled, else the
tests' scripted server) holding one finished video operation with a small inline video, then
alternates the commands so that both see the same machine state, and prints the medians.
Target: `get` at most 0.10 s above the `import grpc` floor.
"""

from __future__ import annotations

import argparse
import os
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


def _wall(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    out = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=60, check=False)
    elapsed = time.perf_counter() - start
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({out.returncode}): {out.stderr.decode()}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10, help="runs of each command (default: 10)")
    runs = parser.parse_args().runs
    server, name = _server()
    env = dict(os.environ, GENAI_GRPC_EMULATOR_HOST=server.address)  # type: ignore[attr-defined]
    commands = {
        'python -c "import grpc"': [sys.executable, "-c", "import grpc"],
        "python -m genai_grpc get NAME": [sys.executable, "-m", "genai_grpc", "get", name],
        "python -m genai_grpc get NAME --json": [sys.executable, "-m", "genai_grpc", "get", name, "--json"],
        "python -m genai_grpc --help": [sys.executable, "-m", "genai_grpc", "--help"],
    }
    times: dict[str, list[float]] = {label: [] for label in commands}
    try:
        for label, argv in commands.items():  # warm the file cache once
            _wall(argv, env)
        for _ in range(runs):
            for label, argv in commands.items():
                times[label].append(_wall(argv, env))
    finally:
        server.__exit__(None, None, None)
    _report(times, runs)
    return 0


def _report(times: dict[str, list[float]], runs: int) -> None:
    floor = statistics.median(times['python -c "import grpc"'])
    print(f"{'command':<40} {'median':>8} {'min':>8} {'vs floor':>9}   ({runs} runs each, alternating)")
    for label, values in times.items():
        median = statistics.median(values)
        print(f"{label:<40} {median:8.3f} {min(values):8.3f} {median - floor:+9.3f}")
    over = statistics.median(times["python -m genai_grpc get NAME"]) - floor
    verdict = "meets" if over <= TARGET_S else "MISSES"
    print(f"get is {over:.3f} s above the floor: {verdict} the target of {TARGET_S:.2f} s")


if __name__ == "__main__":
    sys.exit(main())
