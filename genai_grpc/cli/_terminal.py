"""The width of the terminal, found without shutil (and its bz2/lzma imports)."""

from __future__ import annotations

import os


def columns(fd: int) -> int:
    """$COLUMNS when it is a number, else the width of the terminal on `fd`, else 80."""
    if os.environ.get("COLUMNS", "").isdigit():
        return int(os.environ["COLUMNS"])
    try:
        return os.get_terminal_size(fd).columns or 80
    except (OSError, ValueError):
        return 80
