"""How to wait for one operation, as a generator of steps. Pure: no grpc, asyncio or time.

`wait_for(...)` yields what to do next and is sent what happened, with the current time:

    Call(method, timeout, hold)  send one RPC  -> sent Reply(now, value=pb) or Reply(now, error=APIError)
    Sleep(until)                 do nothing until that time -> sent Reply(now)
    Emit(operation)              (watch only) hand a changed snapshot out -> sent Reply(now)

and returns the finished Operation. It raises OperationTimeoutError when the budget runs out
and the APIError of a permanent failure at once. The I/O shells (genai_grpc/_async, _sync)
only carry the steps out, so every decision here is tested with a fake clock.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from genai_grpc._codes import Code
from genai_grpc._routing import Features
from genai_grpc.errors import APIError, OperationTimeoutError, made_by_grpc_limit
from genai_grpc.types import Operation, PollPolicy, RetryPolicy

GET = "GetOperation"
WAIT = "WaitOperation"
#: Retried within the budget (DEADLINE_EXCEEDED: of one RPC). CANCELLED here never comes from
#: this client (grpc reports its own cancellations as another exception): it is a server going
#: away with the call in flight ("GOAWAY ... Cancelling all calls"), and both RPCs are reads.
TRANSIENT = frozenset({Code.UNAVAILABLE, Code.RESOURCE_EXHAUSTED, Code.DEADLINE_EXCEEDED, Code.CANCELLED})
#: Below this many seconds left, an RPC could not come back in time: give up instead.
MIN_RPC = 0.001
_log = logging.getLogger("genai_grpc.wait")


# The steps are NamedTuples, not frozen dataclasses: a fleet makes a Call and a Reply per
# poll, and a NamedTuple is built in about half the time (BENCHMARKS.md, "The cost of a look").


class Call(NamedTuple):
    """Send `method` with this RPC deadline (seconds); `hold` is WaitOperation's timeout."""

    method: str
    timeout: float
    hold: float | None = None


class Sleep(NamedTuple):
    """Do nothing until monotonic time `until`."""

    until: float


class Emit(NamedTuple):
    """Hand this snapshot to the caller (watch)."""

    operation: Operation


class Reply(NamedTuple):
    """What happened: the time, and the Call's answer (a google.longrunning.Operation) or error."""

    now: float
    value: Any = None
    error: APIError | None = None


Step = Call | Sleep | Emit
Machine = Generator[Step, Reply, Operation]


@dataclass(frozen=True, slots=True)
class Plan:
    """The budget and schedules shared by every operation of one wait."""

    deadline: float | None
    timeout: float | None
    poll: PollPolicy
    retry: RetryPolicy
    rpc_timeout: float
    use_wait: bool = True
    watch: bool = False
    #: The GetOperation call with the full RPC deadline, which nearly every poll sends.
    get: Call = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "get", Call(GET, self.rpc_timeout))


def jittered(cap: float, jitter: bool, rand: Callable[[], float]) -> float:
    return rand() * cap if jitter else cap


def next_call(plan: Plan, features: Features, now: float) -> Call | None:
    """The next RPC, its deadline capped by the budget left; None when none fits."""
    remaining = None if plan.deadline is None else plan.deadline - now
    if remaining is not None and remaining < MIN_RPC:
        return None
    rpc = plan.rpc_timeout if remaining is None else min(plan.rpc_timeout, remaining)
    if plan.use_wait and features.wait_operation and plan.poll.long_poll > 0:
        if remaining is None:
            hold = plan.poll.long_poll
            return Call(WAIT, hold + plan.rpc_timeout, hold)
        # Ask the server to answer a little before our own deadline, so its answer arrives.
        hold = min(plan.poll.long_poll, remaining * 0.9)
        return Call(WAIT, min(remaining, hold + plan.rpc_timeout), hold)
    return plan.get if rpc == plan.rpc_timeout else Call(GET, rpc)


def budget_capped(plan: Plan, started: float, call: Call) -> bool:
    """Whether `call`'s deadline was the end of the wait's budget."""
    return plan.deadline is not None and started + call.timeout >= plan.deadline - MIN_RPC


