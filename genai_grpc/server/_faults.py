"""Faults the local server injects on demand, and the pure decision of when to inject them.

A `Faults` object can be changed at any time from any thread (plain attribute writes); the
server reads it on every call.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from genai_grpc._codes import Code
from genai_grpc.server._outcome import code_number


@dataclass
class Faults:
    """What the server does to calls besides answering them.

    Attributes:
        latency_s: seconds added before every call is handled.
        fail_rate: share of calls (0..1) that fail with `fail_code`.
        fail_next: the next N calls fail with `fail_code` (counts down).
        fail_code: gRPC code name for injected failures, e.g. "UNAVAILABLE".
        retry_delay_s: when set, injected failures carry a google.rpc.RetryInfo with this delay.
        api_key: when set, calls without this `x-goog-api-key` fail with UNAUTHENTICATED.
        wait_unimplemented: WaitOperation answers UNIMPLEMENTED, as many real servers do.
        garbage: Operation-returning calls answer bytes that are not an Operation.
    """

    latency_s: float = 0.0
    fail_rate: float = 0.0
    fail_next: int = 0
    fail_code: str = "UNAVAILABLE"
    retry_delay_s: float | None = None
    api_key: str | None = None
    wait_unimplemented: bool = False
    garbage: bool = False

    def __setattr__(self, name: str, value: object) -> None:
        super().__setattr__(name, _check(name, value))

    def reset(self) -> None:
        """Turn every fault off (the API key requirement included)."""
        for f in fields(self):
            setattr(self, f.name, f.default)

    @property
    def gates_calls(self) -> bool:
        """Whether any call must pass the gate: an API key check, latency or a failure."""
        return self.api_key is not None or bool(self.latency_s or self.fail_next or self.fail_rate)

    def injected_failure(self, draw: float) -> str | None:
        """The code name the current call must fail with, or None.

        `draw` is a uniform random number in [0, 1); counting down `fail_next` is the only
        side effect.
        """
        if self.fail_next > 0:
            self.fail_next -= 1
            return self.fail_code
        if draw < self.fail_rate:
            return self.fail_code
        return None


#: The longest time (seconds) any setting of the server may be: about 115 days.
MAX_SECONDS = 1e7


def check_seconds(name: str, value: object) -> float:
    """`value` as a number of seconds, 0..MAX_SECONDS; ValueError naming `name` otherwise
    (NaN, infinities, 1e300 and negatives would fail every later call instead)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= MAX_SECONDS:
        raise ValueError(f"{name} must be a number of seconds from 0 to {MAX_SECONDS:g}, not {value!r}")
    return float(value)


def _check(name: str, value: object) -> object:
    if name == "latency_s" or (name == "retry_delay_s" and value is not None):
        return check_seconds(name, value)
    if name == "fail_rate":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise ValueError(f"fail_rate must be between 0 and 1, not {value!r}")
        return float(value)
    if name == "fail_next" and (not isinstance(value, int) or value < 0):
        raise ValueError(f"fail_next must be an int >= 0, not {value!r}")
    if name == "fail_code":
        return _code_name(value)
    if name == "api_key" and value is not None and (not isinstance(value, str) or not value):
        raise ValueError("api_key must be a non-empty string or None")
    return value


def _code_name(value: object) -> str:
    number = code_number(str(getattr(value, "name", value)))  # grpc.StatusCode works too
    return Code(number).name
