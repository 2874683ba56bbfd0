"""client.aio.models: start video generation."""

from __future__ import annotations

from typing import Any

from genai_grpc import _convert, _requests
from genai_grpc._async.transport import AsyncTransport
from genai_grpc.types import GenerateVideosConfig, GenerateVideosOperation


class AsyncModels:
    """Generative models, over grpc.aio."""

    def __init__(self, transport: AsyncTransport) -> None:
        self._transport = transport

    async def generate_videos(
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
        pb = await self._transport.call("genai", "GenerateVideos", request, request.model, timeout)
        return _convert.to_operation(pb, GenerateVideosOperation)
