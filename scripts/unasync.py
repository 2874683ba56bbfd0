"""Generate genai_grpc/_sync/ from genai_grpc/_async/ by text substitution.

    python scripts/unasync.py          # rewrite genai_grpc/_sync
    python scripts/unasync.py --check  # exit 1 if genai_grpc/_sync is stale

Both fail when a substitution matches nothing in genai_grpc/_async: a dead pattern only
pretends to a coverage the conversion does not have.

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

# Each pattern must match somewhere (main() fails otherwise), so none outlives its use.
SUBSTITUTIONS = [
    (r"^import asyncio\n", ""),
    (r"\basyncio\.sleep\(", "time.sleep("),
    (r"\basync def\b", "def"),
    (r"\basync for\b", "for"),
    (r"\bawait ", ""),
    (r"\bgrpc\.aio\.Metadata\(", "("),  # grpc.aio's own metadata type; a tuple for sync grpc
    (r"\bgrpc\.aio\b", "grpc"),
    (r"\bAsyncIterator\b", "Iterator"),
    (r"\bAsync([A-Z]\w*)", r"\1"),
    (r"\baclose\b", "close"),
    (r"\baclosing\b", "closing"),
    (r"\b_async\b", "_sync"),
    (r"\bclient\.aio\.", "client."),
]


def unasync(text: str, used: set[str]) -> str:
    """`text` with every substitution applied; adds the patterns that matched to `used`."""
    for pattern, replacement in SUBSTITUTIONS:
        text, count = re.subn(pattern, replacement, text, flags=re.M)
        if count:
            used.add(pattern)
    return text


def render(used: set[str]) -> dict[str, str]:
    out = {}
    for path in sorted(SOURCE.glob("*.py")):
        out[path.name] = HEADER.format(name=path.name) + unasync(path.read_text(), used)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if _sync is stale")
    args = parser.parse_args()
    used: set[str] = set()
    wanted = render(used)
    unused = [pattern for pattern, _ in SUBSTITUTIONS if pattern not in used]
    if unused:
        print(f"scripts/unasync.py: patterns that match nothing, remove them: {', '.join(unused)}")
        return 1
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
