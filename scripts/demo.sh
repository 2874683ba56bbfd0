#!/usr/bin/env bash
# Set up genai_grpc in .venv, start the bundled local server, and run the demo against it.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || "${PYTHON:-python3}" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e .
exec .venv/bin/python scripts/demo.py "$@"
