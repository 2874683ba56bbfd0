"""Generate genai_grpc/_sync/ from genai_grpc/_async/ by text substitution.

    python scripts/unasync.py          # rewrite genai_grpc/_sync
    python scripts/unasync.py --check  # exit 1 if genai_grpc/_sync is stale

The async shells are the single source; the sync twins can never drift from them.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "genai_grpc" / "_async"
TARGET = ROOT / "genai_grpc" / "_sync"
HEADER = "# DO NOT EDIT: generated from genai_grpc/_async/{name} by scripts/unasync.py.\n"

SUBSTITUTIONS = [
    (r"^import asyncio\n", ""),
    (r"\basyncio\.sleep\(", "time.sleep("),
    (r"\basync def\b", "def"),
    (r"\basync with\b", "with"),
    (r"\basync for\b", "for"),
    (r"\bawait ", ""),
    (r"\bgrpc\.aio\b", "grpc"),
    (r"\bimport grpc$", "import grpc"),
    (r"\bAsyncIterator\b", "Iterator"),
    (r"\bAsyncIterable\b", "Iterable"),
    (r"\bAsyncGenerator\b", "Generator"),
    (r"\bAsync([A-Z]\w*)", r"\1"),
    (r"\b__aenter__\b", "__enter__"),
    (r"\b__aexit__\b", "__exit__"),
    (r"\b__aiter__\b", "__iter__"),
    (r"\b__anext__\b", "__next__"),
    (r"\baclose\b", "close"),
    (r"\baclosing\b", "closing"),
    (r"\bStopAsyncIteration\b", "StopIteration"),
    (r"\b_async\b", "_sync"),
    (r"\bclient\.aio\.", "client."),
    (r"\bgrpc\.aio\b", "grpc"),
    (r"\b_aio_", "_sync_"),
]


def unasync(text: str) -> str:
    for pattern, replacement in SUBSTITUTIONS:
        text = re.sub(pattern, replacement, text, flags=re.M)
    return text


def render() -> dict[str, str]:
    out = {}
    for path in sorted(SOURCE.glob("*.py")):
        out[path.name] = HEADER.format(name=path.name) + unasync(path.read_text())
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if _sync is stale")
    args = parser.parse_args()
    wanted = render()
    present = {p.name: p.read_text() for p in TARGET.glob("*.py")} if TARGET.exists() else {}
    if wanted == present:
        print("genai_grpc/_sync is up to date")
        return 0
    if args.check:
        stale = sorted(set(wanted) ^ set(present) | {n for n in wanted if wanted[n] != present.get(n)})
        print(f"genai_grpc/_sync is stale ({', '.join(stale)}): run python scripts/unasync.py")
        return 1
    TARGET.mkdir(exist_ok=True)
    for name in set(present) - set(wanted):
        (TARGET / name).unlink()
    for name, text in wanted.items():
        (TARGET / name).write_text(text)
    print("genai_grpc/_sync rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
