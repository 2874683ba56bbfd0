"""The registry of operation kinds: everything genai_grpc knows about each kind, in one place.

A kind is one sort of long-running operation (a video generation, an import, an upload). Its
entry names the snapshot class and response class (in `types`), the wire messages whose
bytes decode into the response, how a JSON-shaped response (a google.protobuf.Struct) maps
onto it, the operation names it has, the tag `to_dict` writes, and how the CLI shows it.
Everything else reads from here: `_convert` (which class, which decoder), `_large`, `_serde`
(`to_dict`/`from_dict` resolve tags here, and only here), `cli`. Adding a kind is one
`register(Kind(...))` plus its decoders.

Pure and cheap to import (no protobuf, grpc, asyncio or time): decoders import their
generated modules when first called.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from genai_grpc import _google_wire, _payloads, _shapes, _summaries
from genai_grpc.types import (
    GenerateVideosOperation,
    GenerateVideosResponse,
    ImportFileOperation,
    ImportFileResponse,
    Operation,
    UploadToFileSearchStoreOperation,
    UploadToFileSearchStoreResponse,
)

#: A wire decoder: an Any's serialized value -> the response (or a JSON dict for `from_json`).
Decoder = Callable[[bytes], Any]

#: `to_dict`'s tag and the CLI's short name for a snapshot of no particular kind.
BASE_TAG, BASE_SHORT = "Operation", "operation"


@dataclass(frozen=True)
class Kind:
    """One kind of operation. `tag` is what `to_dict` writes under "kind" (and `from_dict`
    resolves); the response's tag is its class name. `large` names the wire messages whose
    decoder reads a memoryview without copying, so that a large answer carrying one is
    parsed lazily (see `_large`)."""

    operation: type[Operation]
    response: type
    #: Full proto name ("pkg.v1.Message") -> decoder, for every message this kind's response
    #: may arrive as. A response of one of these types also tells which kind an operation is.
    wire: Mapping[str, Decoder]
    #: A JSON-shaped response -> the response, or None when the dict is in none of its shapes.
    from_json: Callable[[dict[str, Any]], Any]
    #: Operation names of this kind (names of different kinds must not overlap).
    name: re.Pattern[str]
    tag: str
    #: The CLI's word for it in `list` (a column 9 characters wide).
    short: str
    #: The CLI's lines about a response of this kind.
    summary: Callable[[Any, _summaries.Render], list[str]]
    #: Full proto name -> decoder (returning a JSON-form dict) for metadata messages only
    #: this kind's operations carry (genai_grpc's own OperationMetadata is any kind's).
    metadata: Mapping[str, Decoder] = field(default_factory=dict)
    large: frozenset[str] = field(default=frozenset())

    @property
    def response_tag(self) -> str:
        return self.response.__name__


_KINDS: list[Kind] = []
_BY_TAG: dict[str, Kind] = {}
_BY_CLASS: dict[type, Kind] = {}
_BY_WIRE: dict[str, Kind] = {}
#: _BY_WIRE by the type URL an Any carries it under, as Google's servers write it.
_BY_URL: dict[str, Kind] = {}
_BY_METADATA: dict[str, Kind] = {}
_BY_RESPONSE_TAG: dict[str, Kind] = {}
_LARGE: set[str] = set()


def register(kind: Kind) -> None:
    """Add a kind. ValueError if its tag, classes or wire messages are another kind's."""
    taken = [
        what for what, clash in (
            (f"tag {kind.tag!r}", kind.tag in _BY_TAG or kind.tag == BASE_TAG),
            (f"class {kind.operation.__name__}", kind.operation in _BY_CLASS or kind.operation is Operation),
            (f"response {kind.response_tag}", kind.response_tag in _BY_RESPONSE_TAG),
            *((f"wire message {name}", name in _BY_WIRE) for name in kind.wire),
            *((f"metadata message {name}", name in _BY_METADATA) for name in kind.metadata),
        ) if clash
    ]  # fmt: skip
    if taken:
        raise ValueError(f"kind {kind.tag!r} clashes with a registered kind: {', '.join(taken)}")
    if not kind.large <= set(kind.wire):
        raise ValueError(f"kind {kind.tag!r}: `large` names a message that is not in `wire`")
    _KINDS.append(kind)
    _index()


def unregister(kind: Kind) -> None:
    """Remove a kind `register` added (for tests)."""
    _KINDS.remove(kind)
    _index()


def _index() -> None:
    for table in (_BY_TAG, _BY_CLASS, _BY_WIRE, _BY_URL, _BY_METADATA, _BY_RESPONSE_TAG, _LARGE):
        table.clear()
    for kind in _KINDS:
        _BY_TAG[kind.tag] = _BY_CLASS[kind.operation] = _BY_RESPONSE_TAG[kind.response_tag] = kind
        _BY_WIRE.update(dict.fromkeys(kind.wire, kind))
        _BY_URL.update(dict.fromkeys((f"type.googleapis.com/{name}" for name in kind.wire), kind))
        _BY_METADATA.update(dict.fromkeys(kind.metadata, kind))
        _LARGE.update(kind.large)
    _BY_HEAD.clear()
    global _HEAD_DECIDES
    _HEAD_DECIDES = all(_only_head_matters(kind.name) for kind in _KINDS)


def kinds() -> tuple[Kind, ...]:
    """Every registered kind, in registration order."""
    return tuple(_KINDS)


# -- questions the rest of the library asks --------------------------------------------------


def of_class(cls: type[Operation]) -> Kind | None:
    """The kind whose snapshot class is exactly `cls` (a subclass of it is of no kind)."""
    return _BY_CLASS.get(cls)


