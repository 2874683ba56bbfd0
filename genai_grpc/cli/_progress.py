"""The live progress lines `wait` (and `--output-dir` downloads) draw on a terminal's stderr.

One line, redrawn in place with a carriage return, cleared when the wait ends, so the
terminal is left holding only the result. `bar_line` and `download_line` are pure;
`ProgressBar` and `DownloadBar` only write.
Snapshots arrive only when the operation changes, so a ticker thread redraws the last one
every second: the elapsed time keeps moving and the line never looks hung.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TextIO

from genai_grpc.cli import _facts, _terminal
from genai_grpc.cli._human import clean
from genai_grpc.types import Operation

_CLEAR = "\r\x1b[K"
_BAR = 24


def _gauge(percent: float | None) -> str:
    if percent is None:
        return "[" + "?" * _BAR + "]   ?%"
    filled = round(_BAR * percent / 100)
    return "[" + "#" * filled + "-" * (_BAR - filled) + "]" + f" {percent:3.0f}%"


def bar_line(name: str, state: str, percent: float | None, elapsed: float, width: int) -> str:
    """`[#########-----]  45%  12s  RUNNING  name`, in `width` columns (a long name loses its head)."""
    return _fit(f"{_gauge(percent)} {_facts.duration(elapsed):>6}  {state}  ", name, width)


def download_line(name: str, done: int, total: int | None, elapsed: float, width: int) -> str:
    """`[#########-----]  45%  12s  115.2 MiB of 256.0 MiB  name`, in `width` columns."""
    percent = None if not total else min(100.0, 100.0 * done / total)
    amount = _facts.size(done) + ("" if total is None else f" of {_facts.size(total)}")
    return _fit(f"{_gauge(percent)} {_facts.duration(elapsed):>6}  {amount}  ", name, width)


def _fit(head: str, name: str, width: int) -> str:
    room = max(width - 1, 1) - len(head)
    name = clean(name, 1000)
    if len(name) > room:  # keep the tail: the operation's id is what tells two apart
        name = "…" + name[len(name) - room + 1 :] if room > 1 else ""
    return (head + name)[: max(width - 1, 1)]


Render = Callable[[float, int], str]


class ProgressBar:
    """Draws `bar_line` for each snapshot on `stream` (or any line `show` is given), and
    again every `tick` seconds; `close()` erases it."""

    def __init__(self, stream: TextIO, clock: Callable[[], float], tick: float = 1.0) -> None:
        self._stream, self._clock, self._tick = stream, clock, tick
        self._start = clock()
        self._last: Render | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ticker = threading.Thread(target=self._run, name="genai-grpc-progress", daemon=True)
        self._ticker.start()

    def update(self, op: Operation) -> None:
        """Redraw the line for this snapshot."""
        self.show(lambda elapsed, width: bar_line(op.name, _facts.state(op), _facts.progress(op), elapsed, width))

    def show(self, render: Render) -> None:
        """Redraw the line as `render(elapsed seconds, width)` makes it, now and at each tick."""
        with self._lock:
            self._last = render
            self._draw(render)

    def close(self) -> None:
        """Stop redrawing and erase the line; safe to call twice."""
        self._stop.set()
        if self._ticker is not threading.current_thread():
            self._ticker.join(timeout=2)
        with self._lock:
            if self._last is not None:
                self._stream.write(_CLEAR)
                self._stream.flush()
                self._last = None

    def _run(self) -> None:
        while not self._stop.wait(self._tick):
            with self._lock:
                if self._last is not None:
                    self._draw(self._last)

    def _draw(self, render: Render) -> None:
        elapsed = self._clock() - self._start
        self._stream.write(_CLEAR + render(elapsed, self._width()))
        self._stream.flush()

    def _width(self) -> int:
        try:
            return _terminal.columns(self._stream.fileno())
        except (OSError, ValueError):  # a stream without a file descriptor
            return 80


class DownloadBar(ProgressBar):
    """Draws `download_line` for a file being downloaded; pass it as the download's `progress`."""

    def __init__(self, stream: TextIO, clock: Callable[[], float], name: str, tick: float = 1.0) -> None:
        self._name = name
        super().__init__(stream, clock, tick)

    def __call__(self, done: int, total: int | None) -> None:
        self.show(lambda elapsed, width: download_line(self._name, done, total, elapsed, width))
