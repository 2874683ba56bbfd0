"""How the CLI summarises each kind's response, for people. Pure code.

A summary only chooses what to say; the CLI's `Render` turns each (label, text) into a
terminal line and cleans the text there, so a summary cannot let a server's control
characters through. The registry of operation kinds (`_kinds`) says which summary a kind
uses.
"""

from __future__ import annotations

from typing import Protocol

from genai_grpc.types import (
    GeneratedVideo,
    GenerateVideosResponse,
    ImportFileResponse,
    UploadToFileSearchStoreResponse,
)


class Render(Protocol):
    """What the CLI gives a summary: a labelled, cleaned line, and sizes for people."""

    def line(self, label: str, text: str, limit: int = 300) -> str:
        """`label` and `text` as one printable line (`text` cut to `limit` characters)."""
        ...

    def size(self, n: int) -> str:
        """A byte count for people: 812 B, 1.5 KiB, 64.0 MiB."""
        ...


def videos(response: GenerateVideosResponse, render: Render) -> list[str]:
    """How many videos, each one's type, size or address and seed, and what filters removed."""
    generated = response.generated_videos
    lines = [render.line("videos", str(len(generated)) if generated else "none")]
    lines += [render.line(f"  [{i}]", _video(v, render), 1000) for i, v in enumerate(generated)]
    if response.rai_media_filtered_count or response.rai_media_filtered_reasons:
        count = response.rai_media_filtered_count or 0
        reasons = "; ".join(response.rai_media_filtered_reasons or ()) or "no reason given"
        lines.append(render.line("filtered", f"{count} by safety filters: {reasons}", 1000))
    elif not generated:
        lines.append(render.line("filtered", "no count given; the response holds no videos"))
    return lines


def _video(generated: GeneratedVideo, render: Render) -> str:
    video = generated.video
    parts = [video.mime_type or "mime type unknown"] if video else ["no video"]
    if video and video.data is not None:
        parts.append(f"{render.size(len(video.data))} inline")
    if video and video.uri:
        parts.append(video.uri)
    if generated.generation_seed is not None:
        parts.append(f"seed {generated.generation_seed}")
    return ", ".join(parts)


def document(response: ImportFileResponse | UploadToFileSearchStoreResponse, render: Render) -> list[str]:
    """The document a file became, and the store it is in."""
    lines = [render.line("document", response.document_name or "-")]
    if response.parent:
        lines.append(render.line("store", response.parent))
    return lines


def upload(response: UploadToFileSearchStoreResponse, render: Render) -> list[str]:
    """`document`, and the uploaded file's type and size."""
    lines = document(response, render)
    size = render.size(response.size_bytes) if response.size_bytes is not None else None
    details = [x for x in (response.mime_type, size) if x]
    if details:
        lines.append(render.line("file", ", ".join(details)))
    return lines