def of_response(value: object) -> Kind | None:
    """The kind whose response class `value` is an instance of."""
    return next((k for k in _KINDS if isinstance(value, k.response)), None)


def of_wire(message: str) -> Kind | None:
    """The kind whose response may arrive as the proto message `message` ("pkg.v1.M")."""
    return _BY_WIRE.get(message)


def metadata_decoder(message: str) -> Decoder | None:
    """The decoder a kind registered for metadata carrying the proto message `message`."""
    kind = _BY_METADATA.get(message)
    return kind.metadata[message] if kind is not None else None


def operation_class(tag: str) -> type[Operation] | None:
    """The library's own class for a `to_dict` tag; a user's class never answers."""
    if tag == BASE_TAG:
        return Operation
    kind = _BY_TAG.get(tag)
    return kind.operation if kind is not None else None


def response_class(tag: str) -> type | None:
    """The library's own response class for a response's `to_dict` tag."""
    kind = _BY_RESPONSE_TAG.get(tag)
    return kind.response if kind is not None else None


def tag(cls: type[Operation]) -> str:
    """What `to_dict` writes for a snapshot of class `cls` (a class of no kind: its name)."""
    kind = _BY_CLASS.get(cls)
    return kind.tag if kind is not None else cls.__name__


def short(cls: type[Operation]) -> str:
    """The CLI's short word for a snapshot of class `cls`."""
    kind = _BY_CLASS.get(cls)
    if kind is not None:
        return kind.short
    return BASE_SHORT if cls is Operation else cls.__name__


def response_type(cls: type[Operation]) -> str | None:
    """The first wire message a kind's response arrives as (`Operation.response_type`)."""
    kind = _BY_CLASS.get(cls)
    return next(iter(kind.wire), None) if kind is not None else None


def is_large(message: str) -> bool:
    """Whether a large answer carrying a response of proto message `message` is parsed lazily."""
    return message in _LARGE


def class_for(name: str, response_message: str = "", done: bool = True) -> type[Operation]:
    """Which class a snapshot of operation `name` gets: the kind of its response message
    when there is one, else the kind whose names match, else Operation. A running operation
    has no response (google.longrunning), so for one (`done` False) the kind its name
    matches comes first: reading the response's type costs every poll (BENCHMARKS.md)."""
    by_name = _by_collection(name) if not done else None
    if by_name is not None and by_name is not Operation:
        return by_name
    kind = _BY_WIRE.get(response_message) if response_message else None
    if kind is not None:
        return kind.operation
    return by_name or _by_collection(name)


def _by_collection(name: str) -> type[Operation]:
    """The kind whose names match `name`, else Operation."""
    head, slash, tail = name.rpartition("/")
    if not (_HEAD_DECIDES and slash and tail):
        return _by_name(name)
    # Every name in one collection ("models/veo/operations/...") gets the same answer: a
    # dict hit instead of regexes for each name never seen (BENCHMARKS.md, "The cost of a
    # look").
    cls = _BY_HEAD.get(head)
    if cls is None:
        if len(_BY_HEAD) >= _HEADS:
            _BY_HEAD.clear()
        cls = _BY_HEAD[head] = _by_name(head + "/x")
    return cls


def _by_name(name: str) -> type[Operation]:
    for kind in _KINDS:
        if kind.name.match(name):
            return kind.operation
    return Operation


_BY_HEAD: dict[str, type[Operation]] = {}
_HEADS = 4096
#: Whether every kind's name pattern has the shape "^<no alternation, lookaround or
#: escape>/[^/]+$": then a name matches exactly when its part before the last "/" followed
#: by "/x" does.
_HEAD_DECIDES = False


def _only_head_matters(pattern: re.Pattern[str]) -> bool:
    text = pattern.pattern
    return (
        text.startswith("^") and text.endswith("/[^/]+$") and not pattern.flags & re.VERBOSE
        and not any(mark in text for mark in ("|", "(?=", "(?!", "(?<", "\\"))
    )  # fmt: skip


# -- the kinds -------------------------------------------------------------------------------

register(
    Kind(
        operation=GenerateVideosOperation,
        response=GenerateVideosResponse,
        wire={
            _payloads.VIDEOS: _payloads.decode_videos_response,
            _google_wire.GEMINI_RESPONSE: _google_wire.decode_gemini_response,  # Gemini API
            _google_wire.VERTEX_RESPONSE: _google_wire.decode_vertex_response,  # Vertex AI
        },
        metadata={_google_wire.GEMINI_METADATA: _google_wire.decode_gemini_metadata},
        large=frozenset({_payloads.VIDEOS, _google_wire.GEMINI_RESPONSE}),
        from_json=_shapes.videos_from_json,
        name=re.compile(r"^(?:.+/)?models/[^/]+/operations/[^/]+$"),
        tag="GenerateVideosOperation",
        short="video",
        summary=_summaries.videos,
    )
)
register(
    Kind(
        operation=ImportFileOperation,
        response=ImportFileResponse,
        wire={_payloads.IMPORT: _payloads.decode_import_response},
        from_json=_shapes.import_from_json,
        name=re.compile(r"^fileSearchStores/[^/]+/operations/[^/]+$"),
        tag="ImportFileOperation",
        short="import",
        summary=_summaries.document,
    )
)
register(Kind(
    operation=UploadToFileSearchStoreOperation,
    response=UploadToFileSearchStoreResponse,
    wire={_payloads.UPLOAD: _payloads.decode_upload_response},
    from_json=_shapes.upload_from_json,
    name=re.compile(r"^fileSearchStores/[^/]+/upload/operations/[^/]+$"),
    tag="UploadToFileSearchStoreOperation",
    short="upload",
    summary=_summaries.upload,
))  # fmt: skip
