"""`--output-dir`: write a finished operation's videos to files, inline ones and those
served by address (downloaded in chunks by the caller's `fetch`).

Files are named video_N.EXT after the video's index in the response, so video_1 is always
the second video even when the first could not be saved. The name is made here from the
index and a short, checked extension, never from anything else the server sent, so it cannot
leave the directory. Existing files are refused unless `force`: at 3 a.m. an earlier result
is worth more than a shortcut. Every file appears whole or not at all (temporary name, rename).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable

from genai_grpc import _atomic
from genai_grpc.types import GenerateVideosResponse, Operation, Video

#: Downloads a video served by address to a path: (video, path, overwrite) -> None when
#: saved, else why this client cannot fetch it.
Fetch = Callable[[Video, str, bool], "str | None"]

_EXTENSIONS = {"video/mp4": "mp4", "video/webm": "webm", "video/quicktime": "mov", None: "mp4"}


def extension(mime_type: str | None) -> str:
    """A file extension for a video's mime type (mp4 when the server gave none)."""
    if mime_type in _EXTENSIONS:
        return _EXTENSIONS[mime_type]
    subtype = (mime_type or "").partition("/")[2].partition(";")[0]
    return subtype if re.fullmatch(r"[a-z0-9]{1,8}", subtype) else "bin"


def plan(op: Operation) -> tuple[list[tuple[str, Video]], list[str]]:
    """(file name, video) for each video with bytes or an address, and a note for each
    thing not saved."""
    if not op.done or op.error is not None:
        return [], ["nothing saved: the operation has not succeeded"]
    response = op.response
    if not isinstance(response, GenerateVideosResponse) or not response.generated_videos:
        return [], ["nothing saved: the response holds no videos"]
    files: list[tuple[str, Video]] = []
    notes = []
    for i, generated in enumerate(response.generated_videos):
        video = generated.video
        if video is not None and (video.data is not None or video.uri):
            files.append((f"video_{i}.{extension(video.mime_type)}", video))
        else:
            notes.append(f"video {i} not saved: it has neither bytes nor an address")
    return files, notes


def write(directory: str, files: list[tuple[str, Video]], force: bool, fetch: Fetch) -> tuple[list[str], list[str]]:
    """Write `files` into `directory` (created if missing), downloading those served by
    address with `fetch`; returns the paths written and a note for each video not saved.

    Raises FileExistsError for an existing file unless `force`, OSError for anything else
    (and whatever `fetch` raises).
    """
    if not files:
        return [], []
    os.makedirs(directory, exist_ok=True)
    paths = [_inside(directory, name) for name, _ in files]
    if not force:
        for path in paths:
            if os.path.lexists(path):
                raise FileExistsError(f"{path} exists; pass --force to overwrite it")
    written, notes = [], []
    for path, (name, video) in zip(paths, files, strict=True):
        reason = None
        if video.data is not None:
            _atomic.write_bytes(path, video.data, overwrite=force)
        else:
            reason = fetch(video, path, force)
        if reason is None:
            written.append(path)
        else:
            notes.append(f"{name} not saved: {reason}")
    return written, notes


def _inside(directory: str, name: str) -> str:
    if os.path.basename(name) != name or name in ("", ".", ".."):  # plan() never makes one
        raise ValueError(f"refusing file name {name!r}: it would leave {directory}")
    return os.path.join(directory, name)
