#!/usr/bin/env bash
# Set up and run every check: generated code is current, lint, types, the whole test suite on
# every Python pyproject.toml admits (3.10 to 3.13) with the newest releases, on the oldest
# releases it admits (the floor) on the oldest Python, and the built wheel on its own.
#
# Interpreters are found under pyenv (newest installed patch of each minor version), else as
# python3.X on PATH; a missing one fails the run. The slow tests (load, memory, restarts: marked
# `slow`) run once, on 3.11; the others run everywhere. Extra arguments go to every pytest run.
set -euo pipefail
cd "$(dirname "$0")/.."

find_python() {  # find_python 3.X: print the path of a Python 3.X interpreter, or fail
  local minor=$1 root candidate
  if command -v pyenv >/dev/null 2>&1; then
    root=$(pyenv root)
    for candidate in $(ls -d "$root/versions/$minor".* 2>/dev/null | sort -V -r); do
      [ -x "$candidate/bin/python3" ] && { echo "$candidate/bin/python3"; return; }
    done
  fi
  if command -v "python$minor" >/dev/null 2>&1; then command -v "python$minor"; return; fi
  echo "scripts/test.sh: Python $minor not found (looked under pyenv and for python$minor on PATH);" \
    "install it, e.g. 'pyenv install $minor', then run again" >&2
  return 1
}

venv() {  # venv DIR PYTHON PIP-ARGS...: (re)create DIR with PYTHON, then install into it
  local dir=$1 python=$2 want; shift 2
  want=$("$python" -c 'import sys; print(sys.version)')
  if [ ! -x "$dir/bin/python" ] || [ "$("$dir/bin/python" -c 'import sys; print(sys.version)')" != "$want" ]; then
    rm -rf "$dir"
    "$python" -m venv "$dir"
  fi
  "$dir/bin/python" -m pip install -q --disable-pip-version-check "$@"
}

versions() {  # versions DIR: the Python and the releases a run used
  "$1/bin/python" -c 'import sys; print("python", sys.version.split()[0])'
  "$1/bin/python" -m pip list 2>/dev/null | grep -E '^(grpcio|protobuf|googleapis-common-protos|google-auth) ' | tr -s ' '
}

declare -A PYTHONS
for minor in 3.10 3.11 3.12 3.13; do PYTHONS[$minor]=$(find_python "$minor"); done
start=$SECONDS

echo "== 3.11, newest releases: generated code, lint, types, every test"
venv .venv "${PYTHONS[3.11]}" -e '.[test]' mypy ruff==0.17.6 types-protobuf
versions .venv
.venv/bin/python scripts/unasync.py --check
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/python -m mypy
.venv/bin/python -m pytest "$@"

for minor in 3.10 3.12 3.13; do
  echo "== $minor, newest releases (not slow)"
  venv ".venv-$minor" "${PYTHONS[$minor]}" -e '.[test]'
  versions ".venv-$minor"
  ".venv-$minor/bin/python" -m pytest -m "not slow" "$@"
done

echo "== 3.10, floor: grpcio 1.63.2, protobuf 5.26.1, googleapis-common-protos 1.63.2, google-auth 2.26.0"
venv .venv-floor "${PYTHONS[3.10]}" -e '.[test]' grpcio==1.63.2 grpcio-tools==1.63.2 protobuf==5.26.1 \
  googleapis-common-protos==1.63.2 google-auth==2.26.0
versions .venv-floor
.venv-floor/bin/python scripts/generate_protos.py --check
.venv-floor/bin/python -m pytest -m "not slow" "$@"

echo "== the wheel on its own"
bash scripts/smoke_wheel.sh "${PYTHONS[3.12]}"

echo "== all passed in $((SECONDS - start)) s"