def transient(error: APIError) -> bool:
    """Whether a wait retries `error`: a TRANSIENT code, except grpc's own RESOURCE_EXHAUSTED
    for a size limit, which the same call would break again."""
    return error.grpc_code in TRANSIENT and not made_by_grpc_limit(error.grpc_code, error.message)


def retry_after(error: APIError, cap: float, retry: RetryPolicy, rand: Callable[[], float]) -> float:
    """Seconds to wait after a transient failure: the server's RetryInfo delay, if any."""
    if error.grpc_code == Code.RESOURCE_EXHAUSTED and error.retry_delay is not None:
        return max(0.0, error.retry_delay)
    return jittered(cap, retry.jitter, rand)


def timeout_error(
    name: str, plan: Plan, snapshot: Operation | None, last_error: APIError | None
) -> OperationTimeoutError:
    why = f"; last error: {last_error}" if last_error is not None else ""
    pending = (snapshot,) if snapshot is not None else ()
    return OperationTimeoutError(
        f"operation {name} not done after {plan.timeout:g}s{why}",
        operation=snapshot,
        pending=pending,
        last_error=last_error,
    )


def _snapshot(convert: Callable[[Any], Operation], pb: Any, known: Operation | None) -> Operation | None:
    return convert(pb) if pb is not None else known


def wait_for(
    name: str,
    convert: Callable[[Any], Operation],
    plan: Plan,
    features: Features,
    now: float,
    known: Operation | None = None,
    rand: Callable[[], float] = random.random,
) -> Machine:
    """Wait for operation `name`: see the module docstring. `known` is a snapshot the
    caller already has (a done one is returned without any RPC)."""
    if known is not None and known.done:
        return known
    poll_cap, retry_cap = plan.poll.initial, plan.retry.initial
    last_pb: Any = None
    last_error: APIError | None = None
    outage_since: float | None = None
    next_at = now
    # No closures here: their cells and function would stay alive with each pending
    # operation (see _fleet.build).
    while True:
        if next_at > now:
            if plan.deadline is not None and next_at >= plan.deadline:
                raise timeout_error(name, plan, _snapshot(convert, last_pb, known), last_error)
            now = (yield Sleep(next_at)).now
        call = next_call(plan, features, now)
        if call is None:
            raise timeout_error(name, plan, _snapshot(convert, last_pb, known), last_error)
        started = now
        now, pb, error = yield call  # a Reply, unpacked: the tuple need not stay alive here
        if error is None:
            outage_since, retry_cap = None, plan.retry.initial
            if plan.watch and not pb.done and (last_pb is None or pb != last_pb):
                now = (yield Emit(convert(pb))).now
            last_pb = pb
            if pb.done:
                return convert(pb)
            # The schedule spaces call starts, so a long poll that held for a while needs no sleep.
            next_at = started + (rand() * poll_cap if plan.poll.jitter else poll_cap)  # jittered(), inline
            poll_cap = min(plan.poll.maximum, poll_cap * plan.poll.multiplier)
            continue
        if call.method == WAIT and error.grpc_code == Code.UNIMPLEMENTED:
            features.wait_operation = False
            next_at = now
            continue
        if error.grpc_code == Code.DEADLINE_EXCEEDED and budget_capped(plan, started, call):
            # Our own budget ran out mid-call: a timeout, not a failure of the server.
            raise timeout_error(name, plan, _snapshot(convert, last_pb, known), last_error)
        if not transient(error):
            raise error
        last_error = error
        outage_since = now if outage_since is None else outage_since
        max_outage = plan.retry.max_outage
        if plan.deadline is None and max_outage is not None and now - outage_since >= max_outage:
            raise error
        next_at = now + retry_after(error, retry_cap, plan.retry, rand)
        if _log.isEnabledFor(logging.DEBUG):  # the status only: a message could quote anything
            _log.debug("retrying %s after %s %s in %.3fs", name, error.code, error.status, next_at - now)
        if plan.deadline is None and max_outage is not None:
            # A RetryInfo delay can be anything (an hour, a year): retry at the outage limit.
            next_at = min(next_at, outage_since + max_outage)
        retry_cap = min(plan.retry.maximum, retry_cap * plan.retry.multiplier)
