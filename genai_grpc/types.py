"""Typed, immutable snapshots of long-running operations and their payloads.

Every class here is a frozen, slotted dataclass: a snapshot of what the server said at one
moment. Polling returns a new snapshot; nothing is updated in place.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from genai_grpc.errors import APIError, OperationTimeoutError

from genai_grpc import _codes, _seconds

__all__ = [
    "GenerateVideosConfig",
    "GenerateVideosOperation",
    "GenerateVideosResponse",
    "GeneratedVideo",
    "Image",
    "ImportFileOperation",
    "ImportFileResponse",
    "ImportFileSource",
    "Operation",
    "OperationError",
    "Outcome",
    "PollPolicy",
    "RequestBudget",
    "RetryPolicy",
    "UnknownPayload",
    "UploadToFileSearchStoreOperation",
    "UploadToFileSearchStoreResponse",
    "Video",
    "VideoGenerationMask",
    "VideoGenerationReferenceImage",
]


def _size(data: bytes | None) -> str:
    return "None" if data is None else f"<{len(data)} bytes>"


@dataclass(frozen=True, slots=True)
class UnknownPayload:
    """A payload this client could not decode, kept byte for byte with its type URL."""

    type_url: str
    value: bytes

    def __repr__(self) -> str:
        return f"UnknownPayload(type_url={self.type_url!r}, value={_size(self.value)})"


@dataclass(frozen=True, slots=True)
class Video:
    """A generated video: inline bytes (`data`), or an address (`uri`) to fetch it from."""

    data: bytes | None = None
    mime_type: str | None = None
    uri: str | None = None

    def __repr__(self) -> str:
        return f"Video(data={_size(self.data)}, mime_type={self.mime_type!r}, uri={self.uri!r})"

    def save(self, path: str | os.PathLike[str], client: Any = None) -> None:
        """Write the video to `path` (atomically). A video with only a `uri` is downloaded
        through `client` (a genai_grpc Client) when given; without one it raises ValueError
        saying to download it first, as google-genai does."""
        from genai_grpc import _atomic

        if self.data is not None:
            _atomic.write_bytes(path, self.data)
        elif self.uri and client is not None:
            client.files.download(file=self, path=path)
        elif self.uri:
            raise ValueError(
                f"this video has no bytes, only a uri ({self.uri}): download it first with "
                "client.files.download(file=video, path=...), or pass client= to save()"
            )
        else:
            raise ValueError("this video has neither bytes nor a uri: nothing to save")


@dataclass(frozen=True, slots=True)
class GeneratedVideo:
    """One generated video and the seed it was generated with."""

    video: Video | None = None
    generation_seed: int | None = None


@dataclass(frozen=True, slots=True)
class GenerateVideosResponse:
    """What a finished video generation produced.

    `rai_media_filtered_count` says how many videos safety filters removed, with reasons:
    a done operation with no videos usually means they were all filtered.
    """

    generated_videos: tuple[GeneratedVideo, ...] = ()
    rai_media_filtered_count: int | None = None
    rai_media_filtered_reasons: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class ImportFileResponse:
    """What a finished import into a file search store produced."""

    parent: str | None = None
    document_name: str | None = None


@dataclass(frozen=True, slots=True)
class UploadToFileSearchStoreResponse:
    """What a finished upload to a file search store produced."""

    parent: str | None = None
    document_name: str | None = None
    mime_type: str | None = None
    size_bytes: int | None = None


@dataclass(frozen=True, slots=True)
class ImportFileSource:
    """Where a file to import comes from (a Cloud Storage URI or an uploaded file's name)."""

    gcs_uri: str | None = None
    file_name: str | None = None


@dataclass(frozen=True, slots=True)
class Image:
    """An input image: inline bytes or a Cloud Storage URI (Vertex AI only), as google-genai's."""

    gcs_uri: str | None = None
    image_bytes: bytes | None = None
    mime_type: str | None = None

    def __repr__(self) -> str:
        return f"Image(gcs_uri={self.gcs_uri!r}, image_bytes={_size(self.image_bytes)}, mime_type={self.mime_type!r})"


@dataclass(frozen=True, slots=True)
class VideoGenerationReferenceImage:
    """An image the video should follow; `reference_type` e.g. "ASSET" or "STYLE"."""

    image: Image | None = None
    reference_type: str | None = None


@dataclass(frozen=True, slots=True)
class VideoGenerationMask:
    """A mask image and how to apply it (`mask_mode`, e.g. "INSERT"); Vertex AI only."""

    image: Image | None = None
    mask_mode: str | None = None


@dataclass(frozen=True, slots=True)
class GenerateVideosConfig:
    """Options for generate_videos, with google-genai's names. Fields left None take the
    server's defaults. A field the chosen backend does not take raises ValueError when the
    request is built (README: "What each method sends").

    `video_size_bytes` and `return_uri` are options of genai_grpc's local server only (to
    test large payloads and videos served by address); they are refused for Google's hosts.
    """

    number_of_videos: int | None = None
    output_gcs_uri: str | None = None
    fps: int | None = None
    duration_seconds: int | None = None
    seed: int | None = None
    aspect_ratio: str | None = None
    resolution: str | None = None
    person_generation: str | None = None
    pubsub_topic: str | None = None
    negative_prompt: str | None = None
    enhance_prompt: bool | None = None
    generate_audio: bool | None = None
    last_frame: Image | None = None
    reference_images: tuple[VideoGenerationReferenceImage, ...] | None = None
    mask: VideoGenerationMask | None = None
    compression_quality: str | None = None
    labels: Mapping[str, str] | None = None
    webhook_config: Any = None
    resize_mode: str | None = None
    video_size_bytes: int | None = None
    return_uri: bool | None = None


@dataclass(frozen=True, slots=True)
class OperationError:
    """Why an operation failed.

    `code` is the google.rpc code number as the server sent it (e.g. 3), `status` its name
    (e.g. "INVALID_ARGUMENT"); `details` are the error details in protobuf's JSON form, each
    with its "@type" (a detail of a type this client does not know keeps its bytes, base64,
    under "value").
    """

    code: int
    message: str
    details: tuple[dict[str, Any], ...] = ()

    @property
    def status(self) -> str:
        return _codes.name(self.code)


class _ResponseType:
    """`Operation.response_type`, answered by the registry of operation kinds (`_kinds`)."""

    def __get__(self, obj: object, owner: type[Operation]) -> str | None:
        from genai_grpc import _kinds

        return _kinds.response_type(owner)


class _Snapshot:
    """Where a snapshot made from a server's answer keeps what it has not decoded yet."""

    __slots__ = ("_pending",)


#: The fields a snapshot from the server decodes on first read, and nothing before.
_PAYLOAD_FIELDS = frozenset({"error", "response", "metadata", "raw_response", "raw_metadata"})


@dataclass(frozen=True, slots=True, kw_only=True)
class Operation(_Snapshot):
    """A snapshot of a long-running operation.

    `done` is False while it runs. When done, `error` is set if it failed, else `response`
    holds its result (a done operation may carry neither). `metadata` is the progress the
    server reports, in protobuf's JSON form. A payload this client cannot decode is never
    dropped: it is kept in `raw_response` / `raw_metadata` and `response` / `metadata` is None.

    A snapshot from the server decodes `error`, `response` and `metadata` (with their `raw_`
    twins) on their first read, not before: looking at `name` and `done` costs no decoding.
    What a read finds is what an eager decode would have found, and it is kept: equality,
    repr, to_dict and pickling see the same values either way.
    """

    name: str
    done: bool = False
    error: OperationError | None = None
    response: Any = None
    metadata: dict[str, Any] | None = None
    raw_response: UnknownPayload | None = None
    raw_metadata: UnknownPayload | None = None

    #: Name of the response field's proto message this class decodes, if any.
    response_type = _ResponseType()

    if not TYPE_CHECKING:  # a type checker should still reject misspelt attributes

        def __getattr__(self, attr: str) -> Any:
            # Only reached for a payload field not decoded yet (or a missing attribute).
            try:
                pending = object.__getattribute__(self, "_pending")
            except AttributeError:
                pending = None
            if pending is None or attr not in _PAYLOAD_FIELDS:
                message = f"{type(self).__name__!r} object has no attribute {attr!r}"
                raise AttributeError(message, name=attr, obj=self)
            from genai_grpc import _convert

            _convert.load(self, pending, attr)
            return object.__getattribute__(self, attr)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict of this snapshot, tagged with its class under "kind".

        Store it anywhere (a database, a queue, a file) and pick the operation up later,
        in another process, with `Operation.from_dict(d)`. Bytes become base64 text.
        Raises TypeError for a response of a type this module cannot write (e.g. the
        result of a custom decoder that is not a dict), ValueError for values nested more
        than 256 levels deep.
        """
        from genai_grpc import _serde

        return _serde.operation_to_dict(self)

    @classmethod
    def from_dict(cls: type[_Op], data: Mapping[str, Any]) -> _Op:
        """The operation `to_dict()` wrote, with its class.

        `Operation.from_dict` returns whichever of genai_grpc's classes the dict names (a
        class of yours never stands in, whatever its name); a subclass, e.g.
        `GenerateVideosOperation.from_dict`, also checks the dict names that class. Raises
        ValueError for a malformed dict: an unknown kind, a version other than the integer
        1, a value of the wrong type, a NaN or infinity, or nesting deeper than 256
        levels.
        """
        from genai_grpc import _serde

        return _serde.operation_from_dict(cls, data)


_Op = TypeVar("_Op", bound=Operation)


@dataclass(frozen=True, slots=True, kw_only=True)
class GenerateVideosOperation(Operation):
    """A video generation; `response` is a GenerateVideosResponse when it succeeded."""

    response: GenerateVideosResponse | None = None

    @property
    def result(self) -> GenerateVideosResponse | None:
        """The same as `response` (google-genai's name)."""
        return self.response


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportFileOperation(Operation):
    """An import into a file search store; `response` is an ImportFileResponse."""

    response: ImportFileResponse | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class UploadToFileSearchStoreOperation(Operation):
    """An upload to a file search store; `response` is an UploadToFileSearchStoreResponse."""

    response: UploadToFileSearchStoreResponse | None = None


def _check_numbers(owner: str, optional: tuple[str, ...] = (), **values: object) -> None:
    """Each value a finite number >= 0 (None only for the keys in `optional`)."""
    for key, value in values.items():
        _seconds.check(value, f"{owner}.{key}", optional=key in optional)


def _check_jitter(owner: str, jitter: object) -> None:
    if not isinstance(jitter, bool):
        raise ValueError(f"{owner}.jitter must be True or False, got {jitter!r}")


@dataclass(frozen=True, slots=True)
class PollPolicy:
    """How often `wait`, `watch` and `as_completed` ask about an operation.

    The first check is at once. After the n-th answer the next check starts
    ``uniform(0, cap)`` seconds after the previous one started (full jitter; exactly `cap`
    with ``jitter=False``), where ``cap = min(maximum, initial * multiplier ** n)``.
    Defaults: 3 s, x1.2, at most 20 s: against operations of 2-20 s, fewer RPCs and a
    shorter lag between finishing and being seen than google-api-core's 1 s, x1.5, 20 s
    (scripts/bench_economy.py; BENCHMARKS.md, "RPCs per finished operation").

    When the server implements WaitOperation, `wait` asks it to hold each call open for up
    to `long_poll` seconds (one RPC instead of many); ``long_poll=0`` always uses
    GetOperation polling.
    """

    initial: float = 3.0
    multiplier: float = 1.2
    maximum: float = 20.0
    jitter: bool = True
    long_poll: float = 60.0

    def __post_init__(self) -> None:
        _check_numbers(
            "PollPolicy",
            initial=self.initial,
            maximum=self.maximum,
            long_poll=self.long_poll,
            multiplier=self.multiplier,
        )
        _check_jitter("PollPolicy", self.jitter)
        if self.multiplier < 1:
            raise ValueError(f"PollPolicy.multiplier must be >= 1, got {self.multiplier!r}")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How a wait rides out transient failures (UNAVAILABLE, RESOURCE_EXHAUSTED,
    DEADLINE_EXCEEDED, and CANCELLED by a server going away), separately from the poll schedule.

    After the n-th failure in a row it retries after ``uniform(0, min(maximum, initial *
    multiplier ** (n-1)))`` seconds, or after the server's RetryInfo delay when it sent one.
    Retries never go past the wait's `timeout`; a wait without one gives up after
    `max_outage` seconds of failures in a row (None: never) and raises the last error.
    Defaults: 0.25 s, x2, at most 10 s, 300 s.
    """

    initial: float = 0.25
    multiplier: float = 2.0
    maximum: float = 10.0
    jitter: bool = True
    max_outage: float | None = 300.0

    def __post_init__(self) -> None:
        _check_numbers(
            "RetryPolicy",
            ("max_outage",),
            initial=self.initial,
            maximum=self.maximum,
            max_outage=self.max_outage,
            multiplier=self.multiplier,
        )
        _check_jitter("RetryPolicy", self.jitter)
        if self.multiplier < 1:
            raise ValueError(f"RetryPolicy.multiplier must be >= 1, got {self.multiplier!r}")


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one operation of a fleet ended, from ``as_completed(..., return_errors=True)``
    and ``wait_all(..., return_errors=True)``.

    Exactly one of two things: the operation finished (`operation` is the done snapshot,
    `error` None; a failed operation is still a finished one, with ``operation.error``
    set), or a call about it failed for good or its time ran out (`error` is the APIError,
    e.g. a 404 ClientError, or the OperationTimeoutError; `operation` is the last snapshot
    seen, if any). `name` is the operation's resource name either way.
    """

    name: str
    operation: Operation | None = None
    error: APIError | OperationTimeoutError | None = None

    @property
    def succeeded(self) -> bool:
        """Done without an error of its own and without a failed call."""
        return self.error is None and self.operation is not None and self.operation.error is None


@dataclass(frozen=True, slots=True)
class RequestBudget:
    """A client-wide limit on requests per second, shared by every RPC of the client
    (sync and aio: get, list, cancel, delete, and every poll of wait, watch and fleets).

    Requests are spaced evenly at `max_rps`, with at most `burst` sent back to back after a
    quiet spell. When the server answers RESOURCE_EXHAUSTED the rate is cut to `decrease`
    times itself (not below `min_rps`; at most once a second, so one burst of refusals
    counts once), and nothing is sent until the delay of its RetryInfo, if it sent one, is
    over (at most `max_pause` seconds). It then climbs back linearly, by ``max_rps /
    recover_s`` per second, until a refusal or `max_rps`. Nothing is dropped: requests wait
    for their turn, within each wait's own timeout.
    """

    max_rps: float
    burst: float = 1.0
    min_rps: float | None = None
    decrease: float = 0.5
    recover_s: float = 10.0
    max_pause: float = 60.0

    def __post_init__(self) -> None:
        _seconds.check(self.max_rps, "RequestBudget.max_rps", positive=True)
        _check_numbers(
            "RequestBudget",
            ("min_rps",),
            burst=self.burst,
            min_rps=self.min_rps,
            recover_s=self.recover_s,
            max_pause=self.max_pause,
        )
        if self.burst < 1:
            raise ValueError(f"RequestBudget.burst must be >= 1, got {self.burst!r}")
        if self.min_rps is not None and not 0 < self.min_rps <= self.max_rps:
            raise ValueError(f"RequestBudget.min_rps must be > 0 and <= max_rps, got {self.min_rps!r}")
        if isinstance(self.decrease, bool) or not isinstance(self.decrease, (int, float)) or not 0 < self.decrease <= 1:
            raise ValueError(f"RequestBudget.decrease must be a number in (0, 1], got {self.decrease!r}")
        if not self.recover_s > 0:
            raise ValueError(f"RequestBudget.recover_s must be > 0, got {self.recover_s!r}")

    @property
    def floor(self) -> float:
        """The lowest rate refusals can push it to: `min_rps`, by default max_rps / 20."""
        return self.min_rps if self.min_rps is not None else self.max_rps / 20
