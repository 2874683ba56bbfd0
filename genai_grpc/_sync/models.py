# DO NOT EDIT: generated from genai_grpc/_async/models.py by scripts/unasync.py.
"""client.models: start video generation."""

from __future__ import annotations

from typing import Any

from genai_grpc import _convert, _video_request
from genai_grpc._sync.transport import Transport
from genai_grpc.types import GenerateVideosConfig, GenerateVideosOperation, Image, Video


class Models:
    """Generative models, over grpc."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def generate_videos(
        self,
        *,
        model: str,
        prompt: str | None = None,
        image: Image | dict[str, Any] | Any = None,
        video: Video | dict[str, Any] | Any = None,
        config: GenerateVideosConfig | dict[str, Any] | Any = None,
        timeout: float | None = None,
    ) -> GenerateVideosOperation:
        """Start generating videos; returns the running operation to poll or wait on.

        Sends PredictionService.PredictLongRunning: the Gemini API's with
        model="models/{id}", or Vertex AI's with
        endpoint="projects/{p}/locations/{l}/publishers/google/models/{id}". `model` is a
        model id ("veo-2.0-generate-001") or a resource name; `image`, `video` and `config`
        take genai_grpc's types, dicts, or google-genai's types.
        Raises ValueError for bad arguments, ClientError/ServerError when the call fails.
        """
        config_ = self._transport.config
        route = _video_request.generate_videos(
            model, prompt, image, video, config,
            vertex=config_.vertexai, project=config_.project, location=config_.location,
            local=not _video_request.is_google_host(config_.target),
        )  # fmt: skip
        pb = self._transport.call(
            route.service, route.method, route.request, route.routing_value, timeout,
            routing_field=route.routing_field,
        )  # fmt: skip
        return _convert.to_operation(pb, GenerateVideosOperation)
