"""Pure tests of the wait algorithm and the fleet scheduler: a fake clock, no server, no sleep."""

from __future__ import annotations

from typing import Any

import pytest

from genai_grpc import _fleet, _seconds, _waiting, errors, types
from genai_grpc._convert import to_operation
from genai_grpc._generated.google.longrunning import operations_pb2
from genai_grpc._waiting import GET, WAIT, Call, Emit, Features, Plan, Reply, Sleep

NAME = "operations/1"
STEADY = types.PollPolicy(initial=1.0, multiplier=2.0, maximum=5.0, jitter=False, long_poll=0)
NO_JITTER_RETRY = types.RetryPolicy(initial=0.5, multiplier=2.0, maximum=4.0, jitter=False)


def pb(done: bool = False, progress: int = 0) -> operations_pb2.Operation:
    op = operations_pb2.Operation(name=NAME, done=done)
    if progress:
        from google.protobuf import struct_pb2

        op.metadata.Pack(struct_pb2.Struct(fields={"p": struct_pb2.Value(number_value=progress)}))
    return op


def plan(
    timeout: float | None = None, poll: types.PollPolicy = STEADY, retry: types.RetryPolicy = NO_JITTER_RETRY, **kw: Any
) -> Plan:
    return Plan(
        deadline=None if timeout is None else timeout, timeout=timeout, poll=poll, retry=retry, rpc_timeout=60.0, **kw
    )


def machine(
    p: Plan, features: Features | None = None, known: types.Operation | None = None, rand: Any = lambda: 0.5
) -> _waiting.Machine:
    return _waiting.wait_for(NAME, to_operation, p, features or Features(), 0.0, known, rand)


def err(code: int, details: tuple[dict[str, Any], ...] = ()) -> errors.APIError:
    return errors.from_status(code, "x", details)


def test_poll_schedule_is_exponential_and_capped() -> None:
    m = machine(plan())
    assert next(m) == Call(GET, 60.0)
    now, sleeps = 0.0, []
    for _ in range(5):
        step = m.send(Reply(now, value=pb()))
        assert isinstance(step, Sleep)
        sleeps.append(step.until - now)
        now = step.until
        assert m.send(Reply(now)) == Call(GET, 60.0)
    assert sleeps == [1.0, 2.0, 4.0, 5.0, 5.0]


def test_full_jitter_draws_below_the_cap() -> None:
    m = machine(plan(poll=types.PollPolicy(initial=4.0, long_poll=0)), rand=lambda: 0.25)
    next(m)
    assert m.send(Reply(0.0, value=pb())) == Sleep(1.0)


def test_schedule_spaces_call_starts_so_slow_answers_need_no_sleep() -> None:
    m = machine(plan())
    next(m)
    assert m.send(Reply(3.0, value=pb())) == Call(GET, 60.0)  # answered after the 1 s interval


def test_rpc_deadline_never_passes_the_budget_and_it_gives_up_before_sleeping_past_it() -> None:
    m = machine(plan(timeout=2.5))
    assert next(m) == Call(GET, 2.5)
    assert m.send(Reply(0.0, value=pb(progress=5))) == Sleep(1.0)
    assert m.send(Reply(1.0)) == Call(GET, 1.5)
    with pytest.raises(errors.OperationTimeoutError) as info:
        m.send(Reply(1.2, value=pb(progress=7)))  # next call at 3.0 > deadline 2.5
    assert isinstance(info.value, TimeoutError)
    assert info.value.operation.metadata == {"p": 7.0} and info.value.last_error is None
    assert info.value.pending == (info.value.operation,)


def test_zero_timeout_sends_nothing() -> None:
    with pytest.raises(errors.OperationTimeoutError) as info:
        next(machine(plan(timeout=0.0)))
    assert info.value.operation is None


def test_known_done_operation_needs_no_call() -> None:
    done = types.Operation(name=NAME, done=True)
    with pytest.raises(StopIteration) as info:
        next(machine(plan(), known=done))
    assert info.value.value is done


