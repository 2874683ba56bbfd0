"""The request budget: its pure rate state machine on a fake clock, and real servers'
recorded arrivals (counts and causality, never the client's wall timing)."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import pytest

from genai_grpc import Client, errors, types
from genai_grpc._budget import Budget
from genai_grpc._generated.genai_grpc.v1 import service_pb2
from genai_grpc.server import LocalServer
from genai_grpc.server._build import IMPORT
from genai_grpc.server._store import NewOperation

# -- pure: a fake clock ---------------------------------------------------------------------


def sent_within(budget: Budget, start: float, seconds: float, step: float = 0.0005) -> list[float]:
    """Offer a request every `step` seconds of fake time; the times the budget let through."""
    sent, now = [], start
    while now < start + seconds:
        if budget.take(now):
            sent.append(now)
        now += step
    return sent


def test_requests_are_spaced_at_the_rate() -> None:
    budget = Budget(types.RequestBudget(max_rps=200), now=0.0)
    sent = sent_within(budget, 0.0, 2.0)
    assert len(sent) in (400, 401)
    windows = [sum(1 for t in sent if s <= t < s + 1) for s in sent if s <= 1.0]
    assert max(windows) <= 201 and min(windows) >= 199


def test_burst_after_a_quiet_spell_and_no_more() -> None:
    budget = Budget(types.RequestBudget(max_rps=10, burst=5), now=0.0)
    assert [budget.take(100.0) for _ in range(6)] == [True] * 5 + [False]
    assert budget.delay(100.0) == pytest.approx(0.05)  # half an interval of tolerance


def test_reserve_books_slots_one_after_another() -> None:
    budget = Budget(types.RequestBudget(max_rps=4), now=0.0)
    # The first booking may lag `now` by half an interval: the next ones are an interval apart.
    assert [budget.reserve(1.0) for _ in range(4)] == pytest.approx([0.0, 0.125, 0.375, 0.625])
    assert not budget.take(1.87) and budget.take(1.875)


def test_refusal_halves_the_rate_once_per_burst_then_it_climbs_back() -> None:
    policy = types.RequestBudget(max_rps=100, recover_s=10)
    budget = Budget(policy, now=0.0)
    for i in range(20):  # twenty refusals in one burst count once
        budget.refused(5.0 + i * 0.01, None)
    assert budget.rate == 50 and budget.refusals == 20
    budget.refused(6.5, None)  # half a second of recovery (+5) after the cooldown, then cut
    assert budget.rate == pytest.approx(27.5)
    budget.take(7.0)  # within the cooldown after a cut: no increase yet
    assert budget.rate == pytest.approx(27.5)
    budget.take(8.5)  # one second of recovery at 100 / 10 per second
    assert budget.rate == pytest.approx(37.5)
    budget.take(30.0)
    assert budget.rate == 100


def test_the_rate_never_goes_below_its_floor() -> None:
    budget = Budget(types.RequestBudget(max_rps=100, min_rps=30), now=0.0)
    for t in range(10):
        budget.refused(float(t), None)  # a second apart: no time to recover
    assert budget.rate == 30
    default = Budget(types.RequestBudget(max_rps=100), now=0.0)
    for t in range(10):
        default.refused(float(t), None)
    assert default.rate == 5  # max_rps / 20


def test_retry_info_pauses_everyone_up_to_max_pause() -> None:
    budget = Budget(types.RequestBudget(max_rps=100, max_pause=3), now=0.0)
    budget.refused(1.0, 2.0)
    assert not budget.take(2.9) and budget.delay(2.9) == pytest.approx(0.1)
    assert budget.take(3.0)
    budget.refused(10.0, 3600.0)  # an absurd RetryInfo delay is capped
    assert not budget.take(12.9) and budget.take(13.0)


def test_spacing_follows_the_lowered_rate() -> None:
    budget = Budget(types.RequestBudget(max_rps=100, recover_s=1000), now=0.0)
    budget.refused(0.0, None)
    sent = sent_within(budget, 0.0, 1.0)
    assert 49 <= len(sent) <= 51


def test_rate_changes_are_logged_at_debug(caplog: pytest.LogCaptureFixture) -> None:
    budget = Budget(types.RequestBudget(max_rps=100, recover_s=1), now=0.0)
    with caplog.at_level(logging.DEBUG, logger="genai_grpc"):
        budget.refused(0.0, 0.5)
        budget.take(5.0)
    text = caplog.text
    assert "100.0 -> 50.0" in text and "no requests for 0.50s" in text and "back to 100.0" in text


@pytest.mark.parametrize(("kwargs", "wrong"), [
    ({"max_rps": 0}, "max_rps"), ({"max_rps": 10, "burst": 0.5}, "burst"),
    ({"max_rps": 10, "min_rps": 20}, "min_rps"), ({"max_rps": 10, "decrease": 0}, "decrease"),
    ({"max_rps": 10, "recover_s": 0}, "recover_s"), ({"max_rps": float("nan")}, "max_rps"),
])  # fmt: skip
def test_bad_policies_name_the_field(kwargs: dict[str, float], wrong: str) -> None:
    with pytest.raises(ValueError, match=f"RequestBudget.{wrong}"):
        types.RequestBudget(**kwargs)


def test_client_takes_max_rps_or_a_budget_not_both() -> None:
    with pytest.raises(ValueError, match="max_rps or budget"):
        Client(endpoint="127.0.0.1:1", max_rps=5, budget=types.RequestBudget(max_rps=5))
    with pytest.raises(TypeError, match="RequestBudget"):
        Client(endpoint="127.0.0.1:1", budget=5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_rps"):
        Client(endpoint="127.0.0.1:1", max_rps=-1)


# -- a real server ------------------------------------------------------------------------------

RATE, N = 40.0, 60
POLL = types.PollPolicy(initial=0.0, multiplier=1.0, maximum=0.0, long_poll=0)


def _stored(server: LocalServer, prefix: str, n: int, running_ns: int = 0) -> list[str]:
    request = service_pb2.ImportFileRequest(
        file_search_store_name="fileSearchStores/b", source={"gcs_uri": "gs://b/x"}
    ).SerializeToString()
    now = time.time_ns()
    ops = [NewOperation(f"fileSearchStores/b/operations/{prefix}{i}", IMPORT, request, i, now, running_ns)
           for i in range(n)]  # fmt: skip
    server.store.insert(ops)
    return [op.name for op in ops]


def assert_paced(arrivals: list[float], t0: float, rate: float, burst: float) -> None:
    """The k-th arrival (k = 1, 2, ...) cannot come before the k-th request may be sent,
    t0 + (k - burst - 0.5) / rate (half an interval is the budget's tolerance for late
    wakeups): each arrival follows its send, and the k-th of them in time follows the k-th
    send. Holds however slow the machine is; fails if the client bursts."""
    for k, at in enumerate(sorted(arrivals), start=1):
        assert at >= t0 + (k - burst - 0.5) / rate - 1e-6, (k, at - t0)


@pytest.mark.parametrize("side", ["sync", "aio"])
def test_a_fleet_keeps_to_the_budget(side: str) -> None:
    with LocalServer(duration_s=0.0) as server:
        names = _stored(server, side, N, running_ns=300_000_000)  # most need a second poll
        arrivals = server.record_arrivals()
        with Client(endpoint=server.address, poll=POLL, max_rps=RATE) as client:
            t0 = time.monotonic()
            if side == "sync":
                done = client.operations.wait_all(names, timeout=60, concurrency=50)
            else:

                async def main() -> list[types.Operation]:
                    async with client.aio:
                        return await client.aio.operations.wait_all(names, timeout=60, concurrency=50)

                done = asyncio.run(main())
        assert all(op.done for op in done) and len(done) == N
        gets = [t for t, method in arrivals if method == "get_operation"]
        assert len(gets) > N  # the budget was what held the polls back, not the operations
        assert_paced(gets, t0, RATE, burst=1)


def test_sync_and_aio_calls_share_one_budget() -> None:
    with LocalServer(duration_s=0.0) as server:
        names = _stored(server, "shared", 30)
        arrivals = server.record_arrivals()
        with Client(endpoint=server.address, poll=POLL, max_rps=RATE) as client:
            t0 = time.monotonic()

            async def aio_half() -> list[types.Operation]:
                async with client.aio:
                    return [await client.aio.operations.get(name) for name in names[15:]]

            import threading

            thread_result: list[types.Operation] = []
            thread = threading.Thread(target=lambda: thread_result.extend(asyncio.run(aio_half())))
            thread.start()
            sync_half = [client.operations.get(name) for name in names[:15]]
            thread.join(60)
        assert len(sync_half) + len(thread_result) == 30
        assert_paced([t for t, _ in arrivals], t0, RATE, burst=1)


def test_resource_exhausted_slows_the_fleet_and_nothing_is_lost() -> None:
    with LocalServer(duration_s=0.0) as server:
        names = _stored(server, "refused", 40)
        server.faults.fail_code = "RESOURCE_EXHAUSTED"
        server.faults.fail_next = 5
        server.faults.retry_delay_s = 0.2
        arrivals = server.record_arrivals()
        retry = types.RetryPolicy(initial=0.01, maximum=0.05)
        policy = types.RequestBudget(max_rps=100, recover_s=1e7)  # next to no recovery in the test
        with Client(endpoint=server.address, poll=POLL, retry=retry, budget=policy) as client:
            # One call at a time, so each arrival comes after the previous answer was handled.
            outcomes = client.operations.wait_all(names, timeout=60, concurrency=1, return_errors=True)
            budget = client._transport.budget
            assert budget is not None and budget.refusals == 5 and budget.rate <= 50.001
        assert all(o.succeeded for o in outcomes) and len(outcomes) == 40
        assert len(arrivals) == 45
        # After the first refusal the fleet waited out the RetryInfo pause, then went at <= 50/s.
        first_refusal = min(t for t, _ in arrivals)
        later = sorted(t for t, _ in arrivals if t > first_refusal)
        assert_paced(later, first_refusal + 0.2, 50.001, burst=1)


# -- pure: the fleet scheduler under a budget, and per-operation outcomes -------------------------


def _fleet(
    names: list[str],
    concurrency: int,
    budget: Budget | None = None,
    outcomes: bool = False,
    timeout: float | None = None,
) -> Any:
    from genai_grpc import _fleet
    from genai_grpc._routing import Features

    steady = types.PollPolicy(initial=1.0, multiplier=1.0, maximum=1.0, jitter=False, long_poll=0)
    retry = types.RetryPolicy(initial=0.5, jitter=False)
    return _fleet.build(_fleet.distinct(names), now=0.0, timeout=timeout, poll=steady, retry=retry,
                        rpc_timeout=60.0, features=Features(), concurrency=concurrency, outcomes=outcomes,
                        budget=budget)  # fmt: skip


def test_the_fleet_sends_only_what_the_budget_allows_and_sleeps_until_the_next_turn() -> None:
    from genai_grpc._generated.google.longrunning import operations_pb2
    from genai_grpc._waiting import Reply

    names = [f"operations/{i}" for i in range(50)]
    fleet = _fleet(names, concurrency=20, budget=Budget(types.RequestBudget(max_rps=10), now=0.0))
    now, sent = 0.0, []
    while not fleet.finished:
        for name, _ in fleet.start(now):
            sent.append(now)
            fleet.complete(name, Reply(now, value=operations_pb2.Operation(name=name, done=True)))
        wake = fleet.wakeup(now)
        if wake is not None:
            now += wake
    assert len(sent) == 50 and len(fleet.results) == 50
    for k, at in enumerate(sent, start=1):  # never ahead of the rate, never behind it either
        assert (k - 1.5) / 10 - 1e-9 <= at <= (k - 1) / 10 + 1e-9


def test_resource_exhausted_in_a_fleet_reaches_the_budget() -> None:
    from genai_grpc._waiting import Reply

    budget = Budget(types.RequestBudget(max_rps=100), now=0.0)
    fleet = _fleet(["operations/a", "operations/b"], concurrency=2, budget=budget)
    calls = fleet.start(0.0)
    assert len(calls) == 1  # burst 1: the second waits its turn
    refusal = errors.from_status(8, "quota", ({"@type": "type.googleapis.com/google.rpc.RetryInfo",
                                               "retryDelay": "2s"},))  # fmt: skip
    fleet.complete("operations/a", Reply(0.001, error=refusal))
    assert budget.rate == 50 and budget.refusals == 1 and fleet.retries == 1
    assert fleet.start(1.0) == []  # everyone waits out the RetryInfo delay
    assert fleet.wakeup(1.0) == pytest.approx(1.001)
    assert fleet.rpcs == {("GetOperation", 8): 1}


def test_outcomes_mode_ends_every_name_in_one_outcome() -> None:
    from genai_grpc._generated.google.longrunning import operations_pb2
    from genai_grpc._waiting import Reply

    fleet = _fleet(["operations/ok", "operations/gone", "operations/slow"], concurrency=5, outcomes=True,
                   timeout=3.0)  # fmt: skip
    assert len(fleet.start(0.0)) == 3
    fleet.complete("operations/ok", Reply(0.1, value=operations_pb2.Operation(name="operations/ok", done=True)))
    fleet.complete("operations/gone", Reply(0.1, error=errors.from_status(5, "not found")))  # no raise
    fleet.complete("operations/slow", Reply(0.1, value=operations_pb2.Operation(name="operations/slow")))
    now = 0.1
    while not fleet.finished:
        for name, _ in fleet.start(now):
            fleet.complete(name, Reply(now, value=operations_pb2.Operation(name=name)))
        now += fleet.wakeup(now) or 0.0
    fleet.check()  # nothing raised: the timeout is the slow one's outcome
    ended = {o.name: o for o in fleet.events}
    assert ended["operations/ok"].succeeded
    assert isinstance(ended["operations/gone"].error, errors.ClientError)
    slow = ended["operations/slow"]
    assert isinstance(slow.error, errors.OperationTimeoutError) and slow.operation.name == "operations/slow"
    assert set(fleet.ended) == set(ended) and len(fleet.events) == 3


def test_a_call_that_waited_for_its_turn_is_cut_to_the_time_left() -> None:
    budget = Budget(types.RequestBudget(max_rps=1), now=0.0)
    budget.refused(0.0, 9.0)  # nothing before t=9
    fleet = _fleet(["operations/a"], concurrency=1, budget=budget, timeout=10.0)
    assert fleet.start(0.0) == []
    ((_, call),) = fleet.start(9.0)
    assert call.timeout == pytest.approx(1.0)  # not the 10 s the wait asked for at t=0
