"""Operations rendered for people: a labelled summary for one, a table row for many. Pure code.

Every line of human output passes through `escape()` on its way to the terminal (`render()`,
the one boundary the shell prints through), whichever module built it: control characters in
anything a server sent would let a hostile or broken server redraw the screen or split one line
in two. `clean()` also cuts a value to a length. Bytes are never shown, only their size.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from genai_grpc import errors
from genai_grpc.cli import _facts
from genai_grpc.types import Operation, OperationError, UnknownPayload

_LABEL = 10
_SHOWN_METADATA = {"@type", "progressPercent", "createTime", "updateTime", "genericMetadata"}


def escape(text: object) -> str:
    """`text` with every character a terminal acts on (ESC, CR, BEL, newlines, bidi controls:
    all that str.isprintable refuses) written as its Python escape, e.g. "\\x1b"."""
    text = str(text)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def clean(text: object, limit: int = 300) -> str:
    """`text` as one printable line of at most `limit` characters."""
    out = escape(text)
    return out if len(out) <= limit else out[: limit - 1] + "…"


def render(lines: Iterable[str]) -> str:
    """Human output as it goes to the terminal: each line escaped, joined by newlines."""
    return "\n".join(escape(line) for line in lines)


def _line(label: str, value: str) -> str:
    return f"{label:<{_LABEL}}{value}"


class _Render:
    """What a kind's summary (the registry's `Kind.summary`) writes its lines with."""

    def line(self, label: str, text: str, limit: int = 300) -> str:
        return _line(label, clean(text, limit))

    def size(self, n: int) -> str:
        return _facts.size(n)


_RENDER = _Render()


def summary(op: Operation, now: float, files: Iterable[str] = ()) -> list[str]:
    """The lines `get` and `wait` print for one operation; `now` is seconds since the epoch."""
    lines = [
        _line("name", clean(op.name, 1000)),
        _line("kind", _facts.kind(op)),
        _line("state", _facts.state(op)),
    ]
    percent = _facts.progress(op)
    if percent is not None:
        lines.append(_line("progress", f"{percent:.0f}%"))
    lines += _age(op, now) + _metadata(op)
    if op.error is not None:
        lines += _error(op.error)
    lines += _response(op)
    lines += [_line("saved", clean(path, 1000)) for path in files]
    return lines


def _age(op: Operation, now: float) -> list[str]:
    start, changed = _facts.created(op), _facts.updated(op)
    if start is None:
        return []
    text = _facts.duration(now - start)
    if changed is not None:
        text += f" (updated {_facts.duration(now - changed)} ago)"
    return [_line("age", text)]


def _metadata(op: Operation) -> list[str]:
    if op.raw_metadata is not None:
        return [_line("metadata", _undecodable(op.raw_metadata))]
    extra = {k: v for k, v in (op.metadata or {}).items() if k not in _SHOWN_METADATA}
    return [_line("metadata", _pairs(extra))] if extra else []


def _pairs(values: dict[str, Any]) -> str:
    return clean(" ".join(f"{k}={_compact(v)}" for k, v in values.items()))


def _compact(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{clean(k, 80)}={_compact(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_compact(v) for v in value) + "]"
    if isinstance(value, bytes):
        return f"<{_facts.size(len(value))}>"
    return clean(value, 80)


def _error(error: OperationError) -> list[str]:
    lines = [_line("error", clean(f"{error.code} {error.status}: {error.message}", 1000))]
    reasons = errors.reasons(error.details)
    if reasons:
        lines.append(_line("reasons", clean(", ".join(reasons))))
    lines += [_line("detail", _detail(d)) for d in error.details]
    return lines


def _detail(detail: dict[str, Any]) -> str:
    name = str(detail.get("@type", "")).rpartition("/")[2] or "?"
    rest = {k: v for k, v in detail.items() if k != "@type"}
    return clean(f"{name} {_compact(rest)}")


def _undecodable(raw: UnknownPayload) -> str:
    return f"undecodable {clean(raw.type_url)} ({_facts.size(len(raw.value))})"


def _response(op: Operation) -> list[str]:
    if op.raw_response is not None:
        return [_line("response", _undecodable(op.raw_response))]
    response = op.response
    if response is None:
        return []
    from genai_grpc import _kinds  # here: --help and usage errors need no registry

    kind = _kinds.of_response(response)
    if kind is not None:
        return kind.summary(response, _RENDER)
    if isinstance(response, dict):
        return [_line("response", clean(_compact(response), 1000))]
    if dataclasses.is_dataclass(response) and not isinstance(response, type):
        return [_line("response", _pairs(_fields(response)))]
    return [_line("response", clean(repr(response)))]


def _fields(obj: Any) -> dict[str, Any]:
    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj) if getattr(obj, f.name) is not None}


TABLE_HEADER = f"{'STATE':<10} {'PROG':>4} {'AGE':>6}  {'KIND':<9} NAME"


def table_row(op: Operation, now: float) -> str:
    """One line of `list`: state, progress, age, short kind, name (and why, if it failed)."""
    percent = _facts.progress(op)
    start = _facts.created(op)
    prog = f"{percent:.0f}%" if percent is not None else "-"
    age = _facts.duration(now - start) if start is not None else "-"
    from genai_grpc import _kinds

    short = _kinds.short(type(op))
    row = f"{_facts.state(op):<10} {prog:>4} {age:>6}  {short:<9} {clean(op.name, 1000)}"
    if op.error is not None:
        row += "  " + clean(f"{op.error.status}: {op.error.message}", 80)
    return row
