"""`python -m genai_grpc` and the `genai-grpc` console script: see genai_grpc.cli."""

from __future__ import annotations

import sys


def main() -> int:
    """Run the command line from sys.argv; returns the exit code."""
    from genai_grpc.cli import main as run

    return run()


if __name__ == "__main__":
    sys.exit(main())
