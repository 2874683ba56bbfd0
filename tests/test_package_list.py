"""pyproject.toml lists packages explicitly: every package directory must be in that list."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_directory_is_listed() -> None:
    text = (ROOT / "pyproject.toml").read_text()
    block = text.split("packages = [", 1)[1].split("]", 1)[0]
    listed = set(re.findall(r'"([\w.]+)"', block))
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "genai_grpc").rglob("__init__.py")}
    found |= {
        "genai_grpc._generated." + ".".join(p.parent.relative_to(ROOT / "generated").parts)
        for p in (ROOT / "generated").rglob("__init__.py")
        if p.parent != ROOT / "generated"
    }
    found.add("genai_grpc._generated")
    assert found - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"
