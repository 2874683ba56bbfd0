"""The README's main job (scripts/demo.py) runs end to end against the local server."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

DEMO = Path(__file__).resolve().parent.parent / "scripts" / "demo.py"


@pytest.mark.slow
def test_demo_runs_end_to_end() -> None:
    out = subprocess.run([sys.executable, str(DEMO)], capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "  running\n" in out.stdout and "  done\n" in out.stdout
    assert "saved " in out.stdout and "video_0.mp4" in out.stdout
    assert "failed: INVALID_ARGUMENT" in out.stdout
    assert "rai_media_filtered_count=1" in out.stdout
    assert "state     SUCCEEDED" in out.stdout
