"""Constraints on how genai_grpc lives in a process: coexistence, generated code, floors."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

COEXIST = """
import sys
def ours():
    import genai_grpc
    from genai_grpc import _convert
    from genai_grpc._generated.google.longrunning import operations_pb2
    return operations_pb2
def theirs():
    from google.longrunning import operations_pb2
    return operations_pb2
first, second = (ours, theirs) if sys.argv[1] == "ours-first" else (theirs, ours)
a, b = first(), second()
op = a.Operation(name="operations/1", done=True)
op.error.code = 5
copy = b.Operation.FromString(op.SerializeToString())
assert copy.name == "operations/1" and copy.error.code == 5
print("ok")
"""


@pytest.mark.parametrize("order", ["ours-first", "theirs-first"])
def test_coexists_with_googleapis_common_protos(order: str) -> None:
    out = subprocess.run([sys.executable, "-c", COEXIST, order], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_coexists_with_google_api_core_if_installed() -> None:
    pytest.importorskip("google.api_core.operations_v1")
    code = "import genai_grpc._convert, google.api_core.operations_v1; import genai_grpc._sync.transport; print('ok')"
    for script in (code, "import google.api_core.operations_v1; " + code):
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr


def test_generated_sync_twin_is_up_to_date() -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "unasync.py"), "--check"], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_unasync_fails_on_a_pattern_that_matches_nothing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = importlib.util.spec_from_file_location("unasync_script", ROOT / "scripts" / "unasync.py")
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    monkeypatch.setattr(sys, "argv", ["unasync.py", "--check"])
    assert script.main() == 0
    monkeypatch.setattr(script, "SUBSTITUTIONS", [*script.SUBSTITUTIONS, (r"\bnever_written_anywhere\b", "x")])
    assert script.main() == 1
    assert "never_written_anywhere" in capsys.readouterr().out


def test_generated_code_carries_do_not_edit_header() -> None:
    files = [p for p in (ROOT / "generated").rglob("*.py*") if "__pycache__" not in p.parts]
    files += list((ROOT / "genai_grpc" / "_sync").glob("*.py"))
    assert files
    for path in files:
        assert path.read_text().startswith("# DO NOT EDIT"), path


def test_import_does_not_load_grpc_for_types_only() -> None:
    code = "import sys, genai_grpc.types, genai_grpc.errors; print('grpc' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "False", out.stderr
