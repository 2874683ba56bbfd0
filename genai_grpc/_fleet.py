"""Many waits at once with at most `concurrency` RPCs in flight. Pure: no grpc, asyncio, time.

A Fleet runs one `_waiting.wait_for` machine per distinct operation name. Sleeping machines
sit in a heap keyed by wake-up time; machines that want to call wait in a FIFO for a free
slot. The I/O shell asks `start(now)` which calls to send, tells `complete(name, reply)`
what came back, sleeps at most `wakeup(now)` seconds for the next answer, and hands out
`events` (snapshots for watch, finished operations) as they appear. No thread or task per
operation: the state of an idle operation is one heap entry and one suspended generator.

With `outcomes` set, no operation's failure stops the others: each one ends in exactly one
`types.Outcome` event (the done operation, or the APIError / OperationTimeoutError that
ended it). With a `budget` (a client's `_budget.Budget`), calls go only as fast as it
allows, and every RESOURCE_EXHAUSTED answer is reported to it.
"""

from __future__ import annotations

import heapq
import itertools
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

from genai_grpc import _convert, _names
from genai_grpc._budget import Budget
from genai_grpc._codes import Code
from genai_grpc._generated.google.longrunning import operations_pb2
from genai_grpc._routing import Features
from genai_grpc._waiting import (
    MIN_RPC,
    TRANSIENT,
    Call,
    Emit,
    Machine,
    Plan,
    Reply,
    Sleep,
    Step,
    wait_for,
)
from genai_grpc.errors import APIError, OperationTimeoutError
from genai_grpc.types import Operation, Outcome, PollPolicy, RetryPolicy


@dataclass(slots=True)
class _Entry:
    machine: Machine
    #: What a timeout reports when no snapshot ever came: an Operation, or the conversion
    #: that makes one from a bare google.longrunning.Operation (only then: most never need it).
    placeholder: Operation | Callable[[Any], Operation]
    method: str = ""


class Fleet:
    """The scheduler; see the module docstring."""

    def __init__(
        self,
        concurrency: int,
        timeout: float | None = None,
        *,
        outcomes: bool = False,
        budget: Budget | None = None,
        deadline: float | None = None,
    ) -> None:
        self.concurrency = concurrency
        self.timeout = timeout
        self.deadline = deadline
        self.outcomes = outcomes
        self.budget = budget
        #: Snapshots (watch), finished Operations, and with `outcomes` an Outcome per input.
        self.events: deque[Operation | Outcome] = deque()
        self.results: dict[str, Operation] = {}
        self.ended: dict[str, Outcome] = {}
        #: Calls answered, by (method, gRPC code); transient failures retried.
        self.rpcs: dict[tuple[str, int], int] = {}
        self.retries = 0
        self.names: list[str] = []
        self._entries: dict[str, _Entry] = {}
        self._heap: list[tuple[float, int, str]] = []
        self._ready: deque[tuple[str, Call]] = deque()
        self._inflight = 0
        self._seq = itertools.count()
        self._timed_out: dict[str, OperationTimeoutError] = {}

    @property
    def finished(self) -> bool:
        return not self._entries

    def add(self, name: str, machine: Machine, placeholder: Operation | Callable[[Any], Operation], now: float) -> None:
        self.names.append(name)
        self._entries[name] = _Entry(machine, placeholder)
        self._advance(name, None, now)

    def start(self, now: float) -> list[tuple[str, Call]]:
        """Wake the machines whose sleep is over; the calls to send now, within the limit."""
        heap = self._heap
        while heap and heap[0][0] <= now:
            _, _, name = heapq.heappop(heap)
            self._advance(name, Reply(now), now)
        n = min(self.concurrency - self._inflight, len(self._ready))
        budget = self.budget
        if budget is not None:
            sent: list[tuple[str, Call]] = []
            while len(sent) < n and budget.take(now):
                sent.append(self._ready.popleft())
            n = len(sent)
        else:
            sent = [self._ready.popleft() for _ in range(n)]
        self._inflight += n
        if self.deadline is not None:
            left = self.deadline - now
            sent = [(name, call if call.timeout <= left else self._fit(call, now)) for name, call in sent]
        return sent

    def _fit(self, call: Call, now: float) -> Call:
        """A call that waited for a slot or its turn in the budget, cut to the time left."""
        left = self.deadline - now if self.deadline is not None else call.timeout
        if call.timeout <= left:
            return call
        left = max(left, MIN_RPC)
        return Call(call.method, left, None if call.hold is None else min(call.hold, left * 0.9))

    def complete(self, name: str, reply: Reply) -> None:
        """A call came back. Without `outcomes`, a permanent APIError of any operation
        propagates from here."""
        self._inflight -= 1
        error = reply.error
        code = 0 if error is None else error.grpc_code
        key = (self._entries[name].method, code)
        self.rpcs[key] = self.rpcs.get(key, 0) + 1
        if error is not None and code in TRANSIENT:
            self.retries += 1
            if code == Code.RESOURCE_EXHAUSTED and self.budget is not None:
                self.budget.refused(reply.now, error.retry_delay)
        self._advance(name, reply, reply.now)

    def wakeup(self, now: float) -> float | None:
        """Seconds until a sleeping machine must run; None when only answers can wake us."""
        sleeping = max(0.0, self._heap[0][0] - now) if self._heap else None
        if self._ready and self._inflight < self.concurrency:
            if self.budget is None:
                return 0.0
            turn = self.budget.delay(now)  # a RetryInfo pause may be long: sleepers still wake
            return turn if sleeping is None else min(turn, sleeping)
        return sleeping

    @property
    def polls(self) -> int:
        """Calls answered so far, failed ones included."""
        return sum(self.rpcs.values())

    def check(self) -> None:
        """Raise OperationTimeoutError naming every operation that ran out of time."""
        if not self._timed_out:
            return
        errors = list(self._timed_out.values())
        if len(errors) == 1 and len(self.results) == 0:
            raise errors[0]
        pending = tuple(e.pending[0] for e in errors)
        last = next((e.last_error for e in reversed(errors) if e.last_error is not None), None)
        n, total = len(errors), len(errors) + len(self.results)
        raise OperationTimeoutError(
            f"{n} of {total} operations not done after {self.timeout:g}s",
            operation=pending[0] if n == 1 else None,
            pending=pending,
            last_error=last,
        )

    def _advance(self, name: str, reply: Reply | None, now: float) -> None:
        entry = self._entries[name]
        try:
            step: Step = entry.machine.send(reply) if reply is not None else next(entry.machine)
            while isinstance(step, Emit):
                self.events.append(step.operation)
                step = entry.machine.send(Reply(now))
        except StopIteration as stop:
            del self._entries[name]
            self.results[name] = stop.value
            self._end(Outcome(name, stop.value) if self.outcomes else stop.value)
            return
        except OperationTimeoutError as exc:
            del self._entries[name]
            if not exc.pending:
                placeholder = entry.placeholder
                if not isinstance(placeholder, Operation):
                    placeholder = placeholder(operations_pb2.Operation(name=name))
                exc.pending = (placeholder,)
            if self.outcomes:
                self._end(Outcome(name, exc.operation, exc))
            else:
                self._timed_out[name] = exc
            return
        except APIError as exc:
            del self._entries[name]
            if not self.outcomes:
                raise
            self._end(Outcome(name, None, exc))
            return
        if isinstance(step, Sleep):
            heapq.heappush(self._heap, (step.until, next(self._seq), name))
        else:
            entry.method = step.method
            self._ready.append((name, step))

    def _end(self, event: Operation | Outcome) -> None:
        if isinstance(event, Outcome):
            self.ended[event.name] = event
        self.events.append(event)


