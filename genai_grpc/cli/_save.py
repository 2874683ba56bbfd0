"""`--output-dir`: write a finished operation's inline videos to files.

Files are named video_N.EXT after the video's index in the response, so video_1 is always
the second video even when the first is served by address and not saved. Existing files are
refused unless `force`: at 3 a.m. an earlier result is worth more than a shortcut.
"""

from __future__ import annotations

import os
import re

from genai_grpc.types import GenerateVideosResponse, Operation

_EXTENSIONS = {"video/mp4": "mp4", "video/webm": "webm", "video/quicktime": "mov", None: "mp4"}


def extension(mime_type: str | None) -> str:
    """A file extension for a video's mime type (mp4 when the server gave none)."""
    if mime_type in _EXTENSIONS:
        return _EXTENSIONS[mime_type]
    subtype = (mime_type or "").partition("/")[2].partition(";")[0]
    return subtype if re.fullmatch(r"[a-z0-9]{1,8}", subtype) else "bin"


def plan(op: Operation) -> tuple[list[tuple[str, bytes]], list[str]]:
    """(file name, bytes) for each inline video, and a note for each thing not saved."""
    if not op.done or op.error is not None:
        return [], ["nothing saved: the operation has not succeeded"]
    response = op.response
    if not isinstance(response, GenerateVideosResponse) or not response.generated_videos:
        return [], ["nothing saved: the response holds no videos"]
    files, notes = [], []
    for i, generated in enumerate(response.generated_videos):
        video = generated.video
        if video is not None and video.data is not None:
            files.append((f"video_{i}.{extension(video.mime_type)}", video.data))
        elif video is not None and video.uri:
            notes.append(f"video {i} not saved: it is served by address, {video.uri}")
        else:
            notes.append(f"video {i} not saved: it has neither bytes nor an address")
    return files, notes


def write(directory: str, files: list[tuple[str, bytes]], force: bool) -> list[str]:
    """Write `files` into `directory` (created if missing); returns their paths.

    Raises FileExistsError for an existing file unless `force`, OSError for anything else.
    """
    if not files:
        return []
    os.makedirs(directory, exist_ok=True)
    if not force:
        for name, _ in files:
            path = os.path.join(directory, name)
            if os.path.lexists(path):
                raise FileExistsError(f"{path} exists; pass --force to overwrite it")
    return [_write_one(os.path.join(directory, name), data, force) for name, data in files]


def _write_one(path: str, data: bytes, force: bool) -> str:
    if not force:
        with open(path, "xb") as f:  # O_EXCL: refuses any existing name, a symlink too
            f.write(data)
        return path
    if os.path.islink(path):
        os.unlink(path)  # --force replaces a link; it never writes into what the link points at
    with open(path, "wb", opener=_no_follow) as f:
        f.write(data)
    return path


def _no_follow(path: str, flags: int) -> int:
    """os.open that fails (ELOOP) rather than follow a symlink made after the check above."""
    return os.open(path, flags | getattr(os, "O_NOFOLLOW", 0), 0o666)
