"""Pure progress arithmetic: an operation's state follows from its stored times alone.

Nothing runs in the background, so a restarted server derives the same state from the same
row and no operation is advanced twice or lost.
"""

from __future__ import annotations

from dataclasses import dataclass

NS = 1_000_000_000


@dataclass(frozen=True, slots=True)
class Timing:
    """What the store keeps about an operation's life, in Unix nanoseconds."""

    create_ns: int
    duration_ns: int
    cancel_ns: int | None = None

    @property
    def end_ns(self) -> int:
        """When the operation finishes if nobody cancels it."""
        return self.create_ns + self.duration_ns


@dataclass(frozen=True, slots=True)
class Progress:
    """An operation's state at one instant; `update_ns` is when that state began."""

    done: bool
    cancelled: bool
    percent: int
    update_ns: int


def progress(timing: Timing, now_ns: int) -> Progress:
    """The state of an operation with `timing` at `now_ns`."""
    if timing.cancel_ns is not None and timing.cancel_ns < timing.end_ns:
        return Progress(True, True, _percent(timing, timing.cancel_ns), timing.cancel_ns)
    if now_ns >= timing.end_ns:
        return Progress(True, False, 100, timing.end_ns)
    percent = _percent(timing, now_ns)
    return Progress(False, False, percent, _reached(timing, percent))


def changes_at_ns(timing: Timing, percent: int) -> int:
    """When a running operation now at `percent` next changes on its own (its next percent,
    or its end): until then every read of it gives the same answer."""
    return min(timing.end_ns, _reached(timing, percent + 1))


def remaining_ns(timing: Timing, now_ns: int) -> int:
    """Nanoseconds until the operation finishes on its own (0 if done or cancelled)."""
    if progress(timing, now_ns).done:
        return 0
    return timing.end_ns - now_ns


def _reached(timing: Timing, percent: int) -> int:
    # The first instant at which the operation showed `percent`: update_time is when the
    # state last changed (as in Google's APIs), not when someone asked.
    return timing.create_ns + -(-percent * timing.duration_ns // 100)


def _percent(timing: Timing, at_ns: int) -> int:
    if timing.duration_ns <= 0:
        return 100
    elapsed = max(0, at_ns - timing.create_ns)
    return min(100, elapsed * 100 // timing.duration_ns)