def distinct(operations: Iterable[Operation | str]) -> dict[str, Operation | None]:
    """Operations or names -> {name: the Operation given, or None}, first wins, input order."""
    out: dict[str, Operation | None] = {}
    for item in operations:
        name, _ = _names.operation_name(item)
        if name not in out or out[name] is None:
            out[name] = item if isinstance(item, Operation) else None
    return out


def build(
    operations: dict[str, Operation | None],
    *,
    now: float,
    timeout: float | None,
    poll: PollPolicy,
    retry: RetryPolicy,
    rpc_timeout: float,
    features: Features,
    concurrency: int,
    watch: bool = False,
    outcomes: bool = False,
    budget: Budget | None = None,
) -> Fleet:
    """A Fleet for these operations. Long polls (WaitOperation) hold a slot each, so a fleet
    larger than its concurrency polls with GetOperation instead, and so does watch (it wants
    every change in progress, not just the end)."""
    if not isinstance(concurrency, int) or isinstance(concurrency, bool) or concurrency < 1:
        raise ValueError(f"concurrency must be an int >= 1, got {concurrency!r}")
    for what, value, kind in (("poll", poll, PollPolicy), ("retry", retry, RetryPolicy)):
        if not isinstance(value, kind):
            raise TypeError(f"{what} must be a types.{kind.__name__}, got {type(value).__name__}")
    plan = Plan(
        deadline=None if timeout is None else now + timeout,
        timeout=timeout,
        poll=poll,
        retry=retry,
        rpc_timeout=rpc_timeout,
        use_wait=not watch and len(operations) <= concurrency,
        watch=watch,
    )
    fleet = Fleet(concurrency, timeout, outcomes=outcomes, budget=budget, deadline=plan.deadline)
    # What stays alive per pending operation is kept small: the garbage collector walks it
    # all, and at 10,000 operations that was most of a poll's cost over a raw loop
    # (BENCHMARKS.md, "The cost of a look"). One conversion per class, not per operation.
    converts: dict[type[Operation] | None, Any] = {}
    for name, known in operations.items():
        cls = type(known) if known is not None else None
        convert = converts.get(cls)
        if convert is None:
            convert = converts[cls] = partial(_convert.to_operation, cls=cls)
        fleet.add(name, wait_for(name, convert, plan, features, now, known), convert if known is None else known, now)
    return fleet