def test_wait_operation_holds_within_the_budget() -> None:
    m = machine(plan(timeout=100.0, poll=types.PollPolicy(long_poll=30.0)))
    assert next(m) == Call(WAIT, 90.0, 30.0)
    assert m.send(Reply(30.0, value=pb())) == Call(WAIT, 70.0, 30.0)  # held 30 s: no sleep
    m = machine(plan(timeout=10.0, poll=types.PollPolicy(long_poll=30.0)))
    call = next(m)
    assert call.method == WAIT and call.hold == pytest.approx(9.0) and call.timeout == 10.0


def test_unimplemented_wait_falls_back_to_get_at_once_and_is_remembered() -> None:
    features = Features()
    m = machine(plan(poll=types.PollPolicy(long_poll=60.0)), features)
    assert next(m).method == WAIT
    assert m.send(Reply(0.1, error=err(12))) == Call(GET, 60.0)
    assert features.wait_operation is False
    assert next(machine(plan(poll=types.PollPolicy(long_poll=60.0)), features)).method == GET


def test_unimplemented_get_is_permanent() -> None:
    m = machine(plan())
    next(m)
    with pytest.raises(errors.ServerError):
        m.send(Reply(0.0, error=err(12)))


def test_transient_errors_back_off_separately_from_the_poll_schedule() -> None:
    m = machine(plan())
    next(m)
    assert m.send(Reply(0.0, error=err(14))) == Sleep(0.5)
    assert m.send(Reply(0.5)) == Call(GET, 60.0)
    assert m.send(Reply(0.5, error=err(14))) == Sleep(1.5)
    m.send(Reply(1.5))
    assert m.send(Reply(1.5, value=pb())) == Sleep(2.5)  # poll schedule untouched: first interval
    m.send(Reply(2.5))
    assert m.send(Reply(2.5, error=err(14))) == Sleep(3.0)  # retry backoff restarted


