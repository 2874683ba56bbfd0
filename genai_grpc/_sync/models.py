# DO NOT EDIT: generated from genai_grpc/_async/models.py by scripts/unasync.py.
"""client.models: start video generation."""

from __future__ import annotations

from typing import Any

from genai_grpc import _convert, _requests
from genai_grpc._sync.transport import Transport
from genai_grpc.types import GenerateVideosConfig, GenerateVideosOperation


class Models:
    """Generative models, over grpc."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def generate_videos(
        self,
        *,
        model: str,
        prompt: str | None = None,
        config: GenerateVideosConfig | dict[str, Any] | None = None,
        timeout: float | None = None,
    ) -> GenerateVideosOperation:
        """Start generating videos; returns the running operation to poll or wait on.

        `model` is a model id ("veo-2.0-generate-001") or name ("models/veo-2.0-generate-001").
        Raises ValueError for bad arguments, ClientError/ServerError when the call fails.
        """
        request = _requests.generate_videos(model, prompt, config)
        pb = self._transport.call("genai", "GenerateVideos", request, request.model, timeout)
        return _convert.to_operation(pb, GenerateVideosOperation)
