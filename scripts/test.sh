#!/usr/bin/env bash
# Set up and run every check: generated code is current, types, and the whole test suite on
# the newest releases and on the oldest ones pyproject.toml admits (the floor).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}

venv() {  # venv DIR PIP-ARGS...: create DIR once, then install into it
  local dir=$1; shift
  [ -x "$dir/bin/python" ] || "$PY" -m venv "$dir"
  "$dir/bin/python" -m pip install -q --disable-pip-version-check "$@"
}

echo "== newest releases"
venv .venv -e '.[test]' mypy ruff==0.17.6 types-protobuf
.venv/bin/python -m pip list 2>/dev/null | grep -E '^(grpcio|protobuf|googleapis-common-protos) '
.venv/bin/python scripts/unasync.py --check
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/python -m mypy
.venv/bin/python -m pytest "$@"

echo "== floor: grpcio 1.63.2, protobuf 5.26.1, and the pinned generator"
venv .venv-floor -e '.[test]' grpcio==1.63.2 grpcio-tools==1.63.2 protobuf==5.26.1 \
  googleapis-common-protos==1.63.2 google-auth==2.26.0
.venv-floor/bin/python scripts/generate_protos.py --check
.venv-floor/bin/python -m pytest "$@"
