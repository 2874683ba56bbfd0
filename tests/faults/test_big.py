"""A 64 MiB video through get and wait, sync and aio, and the client's peak memory for it.

Memory is measured in a child process (the server lives in this one): VmHWM, the peak
resident size of the child, after imports and an open channel versus after the call.
(ru_maxrss would do, but Linux carries it across exec from the forking parent.)

grpc alone, receiving the answer as raw bytes with no parsing at all, peaks at 3.0x the
payload (its transport buffers, the assembled message, the Python bytes). That is measured
in the same run and is the floor: genai_grpc must add less than a quarter of a copy to it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from genai_grpc import Client
from genai_grpc.server import LocalServer
from tests.conftest import Side

from .conftest import FAST_POLL

pytestmark = pytest.mark.slow  # run once, not per Python (scripts/test.sh)

SIZE = 64 << 20
MAX_OVER_GRPC = 0.25  # of the payload, on top of grpc's own peak
MAX_RATIO = 3.25

CHILD = r"""
import asyncio, json, sys
from genai_grpc import Client

def peak_mib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024

address, small, big, how = sys.argv[1:5]
with Client(endpoint=address) as client:
    if how == "grpc-raw":  # the floor: a bare grpc channel, the answer left as bytes
        import grpc
        from genai_grpc._generated.google.longrunning import operations_pb2 as pb
        channel = grpc.insecure_channel(address, options=[("grpc.max_receive_message_length", -1)])
        get = channel.unary_unary("/google.longrunning.Operations/GetOperation",
                                  request_serializer=pb.GetOperationRequest.SerializeToString)
        get(pb.GetOperationRequest(name=small))
        base = peak_mib()
        data = get(pb.GetOperationRequest(name=big))
        print(json.dumps({"base_mib": base, "peak_mib": peak_mib(), "size": len(data)}))
        sys.exit(0)
    if how.startswith("sync"):
        client.operations.get(small)  # opens the channel: its buffers are in the baseline
        base = peak_mib()
        ops = client.operations
        op = ops.get(big) if how == "sync-get" else ops.wait(big, timeout=60)
    else:
        async def main():
            await client.aio.operations.get(small)
            base = peak_mib()
            ops = client.aio.operations
            op = await (ops.get(big) if how == "aio-get" else ops.wait(big, timeout=60))
            await client.aio.aclose()
            return base, op
        base, op = asyncio.run(main())
    peak = peak_mib()
    print(json.dumps({"base_mib": base, "peak_mib": peak,
                      "size": len(op.response.generated_videos[0].video.data)}))
"""


@pytest.fixture(scope="module")
def big_and_small(server: LocalServer) -> Iterator[tuple[str, str]]:
    with Client(endpoint=server.address) as client:
        small = client.models.generate_videos(model="veo-2.0", prompt="small")
        big = client.models.generate_videos(model="veo-2.0", prompt="big", config={"video_size_bytes": SIZE})
        yield big.name, small.name


def test_a_64_mib_video_through_get_and_wait(big_and_small: tuple[str, str], ops: Side) -> None:
    big, _ = big_and_small
    for op in (ops.get(big), ops.wait(big, timeout=60, poll=FAST_POLL)):
        video = op.response.generated_videos[0].video
        assert len(video.data) == SIZE and video.data[4:8] == b"ftyp"


def peak_ratio(server: LocalServer, big: str, small: str, how: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, server.address, small, big, how],
        check=False, capture_output=True, text=True, timeout=120, env=dict(os.environ),
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    assert figures["size"] >= SIZE
    figures["ratio"] = (figures["peak_mib"] - figures["base_mib"]) * (1 << 20) / SIZE
    return figures


def test_peak_client_memory_for_a_64_mib_video_is_grpcs_own(
    server: LocalServer, big_and_small: tuple[str, str]
) -> None:
    floor = peak_ratio(server, *big_and_small, "grpc-raw")["ratio"]
    for how in ("sync-get", "aio-wait"):
        figures = peak_ratio(server, *big_and_small, how)
        print(f"\n{how}: {figures}, grpc alone: {floor:.2f}x")
        assert figures["ratio"] - floor < MAX_OVER_GRPC, (figures, floor)
        assert figures["ratio"] < MAX_RATIO, figures