def test_resource_exhausted_honours_retry_info() -> None:
    info = ({"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "7s"},)
    m = machine(plan())
    next(m)
    assert m.send(Reply(1.0, error=err(8, info))) == Sleep(8.0)


def test_permanent_error_raises_at_once_with_details() -> None:
    m = machine(plan(timeout=100))
    next(m)
    detail = ({"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "GONE"},)
    with pytest.raises(errors.ClientError) as info:
        m.send(Reply(0.0, error=err(5, detail)))
    assert info.value.code == 404 and info.value.reasons == ("GONE",)


def test_outage_through_the_deadline_names_the_last_error() -> None:
    m = machine(plan(timeout=3.0))
    next(m)
    now = 0.0
    with pytest.raises(errors.OperationTimeoutError) as info:
        while True:
            step = m.send(Reply(now, error=err(14)))
            now = step.until
            m.send(Reply(now))
    assert info.value.last_error.status == "UNAVAILABLE" and "UNAVAILABLE" in str(info.value)
    assert info.value.__cause__ is None and now < 3.0


def test_without_a_timeout_a_long_outage_raises_the_last_error() -> None:
    retry = types.RetryPolicy(initial=10, maximum=10, jitter=False, max_outage=25)
    m = machine(plan(retry=retry))
    next(m)
    now = 0.0
    with pytest.raises(errors.ServerError):
        for _ in range(10):
            now = m.send(Reply(now, error=err(14))).until
            m.send(Reply(now))
    assert now == 25.0  # the last retry is at the outage limit, not past it


def test_watch_emits_each_change_then_returns_the_done_one() -> None:
    m = machine(plan(watch=True))
    next(m)
    seen = []
    now = 0.0
    for snap in (pb(progress=10), pb(progress=10), pb(progress=50)):
        step = m.send(Reply(now, value=snap))
        while isinstance(step, Emit):
            seen.append(step.operation.metadata["p"])
            step = m.send(Reply(now))
        if isinstance(step, Sleep):
            now = step.until
            m.send(Reply(now))
    with pytest.raises(StopIteration) as info:
        m.send(Reply(now, value=pb(done=True)))
    assert seen == [10.0, 50.0] and info.value.value.done


def fleet_of(
    names: list[str], concurrency: int, timeout: float | None = None, poll: types.PollPolicy = STEADY
) -> _fleet.Fleet:
    return _fleet.build(
        _fleet.distinct(names),
        now=0.0,
        timeout=timeout,
        poll=poll,
        retry=NO_JITTER_RETRY,
        rpc_timeout=60.0,
        features=Features(),
        concurrency=concurrency,
    )


def test_fleet_bounds_calls_in_flight_and_finishes_everyone() -> None:
    names = [f"operations/{i}" for i in range(10)]
    fleet = fleet_of(names + names[:3], concurrency=3)
    polls: dict[str, int] = {}
    now, peak, inflight = 0.0, 0, []
    while not fleet.finished:
        inflight += fleet.start(now)
        peak = max(peak, len(inflight))
        assert all(call.method == GET for _, call in inflight)  # more ops than slots: no long polls
        if not inflight:
            now += fleet.wakeup(now) or 0.0
            continue
        name, _ = inflight.pop(0)
        polls[name] = polls.get(name, 0) + 1
        fleet.complete(name, Reply(now, value=operations_pb2.Operation(name=name, done=polls[name] == 3)))
    assert peak == 3 and set(fleet.results) == set(names) and all(n == 3 for n in polls.values())
    assert [op.name for op in fleet.events] == sorted(names, key=lambda n: fleet_order(fleet, n))
    fleet.check()


def fleet_order(fleet: _fleet.Fleet, name: str) -> int:
    return [op.name for op in fleet.events].index(name)


def test_fleet_timeout_lists_every_pending_operation() -> None:
    fleet = fleet_of(
        ["operations/a", "operations/b", "operations/c"],
        concurrency=5,
        timeout=1.5,
        poll=types.PollPolicy(jitter=False),
    )
    calls = fleet.start(0.0)
    assert {c.method for _, c in calls} == {WAIT}  # a small fleet long-polls
    fleet.complete("operations/a", Reply(0.5, value=operations_pb2.Operation(name="operations/a", done=True)))
    fleet.complete("operations/b", Reply(1.5, value=operations_pb2.Operation(name="operations/b")))
    fleet.complete("operations/c", Reply(1.5, error=err(14)))
    assert fleet.finished
    with pytest.raises(errors.OperationTimeoutError) as info:
        fleet.check()
    assert sorted(op.name for op in info.value.pending) == ["operations/b", "operations/c"]
    assert info.value.last_error.status == "UNAVAILABLE" and "2 of 3" in str(info.value)


def test_fleet_permanent_error_propagates() -> None:
    fleet = fleet_of(["operations/a"], concurrency=1)
    fleet.start(0.0)
    with pytest.raises(errors.ClientError):
        fleet.complete("operations/a", Reply(0.0, error=err(5)))


@pytest.mark.parametrize(
    "bad", [dict(initial=-1), dict(multiplier=0.5), dict(maximum=float("inf")), dict(initial="1"), dict(long_poll=True)]
)
def test_poll_policy_rejects_nonsense(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="PollPolicy"):
        types.PollPolicy(**bad)


@pytest.mark.parametrize("bad", [-1, "5", float("nan"), True])
def test_bad_timeouts_are_value_errors(bad: object) -> None:
    with pytest.raises(ValueError, match="timeout"):
        _seconds.check(bad, "timeout", finite=False, optional=True)


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_bad_concurrency_is_a_value_error(bad: object) -> None:
    with pytest.raises(ValueError, match="concurrency"):
        fleet_of(["operations/a"], concurrency=bad)  # type: ignore[arg-type]


def test_a_call_cut_short_by_the_budget_is_a_timeout_not_an_error() -> None:
    m = machine(plan(timeout=2.0))
    assert next(m) == Call(GET, 2.0)
    with pytest.raises(errors.OperationTimeoutError) as info:
        m.send(Reply(2.0, error=err(4)))
    assert info.value.last_error is None


def test_a_call_that_timed_out_on_its_own_deadline_is_retried() -> None:
    m = machine(plan(timeout=100.0))
    assert next(m) == Call(GET, 60.0)
    assert isinstance(m.send(Reply(60.0, error=err(4))), Sleep)
