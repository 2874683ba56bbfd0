"""Transient faults from the bundled server's switches, through wait and get, sync and aio.

Timing checks are only generous "stopped within" bounds.
"""

from __future__ import annotations

import time

import pytest

from genai_grpc import Client, errors, types
from genai_grpc.server import LocalServer
from tests.conftest import Side

from .conftest import FAST_POLL, QUICK_RETRY, ScriptedFaults

GET_ONLY = types.PollPolicy(initial=0.02, maximum=0.2, long_poll=0)


def start(client: Client) -> str:
    return client.models.generate_videos(model="veo-2.0", prompt="a cat").name


def test_a_burst_of_unavailable_is_ridden_out(server: LocalServer, client: Client, ops: Side) -> None:
    name = start(client)
    server.faults = faults = ScriptedFaults(["UNAVAILABLE"] * 8)
    started = time.monotonic()
    op = ops.wait(name, timeout=20, poll=FAST_POLL, retry=QUICK_RETRY)
    assert op.done and op.error is None and op.response.generated_videos
    assert len(faults.arrivals) == 9 and not faults.script  # 8 failures, then the answer
    assert time.monotonic() - started < 10


def test_an_outage_longer_than_the_budget_names_the_last_status(server: LocalServer, client: Client, ops: Side) -> None:
    name = start(client)
    server.faults.fail_rate = 1.0  # UNAVAILABLE, every call
    started = time.monotonic()
    with pytest.raises(errors.OperationTimeoutError) as caught:
        ops.wait(name, timeout=1.5, poll=FAST_POLL, retry=QUICK_RETRY)
    assert time.monotonic() - started < 1.5 + 2
    error = caught.value
    assert isinstance(error.last_error, errors.ServerError)
    assert error.last_error.status == "UNAVAILABLE" and error.last_error.code == 503
    assert "UNAVAILABLE" in str(error) and name in str(error)
    assert [op.name for op in error.pending] == [name]


def test_an_outage_longer_than_max_outage_raises_the_last_error(server: LocalServer, client: Client, ops: Side) -> None:
    name = start(client)
    server.faults.fail_rate = 1.0
    retry = types.RetryPolicy(initial=0.02, maximum=0.2, max_outage=1.0)
    started = time.monotonic()
    with pytest.raises(errors.ServerError) as caught:
        ops.wait(name, poll=FAST_POLL, retry=retry)  # no timeout: max_outage bounds it
    assert caught.value.status == "UNAVAILABLE"
    assert time.monotonic() - started < 1.0 + 2


def test_resource_exhausted_waits_for_the_retry_info_delay(server: LocalServer, client: Client, ops: Side) -> None:
    name = start(client)
    server.faults = faults = ScriptedFaults(["RESOURCE_EXHAUSTED"])
    faults.retry_delay_s = 1.0
    # The client's own backoff would retry within 20 ms; the server asked for 1 s.
    op = ops.wait(name, timeout=20, poll=FAST_POLL, retry=QUICK_RETRY)
    assert op.done
    first, second = faults.arrivals[:2]
    assert 0.9 <= second - first < 4


def test_a_server_slower_than_the_deadline_is_a_504_at_the_deadline(
    server: LocalServer, client: Client, ops: Side
) -> None:
    name = start(client)
    server.faults.latency_s = 4.0
    started = time.monotonic()
    with pytest.raises(errors.ServerError) as caught:
        ops.get(name, timeout=1.0)
    elapsed = time.monotonic() - started
    assert caught.value.code == 504 and caught.value.status == "DEADLINE_EXCEEDED"
    assert 0.9 <= elapsed < 1.0 + 2


def test_a_wait_on_a_server_slower_than_each_call_ends_at_its_budget(server: LocalServer) -> None:
    with Client(endpoint=server.address, timeout=0.5) as slow_calls:
        name = start(slow_calls)
        server.faults.latency_s = 3.0
        started = time.monotonic()
        with pytest.raises(errors.OperationTimeoutError) as caught:
            slow_calls.operations.wait(name, timeout=2.0, poll=GET_ONLY, retry=QUICK_RETRY)
        assert time.monotonic() - started < 2.0 + 2
    assert caught.value.last_error is not None and caught.value.last_error.code == 504


def test_an_answer_that_is_not_an_operation_is_a_clear_server_error(
    server: LocalServer, client: Client, ops: Side
) -> None:
    name = start(client)
    server.faults.garbage = True
    for call in (lambda: ops.get(name), lambda: ops.wait(name, timeout=20, poll=FAST_POLL)):
        started = time.monotonic()
        with pytest.raises(errors.ServerError) as caught:
            call()
        assert caught.value.code == 500 and caught.value.status == "INTERNAL"
        assert "not a valid" in caught.value.message
        assert time.monotonic() - started < 5  # not retried until the budget runs out


def test_a_missing_api_key_is_a_401_at_once_not_retried(server: LocalServer, client: Client, ops: Side) -> None:
    name = start(client)
    server.faults.api_key = "sekret"
    started = time.monotonic()
    with pytest.raises(errors.ClientError) as caught:
        ops.wait(name, timeout=20, poll=FAST_POLL)
    assert caught.value.code == 401 and caught.value.reasons == ("API_KEY_MISSING",)
    assert time.monotonic() - started < 5


def test_a_huge_retry_info_delay_is_cut_to_the_outage_limit(server: LocalServer, client: Client, ops: Side) -> None:
    """A server asking for an hour's pause does not park a wait without a timeout for an
    hour: it retries when max_outage runs out (and here succeeds)."""
    name = start(client)
    server.faults = faults = ScriptedFaults(["RESOURCE_EXHAUSTED"])
    faults.retry_delay_s = 3600.0
    retry = types.RetryPolicy(initial=0.02, maximum=0.2, max_outage=1.0)
    started = time.monotonic()
    assert ops.wait(name, poll=FAST_POLL, retry=retry).done
    assert time.monotonic() - started < 1.0 + 2
    assert len(faults.arrivals) == 2
