"""The argument parser: subcommands, their options, and the help text people read first."""

from __future__ import annotations

import argparse
from typing import Any

from genai_grpc import __version__
from genai_grpc.cli import _terminal
from genai_grpc.cli._exit import TABLE

PROG = "genai-grpc"

DESCRIPTION = """\
Look at, wait for, list, cancel and delete long-running operations over gRPC.

Where to connect comes from the same environment as the library, unless a flag says otherwise:
  GENAI_GRPC_EMULATOR_HOST=host:port   a local server (plain gRPC, no credentials)
  GOOGLE_API_KEY or GEMINI_API_KEY     Gemini API key (GOOGLE_API_KEY wins)
  GOOGLE_GENAI_USE_VERTEXAI=true       use Vertex AI (Application Default Credentials)
  GOOGLE_CLOUD_PROJECT, GOOGLE_CLOUD_LOCATION
There is no --api-key flag on purpose: a key typed on the command line lands in your shell
history and in every user's process list. Export it in the environment instead."""

EXAMPLES = {
    "get": """\
examples:
  genai-grpc get models/veo-2.0-generate-001/operations/abc123
  genai-grpc get operations/abc123 --json | jq .state
  genai-grpc get models/veo-2.0-generate-001/operations/abc123 --output-dir ./out""",
    "wait": """\
examples:
  genai-grpc wait models/veo-2.0-generate-001/operations/abc123 --timeout 600 --output-dir ./out
  genai-grpc wait operations/abc123 --json > result.json   # no progress bar when piped
  genai-grpc list --filter done=false --json | jq -r .name | genai-grpc wait - --json --max-rps 50

With more than one name (or -, one name a line on standard input) they are waited for as one
fleet, each printed as it finishes (--json: one line each, "event": done | error | timeout),
and the exit code is the worst: 0 all succeeded, 1 some failed, 3 some not found, 4 timed out.""",
    "watch": """\
examples:
  genai-grpc watch operations/a operations/b
  printf 'operations/a\\noperations/b\\n' | genai-grpc watch - --json

Prints a line each time an operation's state or progress changes ("event": progress) and
when it ends ("event": done | error | timeout); exit codes as for wait.""",
    "list": """\
examples:
  genai-grpc list
  genai-grpc list --filter 'done=false' --limit 20
  genai-grpc list --json | jq -r 'select(.state=="FAILED") | .name'""",
    "cancel": """\
example:
  genai-grpc cancel models/veo-2.0-generate-001/operations/abc123""",
    "delete": """\
example:
  genai-grpc delete operations/abc123""",
    "serve": """\
example:
  genai-grpc serve --port 50051 &
  export GENAI_GRPC_EMULATOR_HOST=127.0.0.1:50051
  genai-grpc list""",
}


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """argparse's formatter with the width found without shutil (and its bz2/lzma imports):
    argparse builds a formatter for every add_argument, so this is on the path of every command."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, width=_terminal.columns(1) - 2)


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds: {text!r}")
    return value


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of requests per second: {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number of requests per second: {text!r}")
    return value


def _count(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1: {text!r}")
    return int(text)


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False, formatter_class=_Formatter)
    conn = common.add_argument_group("connection (default: from the environment, see genai-grpc --help)")
    conn.add_argument(
        "--endpoint", metavar="HOST:PORT", help="server address: TLS, or plain gRPC to a loopback address"
    )
    conn.add_argument(
        "--vertexai",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="use Vertex AI (default: $GOOGLE_GENAI_USE_VERTEXAI)",
    )
    conn.add_argument("--project", help="Google Cloud project (default: $GOOGLE_CLOUD_PROJECT)")
    conn.add_argument("--location", help="Google Cloud location (default: $GOOGLE_CLOUD_LOCATION)")
    conn.add_argument(
        "--root-certificates", metavar="FILE", help="PEM file of the CAs to trust (default: the system's)"
    )
    conn.add_argument("--client-cert", metavar="FILE", help="PEM client certificate chain to present (mutual TLS)")
    conn.add_argument("--client-key", metavar="FILE", help="PEM private key of --client-cert")
    out = common.add_argument_group("output")
    out.add_argument("--json", action="store_true", help="one JSON document per operation on stdout")
    out.add_argument(
        "--include-bytes", action="store_true", help="with --json: include bytes as base64 (default: only their size)"
    )
    return common


def _saving(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--output-dir",
        metavar="DIR",
        help="save the videos of a finished operation as DIR/video_N.EXT (those served by address are downloaded)",
    )
    parser.add_argument("--force", action="store_true", help="with --output-dir: overwrite existing files")


def _fleet_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "names",
        nargs="+",
        metavar="NAME",
        help="operation resource names; - reads them from standard input, one a line",
    )
    parser.add_argument("--timeout", type=_positive, metavar="S", help="give up after S seconds (exit 4)")
    parser.add_argument(
        "--poll",
        type=_positive,
        metavar="S",
        help="longest pause between polls (default: 5 with the progress bar, else the library's 20)",
    )
    parser.add_argument(
        "--concurrency", type=_count, default=100, metavar="N", help="at most N calls in flight (default: 100)"
    )
    parser.add_argument(
        "--max-rps",
        type=_rate,
        metavar="R",
        help="at most R requests per second, slowing down when the server says its quota is used up",
    )


def _subcommand(commands: Any, name: str, summary: str, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    return commands.add_parser(  # type: ignore[no-any-return]
        name,
        parents=[common],
        help=summary,
        description=summary,
        epilog=f"{EXAMPLES[name]}\n\n{TABLE}",
        formatter_class=_Formatter,
    )


def build() -> argparse.ArgumentParser:
    """The parser for every subcommand."""
    parser = argparse.ArgumentParser(prog=PROG, description=DESCRIPTION, epilog=TABLE, formatter_class=_Formatter)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    common = _common()
    get = _subcommand(commands, "get", "show an operation's current state", common)
    get.add_argument("name", help="the operation's resource name")
    get.add_argument("--timeout", type=_positive, metavar="S", help="deadline for the call (default: 60)")
    _saving(get)
    wait = _subcommand(commands, "wait", "wait until operations are done, then show them", common)
    _fleet_options(wait)
    _saving(wait)
    watch = _subcommand(commands, "watch", "show operations' changes of state and progress until done", common)
    _fleet_options(watch)
    lst = _subcommand(commands, "list", "list operations, one a line, as pages arrive", common)
    lst.add_argument("parent", nargs="?", default="", help="the collection to list (default: all)")
    lst.add_argument("--filter", help="server-side filter, e.g. 'done=false'")
    lst.add_argument("--page-size", type=_count, metavar="N", help="operations per page")
    lst.add_argument("--limit", type=_count, metavar="N", help="stop after N operations")
    for name, summary in (
        ("cancel", "ask the server to cancel an operation"),
        ("delete", "forget an operation (it is not cancelled)"),
    ):
        sub = _subcommand(commands, name, summary, common)
        sub.add_argument("name", help="the operation's resource name")
    _serving(commands)
    return parser


def _serving(commands: Any) -> None:
    summary = "run the bundled local server on host:port until SIGINT or SIGTERM"
    serve = commands.add_parser(
        "serve", help="run the bundled local server (see genai-grpc serve --help)",
        description=f"{summary}; the first line on stdout is the address it listens on, the "
                    "second `files: http://host:port`, where videos served by address are",
        epilog=EXAMPLES["serve"], formatter_class=_Formatter,
    )  # fmt: skip
    add = serve.add_argument
    add("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    add("--port", type=int, default=50051, help="port to bind; 0 picks a free one (default: 50051)")
    add(
        "--files-port",
        type=int,
        default=0,
        metavar="PORT",
        help="port of the HTTP file server for videos served by address (default: a free one)",
    )
    add("--db", default=":memory:", help="SQLite file keeping operations across restarts")
    add("--duration", type=float, default=5.0, metavar="S", help="seconds an operation runs (default: 5)")
    add("--max-wait", type=float, metavar="S", help="longest WaitOperation, seconds (default: 60)")
    add(
        "--require-api-key",
        nargs="?",
        const=True,
        metavar="KEY",
        help="require x-goog-api-key; without KEY (which the process list shows), use "
        "$GENAI_GRPC_SERVER_API_KEY, else $GOOGLE_API_KEY or $GEMINI_API_KEY",
    )
    add("--latency", type=float, default=0.0, metavar="S", help="seconds added to every call")
    add("--fail-rate", type=float, default=0.0, metavar="R", help="share of calls (0..1) that fail")
    add("--fail-next", type=int, default=0, metavar="N", help="the first N calls fail")
    add("--fail-code", default="UNAVAILABLE", metavar="NAME", help="gRPC code of injected failures")
    add("--retry-delay", type=float, metavar="S", help="RetryInfo delay (seconds) on injected failures")
    add("--wait-unimplemented", action="store_true", help="WaitOperation answers UNIMPLEMENTED")
    add("--garbage", action="store_true", help="answer bytes that are not an Operation")
