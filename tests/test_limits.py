"""Answers bigger than grpc's default limits: a long status message is the real error, at once,
and a RESOURCE_EXHAUSTED that grpc makes on this side is never retried. Sync and aio, against
a real server on 127.0.0.1."""

from __future__ import annotations

import grpc
import pytest

from genai_grpc import errors, types
from genai_grpc._waiting import transient
from tests.conftest import Side
from tests.scripted import ScriptedServer

QUICK = types.RetryPolicy(initial=0.01, maximum=0.05)
GRPC_LIMIT = "Stream removed (received metadata size exceeds hard limit (value length 20000 vs. 16384))"


@pytest.mark.parametrize("size", [9_000, 12_000, 20_000, 200_000])
def test_a_long_status_message_is_the_real_error_at_once(scripted: ScriptedServer, ops: Side, size: int) -> None:
    message = "no such operation " + "x" * size
    for _ in range(1000):
        scripted.fail_next(grpc.StatusCode.NOT_FOUND, message)
    # Before: grpc turned it into a RESOURCE_EXHAUSTED of its own, retried until the timeout.
    with pytest.raises(errors.ClientError) as caught:
        ops.wait("operations/long", timeout=10, retry=QUICK)
    assert (caught.value.code, caught.value.message) == (404, message)
    assert len(scripted.received) == 1


def test_a_limit_of_the_client_is_not_retried(scripted: ScriptedServer, ops: Side) -> None:
    # Past even the raised limit: grpc's own RESOURCE_EXHAUSTED, reported once, not retried.
    huge = "x" * (5 << 20)
    for _ in range(1000):
        scripted.fail_next(grpc.StatusCode.NOT_FOUND, huge)
    with pytest.raises(errors.ClientError) as caught:
        ops.wait("operations/huge", timeout=10, retry=QUICK)
    assert caught.value.status == "RESOURCE_EXHAUSTED" and "metadata" in caught.value.message
    assert len(scripted.received) == 1


@pytest.mark.parametrize("message,retried", [
    ("quota exceeded", True),
    (GRPC_LIMIT, False),
    ("received metadata size exceeds soft limit (value length 9000 vs. 8192)", False),
    ("Received message larger than max (67109043 vs. 4194304)", False),
    ("Sent message larger than max (5 vs. 4)", False),
])  # fmt: skip
def test_which_resource_exhausted_is_retried(message: str, retried: bool) -> None:
    assert transient(errors.from_status(8, message)) is retried
    assert errors.made_by_grpc_limit(8, message) is not retried
    assert transient(errors.from_status(14, message))  # UNAVAILABLE stays transient
    assert not errors.made_by_grpc_limit(5, message)
