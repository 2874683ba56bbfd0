#!/usr/bin/env bash
# The wheel on its own: build the sdist and the wheel with the standard frontend, check them
# with twine, install the wheel into a fresh venv outside the source tree and use it from
# there: the CLI, a local server with get/wait/list against it, a user's tests with the
# pytest plugin, and the demo.
#
#   bash scripts/smoke_wheel.sh [PYTHON]      (default: python3)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${1:-python3}
ROOT=$PWD
WORK=$(mktemp -d "${TMPDIR:-/tmp}/genai-grpc-wheel.XXXXXX")
SERVER=
cleanup() {
  [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "smoke_wheel: $*" >&2; exit 1; }
pip() { "$1/bin/python" -m pip install -q --disable-pip-version-check "${@:2}"; }

"$PY" -m venv "$WORK/tools"
pip "$WORK/tools" build twine
"$WORK/tools/bin/python" -m build --outdir "$WORK/dist" "$ROOT" >"$WORK/build.log" 2>&1 ||
  { cat "$WORK/build.log"; fail "python -m build failed"; }
"$WORK/tools/bin/python" -m twine check --strict "$WORK"/dist/*

version=$("$WORK/tools/bin/python" -c 'import ast, sys
tree = ast.parse(open(sys.argv[1]).read())
print(next(n.value.value for n in tree.body if isinstance(n, ast.Assign) and n.targets[0].id == "__version__"))' \
  "$ROOT/genai_grpc/__init__.py")
wheel=$(ls "$WORK"/dist/*.whl)
sdist=$(ls "$WORK"/dist/*.tar.gz)
case "$wheel" in *"genai_grpc-$version-"*) ;; *) fail "wheel $wheel is not version $version";; esac
echo "built $(basename "$sdist") and $(basename "$wheel")"

# The sdist carries what it takes to regenerate and test: protos, generated code, tests, scripts.
listing=$(tar tzf "$sdist")
for part in protos/google/longrunning/operations.proto generated/google/longrunning/operations_pb2.py \
  tests/conftest.py scripts/generate_protos.py genai_grpc/py.typed; do
  grep -q "^genai_grpc-$version/$part\$" <<<"$listing" || fail "the sdist lacks $part"
done
# The wheel carries the typed package, its generated code and the CLI, and nothing of the tree.
wlist=$("$WORK/tools/bin/python" -m zipfile -l "$wheel")
for part in genai_grpc/py.typed genai_grpc/_generated/google/longrunning/operations_pb2.py; do
  grep -q "$part" <<<"$wlist" || fail "the wheel lacks $part"
done
! grep -qE '(^| )(tests|scripts|protos)/' <<<"$wlist" || fail "the wheel carries tests, scripts or protos"

"$PY" -m venv "$WORK/venv"
pip "$WORK/venv" "$wheel[testing]"
cd "$WORK"  # nothing of the source tree can be imported from here
bin=$WORK/venv/bin
where=$("$bin/python" -c 'import genai_grpc; print(genai_grpc.__file__)')
case "$where" in "$WORK/venv/"*) ;; *) fail "genai_grpc imported from $where, not the wheel";; esac
[ "$("$bin/genai-grpc" --version)" = "genai-grpc $version" ] || fail "genai-grpc --version is not $version"
"$bin/genai-grpc" --help >/dev/null

"$bin/genai-grpc" serve --port 0 --duration 1 >"$WORK/serve.out" &
SERVER=$!
for _ in $(seq 100); do [ -s "$WORK/serve.out" ] && break; sleep 0.1; done
address=$(head -n1 "$WORK/serve.out")
[ -n "$address" ] || fail "genai-grpc serve printed no address"
export GENAI_GRPC_EMULATOR_HOST=$address
name=$("$bin/python" -c 'from genai_grpc import Client
print(Client().models.generate_videos(model="veo-2.0-generate-001", prompt="a cat").name)')
"$bin/genai-grpc" get "$name"
"$bin/genai-grpc" wait "$name" --timeout 30 --json | grep -q '"done": *true' || fail "wait did not report done"
"$bin/genai-grpc" list | grep -qF "$name" || fail "list does not show $name"
kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=
unset GENAI_GRPC_EMULATOR_HOST

# A user's own tests, with nothing but the pytest plugin's fixtures (genai-grpc[testing]).
mkdir "$WORK/users"
cat >"$WORK/users/test_with_the_plugin.py" <<'EOF'
from genai_grpc import Client, errors


def test_a_video_with_the_fixtures(genai_server, genai_client):
    op = genai_client.models.generate_videos(model="veo-2.0-generate-001", prompt="a cat [duration:0]")
    assert genai_client.operations.get(op).done


def test_code_making_its_own_client(genai_server):
    genai_server.faults.fail_next = 1
    with Client() as client:  # GENAI_GRPC_EMULATOR_HOST points at this test's server
        try:
            client.models.generate_videos(model="veo-2.0-generate-001", prompt="x")
        except errors.ServerError:
            pass
        else:
            raise AssertionError("the fault switch did not fire")
EOF
(cd "$WORK/users" && "$bin/python" -m pytest -q -p no:cacheprovider) || fail "a user's tests with the pytest plugin failed"

cp "$ROOT/scripts/demo.py" "$WORK/demo.py"
"$bin/python" "$WORK/demo.py" >"$WORK/demo.out" || { cat "$WORK/demo.out"; fail "the demo failed"; }
tail -n 3 "$WORK/demo.out"
echo "the wheel stands alone: build, twine check, CLI, serve + get/wait/list, pytest plugin, demo"
