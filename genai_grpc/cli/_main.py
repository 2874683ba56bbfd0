"""The I/O shell: parse, call the client, print, and turn every failure into an exit code.

The client (and with it grpc and protobuf) is imported only once a subcommand needs it, json
only for --json, so `--help` and usage errors stay instant.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from genai_grpc._codes import Code
from genai_grpc.cli import _exit, _facts, _human, _parser, _schema
from genai_grpc.errors import APIError, OperationTimeoutError, mask_secrets
from genai_grpc.types import Operation, PollPolicy, Video

if TYPE_CHECKING:
    from types import FrameType

    from genai_grpc._sync.operations import Operations
    from genai_grpc.client import Client

# A live progress bar should move at least this often; the library's default cap is 20 s.
_WATCH_POLL_S = 5.0


class _StillRunning(Exception):
    """The wait ended before the operation was done; `operation` is the last snapshot."""

    def __init__(self, operation: Operation | None) -> None:
        super().__init__("the operation is not done")
        self.operation = operation


class _Interrupted(KeyboardInterrupt):
    """Ctrl-C, as the CLI's own SIGINT handler raises it. When a plain KeyboardInterrupt goes
    through code run by exec() of a string (dataclasses make their methods so, e.g. during a
    lazy import), CPython marks the process as ended by an unhandled Ctrl-C even after we
    caught it, and `python -m genai_grpc` then kills itself with SIGINT at exit instead of
    returning 130. CPython checks the exact type, so this subclass is never marked."""


def _raise_interrupted(signum: int, frame: FrameType | None) -> None:
    raise _Interrupted


@contextmanager
def _ctrl_c() -> Iterator[None]:
    """Ctrl-C raises _Interrupted while the command runs, unless the program that runs us
    handles (or ignores) SIGINT itself."""
    ours = signal.getsignal(signal.SIGINT) is signal.default_int_handler
    if ours:
        try:
            signal.signal(signal.SIGINT, _raise_interrupted)
        except ValueError:  # not the main thread, which alone receives signals
            ours = False
    try:
        yield
    finally:
        if ours:
            signal.signal(signal.SIGINT, signal.default_int_handler)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line `argv` (default: sys.argv[1:]); returns the exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        args = _parser.build().parse_args(args_list)
    except SystemExit as exit_:  # --help, --version, or a usage error argparse already printed
        return exit_.code if isinstance(exit_.code, int) else _exit.USAGE
    return _run(args)


def _run(args: argparse.Namespace) -> int:
    try:
        with _ctrl_c():
            return _COMMANDS[args.command](args)
    except KeyboardInterrupt:
        return _fail("interrupted", _exit.INTERRUPTED)
    except BrokenPipeError:
        # The reader left (e.g. `list | head`): stop quietly, and keep Python's final flush quiet.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return _exit.OK
    except Exception as error:  # noqa: BLE001 - every failure ends as one line, never a traceback
        return _fail_for(error, args)


def _fail_for(error: Exception, args: argparse.Namespace) -> int:
    if isinstance(error, (_StillRunning, OperationTimeoutError)):  # before OSError: a TimeoutError
        return _timed_out(args, error.operation, getattr(error, "last_error", None))
    if isinstance(error, APIError):
        return _fail(_exit.describe_api_error(error), _exit.for_api_error(error))
    if isinstance(error, ValueError):
        return _fail(_exit.in_flags(str(error)), _exit.USAGE)
    if isinstance(error, OSError):
        return _fail(str(error), _exit.USAGE)
    if type(error).__module__.startswith("google.auth"):  # e.g. no Application Default Credentials
        return _fail(f"Google credentials: {error}", _exit.USAGE)
    return _fail(f"unexpected {type(error).__name__}: {error}", _exit.UNAVAILABLE)


def _timed_out(args: argparse.Namespace, last: Operation | None, last_error: APIError | None) -> int:
    message = "timed out" + (f" after {args.timeout:g}s" if args.timeout else "") + f" waiting for {args.name}"
    if last is not None:
        _emit(args, last)
        percent = _facts.progress(last)
        message += f"; last seen {_facts.state(last)}" + (f" at {percent:.0f}%" if percent is not None else "")
    if last_error is not None:
        message += f"; last error {_exit.describe_api_error(last_error)}"
    return _fail(message, _exit.TIMED_OUT)


def _fail(message: str, code: int) -> int:
    print(f"{_parser.PROG}: error: {_exit.one_line(message, _secrets())}", file=sys.stderr)
    return code


def _secrets() -> list[str]:
    """The API keys this process could send: a server may echo them back in any text."""
    # Imported only when needed: _config imports logging, which --help does not need.
    from genai_grpc._config import API_KEY_ENVS

    return [os.environ.get(name, "") for name in API_KEY_ENVS]


# -- output ----------------------------------------------------------------------------------


def _write(text: str) -> None:
    sys.stdout.write(mask_secrets(text, _secrets()) + "\n")
    sys.stdout.flush()


def _emit(args: argparse.Namespace, op: Operation, files: list[str] | None = None) -> None:
    if args.json:
        import json

        _write(json.dumps(_schema.operation(op, args.include_bytes, files)))
    else:
        _write(_human.render(_human.summary(op, time.time(), files or ())))


def _note(message: str) -> None:
    print(f"{_parser.PROG}: {_human.clean(message, 1000)}", file=sys.stderr)


# -- subcommands -----------------------------------------------------------------------------


@contextmanager
def _client(args: argparse.Namespace) -> Iterator[Client]:
    """The client the flags ask for, closed at the end unless Ctrl-C ended the command: Ctrl-C
    can land inside grpc while it sets a call up, leaving a call that closing the channel
    then waits for forever. The process is about to exit, which closes the connection."""
    from genai_grpc.client import Client

    given = {k: getattr(args, k, None) for k in ("endpoint", "vertexai", "project", "location", "max_rps")}
    for flag in ("root_certificates", "client_cert", "client_key"):
        given[flag] = _read_pem(args, flag)
    client = Client(**{k: v for k, v in given.items() if v is not None})
    try:
        yield client
    except KeyboardInterrupt:
        raise
    except BaseException:
        client.close()
        raise
    client.close()


def _read_pem(args: argparse.Namespace, flag: str) -> bytes | None:
    """The bytes of the file a --FLAG names; ValueError naming the flag (and never the content)."""
    path = getattr(args, flag, None)
    if path is None:
        return None
    name = "--" + flag.replace("_", "-")
    try:
        with open(path, "rb") as f:
            return f.read(1 << 20)
    except OSError as error:
        raise ValueError(f"{name}: cannot read {path!r}: {error.strerror or error}") from None


def _finish(args: argparse.Namespace, op: Operation, client: Client) -> int:
    files = _save(args, op, client) if args.output_dir is not None else None
    _emit(args, op, files)
    return _exit.OPERATION_FAILED if op.done and op.error is not None else _exit.OK


def _save(args: argparse.Namespace, op: Operation, client: Client) -> list[str]:
    from genai_grpc.cli import _save as save

    files, notes = save.plan(op)
    try:
        paths, more = save.write(args.output_dir, files, args.force, lambda v, p, o: _fetch(client, v, p, o))
    except (FileExistsError, APIError):
        raise
    except OSError as error:
        raise OSError(f"--output-dir: {error}") from None
    for note in notes + more:
        _note(note)
    return paths


def _fetch(client: Client, video: Video, path: str, overwrite: bool) -> str | None:
    """Download a video served by address to `path`, with a progress bar on a terminal;
    returns why not when this client cannot fetch it (e.g. gs:// without Google credentials)."""
    from genai_grpc.cli._progress import DownloadBar

    bar = DownloadBar(sys.stderr, time.monotonic, os.path.basename(path)) if sys.stderr.isatty() else None
    try:
        client.files.download(file=video, path=path, overwrite=overwrite, progress=bar)
    except ValueError as error:  # raised before any I/O: this client cannot fetch that URI
        return str(error)
    except APIError as error:
        raise type(error)(error.code, f"downloading {path}: {error.message}", status=error.status,
                          grpc_code=error.grpc_code, details=error.details) from None  # fmt: skip
    finally:
        if bar is not None:
            bar.close()
    return None


def _get(args: argparse.Namespace) -> int:
    with _client(args) as client:
        op = client.operations.get(args.name, timeout=args.timeout)
        return _finish(args, op, client)


def _poll(seconds: float | None) -> PollPolicy | None:
    """--poll S: never pause longer than S seconds between polls."""
    return None if seconds is None else PollPolicy(initial=min(1.0, seconds), maximum=seconds)


def _wait(args: argparse.Namespace) -> int:
    if "-" in args.names or len(args.names) > 1:
        return _many(args, watch=False)
    args.name = args.names[0]
    deadline = None if args.timeout is None else time.monotonic() + args.timeout
    with _client(args) as client:
        op = _first_look(client.operations, args)
        if not op.done:
            left = None if deadline is None else max(deadline - time.monotonic(), 0.001)
            if sys.stderr.isatty():
                op = _watch(client.operations, op, args, left)
            else:
                op = client.operations.wait(op, timeout=left, poll=_poll(args.poll))
        return _finish(args, op, client)


def _many(args: argparse.Namespace, watch: bool) -> int:
    from genai_grpc.cli import _many as many

    if getattr(args, "output_dir", None) is not None:
        raise ValueError("--output-dir takes one operation name (save the others one by one)")
    poll = _poll(args.poll or (_WATCH_POLL_S if watch or sys.stderr.isatty() else None))
    with _client(args) as client:
        return many.run(args, client, watch, _write, _note, poll)


def _first_look(operations: Operations, args: argparse.Namespace) -> Operation:
    """One plain get before waiting: the wait retries an unreachable server for minutes, but a
    wrong endpoint or name should fail at once (exit 5 or 3)."""
    try:
        return operations.get(args.name, timeout=args.timeout)
    except APIError as error:
        if args.timeout is not None and error.grpc_code == Code.DEADLINE_EXCEEDED:
            raise _StillRunning(None) from None  # the wait's own budget ran out
        raise


def _watch(operations: Operations, first: Operation, args: argparse.Namespace, timeout: float | None) -> Operation:
    from genai_grpc.cli._progress import ProgressBar

    bar = ProgressBar(sys.stderr, time.monotonic)
    last: Operation | None = first
    poll = _poll(args.poll or _WATCH_POLL_S)
    try:
        bar.update(first)
        for last in operations.watch(first, timeout=timeout, poll=poll):
            bar.update(last)
    finally:
        bar.close()
    if last is None or not last.done:
        raise _StillRunning(last)
    return last


def _list(args: argparse.Namespace) -> int:
    shown = 0
    with _client(args) as client:
        if not args.json:
            _write(_human.TABLE_HEADER)
        for op in client.operations.list(args.parent, filter=args.filter, page_size=args.page_size):
            _emit_row(args, op)
            shown += 1
            if args.limit is not None and shown >= args.limit:
                break
    if shown == 0 and not args.json:
        _note("no operations")
    return _exit.OK


def _emit_row(args: argparse.Namespace, op: Operation) -> None:
    if args.json:
        _emit(args, op)
    else:
        _write(_human.render([_human.table_row(op, time.time())]))


def _action(verb: str, past: str, shown: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        with _client(args) as client:
            getattr(client.operations, verb)(args.name)
        if args.json:
            import json

            _write(json.dumps({"name": args.name, past: True}))
        else:
            _write(f"{shown} {_human.clean(args.name, 1000)}")
        return _exit.OK

    return run


def _serve(args: argparse.Namespace) -> int:
    from genai_grpc._config import is_loopback
    from genai_grpc.server import cli as server_cli
    from genai_grpc.server._local import public_warning

    faults = server_cli.faults_of(args)
    if not is_loopback(args.host):
        _note(f"warning: {public_warning(args.host)}")
    server_cli.run(args, faults)
    return _exit.OK


_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "get": _get,
    "wait": _wait,
    "watch": lambda args: _many(args, watch=True),
    "list": _list,
    "cancel": _action("cancel", "cancelled", "cancellation requested:"),
    "delete": _action("delete", "deleted", "deleted:"),
    "serve": _serve,
}
