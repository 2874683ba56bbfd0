# DO NOT EDIT: generated from genai_grpc/_async/files.py by scripts/unasync.py.
"""client.files: the bytes of generated videos, inline or fetched from their URI."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, overload

from genai_grpc._config import ClientConfig
from genai_grpc.types import GeneratedVideo, Video

if TYPE_CHECKING:
    from genai_grpc._http import Progress

FileInput = Video | GeneratedVideo | str


class Files:
    """Downloads of generated videos; see `download`."""

    def __init__(self, config: ClientConfig) -> None:
        self._config = config
        self._google: Any = None  # the credentials holder, made at the first download

    @overload
    def download(
        self, *, file: FileInput, path: None = None, progress: Progress | None = None,
        overwrite: bool = True, timeout: float | None = None,
    ) -> bytes: ...  # fmt: skip

    @overload
    def download(
        self, *, file: FileInput, path: str | os.PathLike[str], progress: Progress | None = None,
        overwrite: bool = True, timeout: float | None = None,
    ) -> int: ...  # fmt: skip

    def download(
        self, *, file: FileInput, path: str | os.PathLike[str] | None = None,
        progress: Progress | None = None, overwrite: bool = True, timeout: float | None = None,
    ) -> bytes | int:  # fmt: skip
        """The bytes of a video: `file` is a types.Video (or GeneratedVideo), its URI, or a
        Gemini API file name ("files/abc").

        Inline bytes come back as they are. A URI is fetched: a Gemini API file over HTTPS
        with the client's API key in the x-goog-api-key header (never in the URL), a
        gs://bucket/object through the Cloud Storage JSON API with the client's Google
        credentials, the local server's http://127.0.0.1 files as they are.

        With `path`, the bytes are streamed to a temporary file beside it, then renamed into
        place (memory stays flat whatever the size); returns the number of bytes written.
        `overwrite=False` raises FileExistsError instead of replacing a file. `progress` is
        called with (bytes so far, total or None) after each chunk (for client.aio, from the
        worker thread the download runs in). `timeout` (seconds,
        default: the client's) bounds connecting and each read, not the whole download.

        Raises ClientError / ServerError with the HTTP status for a failed answer (404, 500,
        ...) or a redirect it will not follow, ValueError / TypeError for bad arguments.
        """
        # Imported at the first download: most programs never download.
        from genai_grpc import _http

        if self._google is None:
            self._google = _http.GoogleCredentials(self._config)
        job = _http.Download(
            self._config, self._google, file, path=path, progress=progress, overwrite=overwrite, timeout=timeout
        )
        return job.run()

    def __repr__(self) -> str:
        return f"Files(target={self._config.target!r})"
