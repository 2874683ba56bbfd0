"""A client's request budget: when the next RPC may go, and how refusals change the rate.

Pure: no grpc, asyncio or time import; the caller passes the monotonic time in. The shells
ask `take(now)` (a fleet: send now or not) or `reserve(now)` (a single call: how long to
sleep first, the slot booked), and report each RESOURCE_EXHAUSTED with `refused(...)`.

Spacing is a generic cell rate algorithm: `_next` is the earliest time the next request
conforms; each request moves it on by 1/rate, and it may lag `now` by at most
(burst - 0.5)/rate: so at most `burst` go back to back after a quiet spell, and a request
sent up to half an interval late (a sleep that woke late) does not lower the rate. The rate follows AIMD: cut by
`decrease` on a refusal (at most once per `_COOLDOWN_S`), then raised linearly with time.
One lock makes a budget safe to share between threads and the sync and aio sides.
"""

from __future__ import annotations

import logging
import threading

from genai_grpc.types import RequestBudget

_COOLDOWN_S = 1.0
_log = logging.getLogger("genai_grpc.budget")


class Budget:
    """The mutable state of one RequestBudget; see the module docstring."""

    def __init__(self, policy: RequestBudget, now: float) -> None:
        self.policy = policy
        self.rate = float(policy.max_rps)
        self.refusals = 0
        self._next = now
        self._updated = now
        self._cut_at: float | None = None
        self._lock = threading.Lock()

    def take(self, now: float) -> bool:
        """Send one request now if it conforms (and count it); False: not yet."""
        with self._lock:
            self._recover(now)
            if now < self._next:
                return False
            self._book(now)
            return True

    def delay(self, now: float) -> float:
        """Seconds until a request would conform (0: now)."""
        with self._lock:
            return max(0.0, self._next - now)

    def reserve(self, now: float) -> float:
        """Book the next slot for a request; the seconds to wait before sending it."""
        with self._lock:
            self._recover(now)
            at = max(now, self._next)
            self._book(now)
            return at - now

    def refused(self, now: float, retry_delay: float | None) -> None:
        """The server answered RESOURCE_EXHAUSTED: slow everyone down, pause for RetryInfo."""
        with self._lock:
            self._recover(now)
            self.refusals += 1
            if self._cut_at is None or now - self._cut_at >= _COOLDOWN_S:
                old, self._cut_at = self.rate, now
                self.rate = max(self.policy.floor, self.rate * self.policy.decrease)
                _log.debug("RESOURCE_EXHAUSTED: request rate %.1f -> %.1f/s", old, self.rate)
            if retry_delay is not None and retry_delay > 0:
                pause = min(retry_delay, self.policy.max_pause)
                self._next = max(self._next, now + pause)
                _log.debug("RESOURCE_EXHAUSTED with RetryInfo: no requests for %.2fs", pause)

    def _book(self, now: float) -> None:
        slack = (self.policy.burst - 0.5) / self.rate
        self._next = max(self._next, now - slack) + 1 / self.rate

    def _recover(self, now: float) -> None:
        since = self._updated if self._cut_at is None else max(self._updated, self._cut_at + _COOLDOWN_S)
        self._updated = max(self._updated, now)
        ceiling = self.policy.max_rps
        if self.rate >= ceiling or now <= since:
            return
        old = self.rate
        self.rate = min(ceiling, self.rate + ceiling / self.policy.recover_s * (now - since))
        if self.rate == ceiling:
            _log.debug("request rate back to %.1f/s", self.rate)
        elif int(self.rate) // 10 != int(old) // 10:
            _log.debug("request rate recovering: %.1f/s", self.rate)
