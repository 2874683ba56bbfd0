"""OpenTelemetry spans and metrics, through a few cheap hooks the I/O shells call.

genai_grpc never imports OpenTelemetry itself: it uses it only once the program has
imported ``opentelemetry.trace`` (as every program that sets up a provider has; the
``otel`` extra installs the API). Until then each hook is one dictionary lookup. Without a
configured provider the API's own no-op objects do the work.

What it records follows the OpenTelemetry semantic conventions for RPC where they apply
(``rpc.system`` = "grpc", ``rpc.service``, ``rpc.method``, ``rpc.grpc.status_code``):

spans    ``<service>/GetOperation`` (or FetchPredictOperation) for each ``get``;
         ``genai_grpc.wait`` / ``genai_grpc.watch`` / ``genai_grpc.fleet`` for each wait,
         watch and fleet (as_completed, wait_all), with ``genai_grpc.operation.name``,
         ``genai_grpc.operation.kind``, ``genai_grpc.polls``, ``genai_grpc.retries``,
         ``genai_grpc.outcome`` and the gRPC code of the call that ended it.
metrics  ``genai_grpc.client.rpcs`` (counter: RPCs by rpc.method and rpc.grpc.status_code),
         ``genai_grpc.client.retries`` (counter), ``genai_grpc.operations.pending``
         (up-down counter: operations being waited for), ``genai_grpc.operation.wait_time``
         (histogram, s: from the start of a wait to the operation being done).
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Any

from genai_grpc import __version__

if TYPE_CHECKING:
    from genai_grpc._fleet import Fleet
    from genai_grpc.types import Operation, Outcome

SERVICES = {
    "operations": "google.longrunning.Operations",
    "prediction": "google.cloud.aiplatform.v1.PredictionService",
    "genai": "genai_grpc.v1.GenAI",
}
_OPS = SERVICES["operations"]
_state: Telemetry | None = None


class Telemetry:
    """The tracer and instruments, made once the program has imported OpenTelemetry."""

    def __init__(self) -> None:
        from opentelemetry import metrics, trace

        self.trace = trace
        self.tracer = trace.get_tracer("genai_grpc", __version__)
        meter = metrics.get_meter("genai_grpc", __version__)
        self.rpcs = meter.create_counter("genai_grpc.client.rpcs", "{call}", "RPCs sent, by method and gRPC code")
        self.retries = meter.create_counter("genai_grpc.client.retries", "{call}", "failed calls retried")
        self.pending = meter.create_up_down_counter(
            "genai_grpc.operations.pending", "{operation}", "operations being waited for"
        )
        self.wait_time = meter.create_histogram(
            "genai_grpc.operation.wait_time", "s", "time from the start of a wait to the operation done"
        )

    def count(self, service: str, method: str, code: int, n: int = 1) -> None:
        self.rpcs.add(
            n, {"rpc.system": "grpc", "rpc.service": service, "rpc.method": method, "rpc.grpc.status_code": code}
        )


#: Hot paths check ``OTEL in MODULES`` inline before calling into this module: while the
#: program has not imported OpenTelemetry there is nothing to record, and a Python call per
#: get() shows in its cost next to the raw stub's (BENCHMARKS.md, "The cost of a look").
MODULES = sys.modules
OTEL = "opentelemetry.trace"


def current() -> Telemetry | None:
    """The telemetry to record to, or None while the program has not imported OpenTelemetry."""
    global _state
    if _state is None and "opentelemetry.trace" in sys.modules:
        _state = Telemetry()
    return _state


def rpc_done(service: str, method: str, code: int) -> None:
    """Count one unary call (get, list, cancel, delete ...) and how it ended."""
    tel = current()
    if tel is not None:
        tel.count(SERVICES.get(service, service), method, code)


class GetSpan:
    """The span of one `get`; a context manager. `done(op)` notes what came back."""

    __slots__ = ("_span",)

    def __init__(self, span: Any) -> None:
        self._span = span

    def __enter__(self) -> GetSpan:
        return self

    def done(self, op: Operation) -> None:
        if self._span is not None:
            self._span.set_attribute("genai_grpc.operation.kind", type(op).__name__)
            self._span.set_attribute("genai_grpc.outcome", _outcome_of(op))

    def __exit__(self, kind: object, error: BaseException | None, tb: object) -> None:
        span = self._span
        if span is None:
            return
        code = getattr(error, "grpc_code", 0 if error is None else 2)
        span.set_attribute("rpc.grpc.status_code", code)
        if error is not None:
            span.set_attribute("genai_grpc.outcome", "error")
            span.set_status(_error_status(error))
        span.end()


_NO_SPAN = GetSpan(None)


def get_span(name: str, service: str, method: str) -> GetSpan:
    """A span for a `get` of operation `name` (a no-op without telemetry)."""
    tel = current()
    if tel is None:
        return _NO_SPAN
    full = SERVICES.get(service, service)
    span = tel.tracer.start_span(f"{full}/{method}", kind=tel.trace.SpanKind.CLIENT, attributes={
        "rpc.system": "grpc", "rpc.service": full, "rpc.method": method, "genai_grpc.operation.name": name,
    })  # fmt: skip
    return GetSpan(span)


class Run:
    """The span and metrics of one wait, watch or fleet; the shell reports events and the end."""

    def __init__(self, tel: Telemetry, what: str, fleet: Fleet, names: list[str]) -> None:
        self._tel, self._what = tel, what
        self._started = time.monotonic()
        self._left = len(names)
        self._flushed: dict[tuple[str, int], int] = {}
        self._retries = 0
        self._outcomes: dict[str, int] = {}
        attributes: dict[str, Any] = {"rpc.system": "grpc", "rpc.service": _OPS, "genai_grpc.operations": len(names)}
        if len(names) == 1:
            attributes["genai_grpc.operation.name"] = names[0]
        self._span = tel.tracer.start_span(f"genai_grpc.{what}", kind=tel.trace.SpanKind.CLIENT, attributes=attributes)
        tel.pending.add(self._left)

    def event(self, event: Operation | Outcome) -> None:
        """A fleet event: an operation finished (Operation done, or Outcome) or changed (watch)."""
        from genai_grpc.types import Outcome

        op, error = (event.operation, event.error) if isinstance(event, Outcome) else (event, None)
        if error is None and (op is None or not op.done):
            return
        outcome = (
            ("timeout" if isinstance(error, TimeoutError) else "error")
            if error is not None or op is None
            else _outcome_of(op)
        )
        self._outcomes[outcome] = self._outcomes.get(outcome, 0) + 1
        self._left -= 1
        self._tel.pending.add(-1)
        kind = type(op).__name__ if op is not None else "Operation"
        if error is None:
            self._tel.wait_time.record(
                time.monotonic() - self._started, {"genai_grpc.operation.kind": kind, "genai_grpc.outcome": outcome}
            )
        if self._what != "fleet":
            self._span.set_attribute("genai_grpc.operation.kind", kind)

    def flush(self, fleet: Fleet) -> None:
        """Add the fleet's RPC and retry counts since the last flush to the counters."""
        for key, n in fleet.rpcs.items():
            new = n - self._flushed.get(key, 0)
            if new:
                self._tel.count(_OPS, key[0], key[1], new)
                self._flushed[key] = n
        if fleet.retries > self._retries:
            self._tel.retries.add(fleet.retries - self._retries, {"rpc.system": "grpc", "rpc.service": _OPS})
            self._retries = fleet.retries

    def end(self, fleet: Fleet, error: BaseException | None) -> None:
        """The run is over (`error`: what ended it early, if anything)."""
        self.flush(fleet)
        if self._left:
            self._tel.pending.add(-self._left)
        span = self._span
        span.set_attribute("genai_grpc.polls", fleet.polls)
        span.set_attribute("genai_grpc.retries", fleet.retries)
        for outcome, n in self._outcomes.items():
            span.set_attribute(f"genai_grpc.outcomes.{outcome}", n)
        if error is not None:
            timeout = isinstance(error, TimeoutError)
            span.set_attribute("genai_grpc.outcome", "timeout" if timeout else "error")
            code = getattr(error, "grpc_code", None) or getattr(getattr(error, "last_error", None), "grpc_code", None)
            if code is not None:
                span.set_attribute("rpc.grpc.status_code", code)
            span.set_status(_error_status(error))
        elif len(self._outcomes) == 1:
            span.set_attribute("genai_grpc.outcome", next(iter(self._outcomes)))
            if self._what != "fleet":
                span.set_attribute("rpc.grpc.status_code", 0)
        else:
            span.set_attribute("genai_grpc.outcome", "mixed")
        span.end()


def start_run(what: str, fleet: Fleet, names: list[str]) -> Run | None:
    """A Run for a wait / watch / fleet over `names`; None without telemetry."""
    tel = current()
    return None if tel is None else Run(tel, what, fleet, names)


def _outcome_of(op: Operation) -> str:
    if not op.done:
        return "running"
    return "failed" if op.error is not None else "succeeded"


def _error_status(error: BaseException) -> Any:
    from opentelemetry.trace import Status, StatusCode

    return Status(StatusCode.ERROR, f"{type(error).__name__}: {error}"[:200])
