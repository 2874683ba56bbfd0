"""`wait` and `watch` over many names: what each event prints, the counts, the exit code.

Pure code: the shell (_many) feeds it the fleet's events (changed snapshots and one
types.Outcome per name) and writes what it returns.
"""

from __future__ import annotations

from typing import Any

from genai_grpc._codes import Code
from genai_grpc.cli import _exit, _facts, _schema
from genai_grpc.cli._human import clean
from genai_grpc.errors import APIError
from genai_grpc.types import Operation, Outcome

NOT_FOUND, TIMED_OUT, CALL_FAILED = "NOT_FOUND", "TIMED_OUT", "ERROR"
_BAR = 24


def label(outcome: Outcome) -> str:
    """SUCCEEDED, FAILED, DONE-EMPTY, NOT_FOUND, TIMED_OUT or ERROR (another failed call)."""
    error = outcome.error
    if isinstance(error, APIError):
        return NOT_FOUND if error.grpc_code == Code.NOT_FOUND else CALL_FAILED
    if error is not None:
        return TIMED_OUT
    assert outcome.operation is not None
    return _facts.state(outcome.operation)


def exit_code(outcome: Outcome) -> int:
    """This operation's share of the exit code (the command exits with the highest)."""
    error = outcome.error
    if isinstance(error, APIError):
        return _exit.for_api_error(error)
    if error is not None:
        return _exit.TIMED_OUT
    op = outcome.operation
    return _exit.OPERATION_FAILED if op is not None and op.error is not None else _exit.OK


def json_event(event: Operation | Outcome, include_bytes: bool) -> dict[str, Any]:
    """The --json line of an event: "event" is progress, done, error or timeout, then the
    operation in the documented schema; an error carries "callError" instead."""
    if isinstance(event, Operation):
        return {"event": "progress", **_schema.operation(event, include_bytes)}
    if isinstance(event.error, APIError):
        error = event.error
        return {"event": "error", "name": event.name, "state": label(event), "callError": {
            "code": error.code, "grpcCode": error.grpc_code, "status": error.status, "message": error.message,
            "details": [dict(d) for d in error.details],
        }}  # fmt: skip
    op = event.operation or Operation(name=event.name)
    kind = "timeout" if event.error is not None else "done"
    return {"event": kind, **_schema.operation(op, include_bytes)}


def human_event(event: Operation | Outcome) -> str:
    """One line for people: the state (and progress), the name, and why when it did not succeed."""
    if isinstance(event, Operation):
        percent = _facts.progress(event)
        prog = f"{percent:.0f}%" if percent is not None else "-"
        return f"{_facts.state(event):<10} {prog:>4}  {clean(event.name, 1000)}"
    state = label(event)
    line = f"{state:<10} {'':>4}  {clean(event.name, 1000)}"
    error, op = event.error, event.operation
    if isinstance(error, APIError):
        line += "  " + clean(_exit.describe_api_error(error), 200)
    elif error is not None and op is not None:
        percent = _facts.progress(op)
        line += "  last seen " + _facts.state(op) + (f" at {percent:.0f}%" if percent is not None else "")
    elif op is not None and op.error is not None:
        line += "  " + clean(f"{op.error.status}: {op.error.message}", 200)
    return line


class Tally:
    """How many names ended which way, and the exit code so far."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.counts: dict[str, int] = {}
        self.code = _exit.OK

    def add(self, outcome: Outcome) -> None:
        state = label(outcome)
        self.counts[state] = self.counts.get(state, 0) + 1
        self.code = max(self.code, exit_code(outcome))

    @property
    def ended(self) -> int:
        return sum(self.counts.values())

    @property
    def good(self) -> int:
        return self.counts.get(_facts.SUCCEEDED, 0) + self.counts.get(_facts.DONE_EMPTY, 0)

    def summary(self) -> str:
        """`3 operations: 1 succeeded, 1 failed, 1 not found` (running ones, if any, last)."""
        parts = [f"{n} {state.lower().replace('_', ' ')}" for state, n in sorted(self.counts.items())]
        if self.ended < self.total:
            parts.append(f"{self.total - self.ended} running")
        return f"{self.total} operation{'s' if self.total != 1 else ''}: " + ", ".join(parts)

    def bar(self, elapsed: float, width: int) -> str:
        """`[######------]  12/40  done 10  failed 2  running 28  5s` in `width` columns."""
        filled = round(_BAR * self.ended / self.total) if self.total else _BAR
        gauge = "[" + "#" * filled + "-" * (_BAR - filled) + "]"
        failed = self.ended - self.good
        line = (f"{gauge} {self.ended}/{self.total}  done {self.good}  failed {failed}  "
                f"running {self.total - self.ended}  {_facts.duration(elapsed)}")  # fmt: skip
        return line[: max(width - 1, 1)]
