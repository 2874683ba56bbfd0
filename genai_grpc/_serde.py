"""Operation snapshots <-> JSON-safe dicts, for `Operation.to_dict` / `Operation.from_dict`.

Pure code. The dict is tagged with the operation's kind and a format version. Field values
follow the dataclass type hints: bytes are base64 text, tuples are lists. The `response`
field (typed `Any` on the base class) carries its own tag: the name of a response dataclass,
or "json" for a decoded protobuf-JSON value. Tags are resolved by the registry of operation
kinds (`_kinds`) and only there, so a class outside genai_grpc never stands in for one of
its own. Values nest at most MAX_DEPTH levels (ValueError beyond), so that no input ends in
a RecursionError.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import math
import reprlib
import types as _pytypes
from collections.abc import Mapping
from typing import (
    TYPE_CHECKING,
    Any,
    TypeVar,
    Union,
    get_args,
    get_origin,
    get_type_hints,
)

from genai_grpc import _kinds

if TYPE_CHECKING:
    from genai_grpc.types import Operation

VERSION = 1
#: Containers (the operation dict itself, then every dict, list and dataclass inside it)
#: nest at most this deep. Whatever a server sent fits: protobuf refuses messages nested
#: more than 100 deep, and a message level is at most two JSON levels (a repeated message
#: field: a list of dicts). Deep enough for that, shallow enough for Python's stack.
MAX_DEPTH = 256
_Op = TypeVar("_Op", bound="Operation")


def _check_depth(depth: int, where: str) -> None:
    if depth > MAX_DEPTH:
        raise ValueError(f"{where}: nested more than {MAX_DEPTH} levels deep")


# -- writing ----------------------------------------------------------------------------------


def operation_to_dict(op: Operation) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": _kinds.tag(type(op)), "version": VERSION}
    for f in dataclasses.fields(op):
        value = getattr(op, f.name)
        if f.name == "response":
            out[f.name] = _response_to_json(value)
        else:
            out[f.name] = _to_json(value, f"{type(op).__name__}.{f.name}", 2)
    return out


def _response_to_json(value: Any) -> Any:
    if value is None:
        return None
    kind = _kinds.of_response(value)
    if kind is not None and type(value) is kind.response:
        return {"kind": kind.response_tag, **_to_json(value, "response", 2)}
    return {"kind": "json", "value": _to_json(value, "response", 3)}


def _to_json(value: Any, where: str, depth: int) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise TypeError(f"{where}: {value!r} has no JSON form")
        return value
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode("ascii")
    _check_depth(depth, where)
    if isinstance(value, (list, tuple)):
        return [_to_json(v, where, depth + 1) for v in value]
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise TypeError(f"{where}: dict keys must be strings to be stored as JSON")
        return {k: _to_json(v, where, depth + 1) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: _to_json(getattr(value, f.name), f"{where}.{f.name}", depth + 1) for f in dataclasses.fields(value)
        }
    raise TypeError(f"{where}: cannot store a {type(value).__name__} as JSON")


# -- reading ----------------------------------------------------------------------------------


def operation_from_dict(cls: type[_Op], data: Mapping[str, Any]) -> _Op:
    if not isinstance(data, Mapping):
        raise ValueError(f"expected a dict from Operation.to_dict(), got {type(data).__name__}")
    target = _operation_class(cls, data.get("kind"))
    version = data.get("version", VERSION)
    if type(version) is not int or version != VERSION:
        raise ValueError(f"unsupported operation dict version {_repr(version)} (expected {VERSION})")
    fields = {f.name for f in dataclasses.fields(target)}
    unknown = set(data) - fields - {"kind", "version"}
    if unknown:
        raise ValueError(f"unknown keys in operation dict: {_keys(unknown)}")
    if "name" not in data:
        raise ValueError("operation dict has no 'name'")
    hints = _hints(target)
    kwargs = {}
    for key in fields & set(data):
        where = f"{target.__name__}.{key}"
        if key == "response":
            kwargs[key] = _response_from_json(data[key], target)
        else:
            kwargs[key] = _from_json(hints[key], data[key], where, 2)
    return target(**kwargs)


_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = 200


def _repr(value: Any) -> str:
    """A repr for a message, cut short: a value from elsewhere may be huge or nested deep."""
    return _REPR.repr(value)


def _keys(keys: set[Any]) -> str:
    """Unknown keys for a message; a dict from elsewhere may have keys that are not strings."""
    return ", ".join(sorted(k if isinstance(k, str) else _repr(k) for k in keys))


def _operation_class(cls: type[_Op], kind: object) -> type[_Op]:
    if not isinstance(kind, str):
        raise ValueError(f"operation dict needs a 'kind' naming its class, got {_repr(kind)}")
    found = _kinds.operation_class(kind)
    if found is None:
        known = ", ".join([_kinds.BASE_TAG, *(k.tag for k in _kinds.kinds())])
        raise ValueError(f"unknown operation kind {_repr(kind)} (from_dict makes genai_grpc's own: {known})")
    if not issubclass(found, cls):
        raise ValueError(f"the dict holds a {kind}, not a {cls.__name__}")
    return found


def _response_from_json(value: Any, owner: type) -> Any:
    where = f"{owner.__name__}.response"
    if value is None:
        return None
    if not isinstance(value, Mapping) or not isinstance(value.get("kind"), str):
        raise ValueError(f"{where} must be null or a dict with a 'kind'")
    kind = value["kind"]
    if kind == "json":
        return _plain(value.get("value"), where, 3)
    response = _kinds.response_class(kind)
    if response is None:
        raise ValueError(f"{where}: unknown response kind {_repr(kind)}")
    body = {k: v for k, v in value.items() if k != "kind"}
    return _from_json(response, body, where, 2)


def _plain(value: Any, where: str, depth: int) -> Any:
    """A JSON value, checked and copied (lists stay lists: this is protobuf's JSON form)."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{where}: {value!r} is not a JSON number")
        return value
    _check_depth(depth, where)
    if isinstance(value, list):
        return [_plain(v, where, depth + 1) for v in value]
    if isinstance(value, Mapping) and all(isinstance(k, str) for k in value):
        return {k: _plain(v, where, depth + 1) for k, v in value.items()}
    raise ValueError(f"{where}: {type(value).__name__} is not a JSON value")


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    hints = _HINTS.get(cls)
    if hints is None:
        hints = _HINTS[cls] = get_type_hints(cls)
    return hints


def _from_json(hint: Any, value: Any, where: str, depth: int) -> Any:
    origin = get_origin(hint)
    if origin in (Union, _pytypes.UnionType):
        if value is None and type(None) in get_args(hint):
            return None
        (inner,) = [a for a in get_args(hint) if a is not type(None)]
        return _from_json(inner, value, where, depth)
    if origin is tuple:
        if not isinstance(value, list):
            raise ValueError(f"{where} must be a list, got {type(value).__name__}")
        _check_depth(depth, where)
        return tuple(_from_json(get_args(hint)[0], v, where, depth + 1) for v in value)
    if origin is dict:
        if not isinstance(value, Mapping):
            raise ValueError(f"{where} must be a dict, got {type(value).__name__}")
        return _plain(value, where, depth)
    if dataclasses.is_dataclass(hint):
        return _dataclass(hint, value, where, depth)
    return _scalar(hint, value, where, depth)


def _dataclass(cls: Any, value: Any, where: str, depth: int) -> Any:
    if not isinstance(value, Mapping):
        raise ValueError(f"{where} must be a dict, got {type(value).__name__}")
    _check_depth(depth, where)
    hints = _hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = set(value) - names
    if unknown:
        raise ValueError(f"{where}: unknown keys {_keys(unknown)}")
    try:
        return cls(**{k: _from_json(hints[k], v, f"{where}.{k}", depth + 1) for k, v in value.items()})
    except TypeError as exc:  # a required field is missing
        raise ValueError(f"{where}: {exc}") from None


def _scalar(hint: Any, value: Any, where: str, depth: int) -> Any:
    if hint is bytes:
        if not isinstance(value, str):
            raise ValueError(f"{where} must be base64 text, got {type(value).__name__}")
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(f"{where} is not valid base64") from None
    if hint is Any:
        return _plain(value, where, depth)
    ok = {
        str: isinstance(value, str),
        bool: isinstance(value, bool),
        int: isinstance(value, int) and not isinstance(value, bool),
        float: isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value),
    }
    if not ok.get(hint, False):
        raise ValueError(f"{where} must be {getattr(hint, '__name__', hint)}, got {_repr(value)}")
    return value
