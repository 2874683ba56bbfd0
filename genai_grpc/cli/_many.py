"""The shell of `wait` and `watch` over many names: one fleet, one line per event, as it happens.

Names come from the arguments, `-` standing for standard input (one a line). Every line
is flushed as soon as it is written, so the output can feed another program. Leaving early
(Ctrl-C, or a write finding the pipe closed) closes the fleet, which cancels its RPCs in flight.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Generator
from contextlib import closing
from typing import TYPE_CHECKING, cast

from genai_grpc.cli import _tally
from genai_grpc.types import Operation, Outcome, PollPolicy

if TYPE_CHECKING:
    from genai_grpc.client import Client


def names(given: list[str]) -> list[str]:
    """The names to wait for: the arguments, each `-` replaced by standard input's lines."""
    out: list[str] = []
    for name in given:
        if name == "-":
            out += [line.strip() for line in sys.stdin if line.strip()]
        else:
            out.append(name)
    if not out:
        raise ValueError("no operation names given (standard input was empty)")
    return out


def run(
    args: argparse.Namespace,
    client: Client,
    watch: bool,
    write: Callable[[str], None],
    note: Callable[[str], None],
    poll: PollPolicy | None,
) -> int:
    """Wait for (or watch) every name in `args.names`; the exit code of the worst outcome."""
    wanted = names(args.names)
    tally = _tally.Tally(len(dict.fromkeys(wanted)))
    events = cast(
        Generator["Operation | Outcome", None, None],
        client.operations._events(wanted, timeout=args.timeout, concurrency=args.concurrency, poll=poll, watch=watch),
    )
    bar = None
    if not args.json and sys.stderr.isatty():
        from genai_grpc.cli._progress import ProgressBar

        bar = ProgressBar(sys.stderr, time.monotonic)
        bar.show(tally.bar)
    try:
        with closing(events):
            for event in events:
                if isinstance(event, Outcome):
                    tally.add(event)
                elif not watch:
                    continue
                write(_line(args, event))
                if bar is not None:
                    bar.show(tally.bar)
    finally:
        if bar is not None:
            bar.close()
        if tally.ended or not args.json:
            note(tally.summary())
    return tally.code


def _line(args: argparse.Namespace, event: Operation | Outcome) -> str:
    if args.json:
        import json

        return json.dumps(_tally.json_event(event, args.include_bytes))
    return _tally.human_event(event)
