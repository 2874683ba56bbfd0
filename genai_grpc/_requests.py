"""Requests that start file search store work, built and checked before any RPC. Pure code
(no network). Video generation requests are built in _video_request."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from typing import Any

from genai_grpc._generated.genai_grpc.v1 import service_pb2
from genai_grpc._names import check_name
from genai_grpc.types import ImportFileSource


def _fields(value: Any, cls: type, what: str) -> dict[str, Any]:
    """A dataclass instance or a dict of its fields -> a dict of the fields that are set."""
    if value is None:
        return {}
    if isinstance(value, cls) and dataclasses.is_dataclass(value):
        data = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    elif isinstance(value, Mapping):
        data = dict(value)
        allowed = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise ValueError(f"{what} has unknown fields {unknown}; allowed: {sorted(allowed)}")
    else:
        raise TypeError(f"{what} must be a {cls.__name__} or a dict, got {type(value).__name__}")
    return {k: v for k, v in data.items() if v is not None}


def store_name(store: object, alias: object, what: str = "store") -> str:
    """The file search store, given as `store=` or google-genai's `file_search_store_name=`."""
    if store is not None and alias is not None and store != alias:
        raise ValueError("pass the file search store once: store= or file_search_store_name=")
    name = check_name(store if store is not None else alias, what)
    if not name.startswith("fileSearchStores/") or name.count("/") != 1:
        raise ValueError(f"{what} must look like 'fileSearchStores/{{id}}', got {name!r}")
    return name


def import_file(store: object, source: Any, file_name: object) -> service_pb2.ImportFileRequest:
    if source is None and file_name is not None:
        source = ImportFileSource(file_name=check_name(file_name, "file_name"))
    fields = _fields(source, ImportFileSource, "source")
    if not fields:
        raise ValueError("source must name a file: ImportFileSource(gcs_uri=...) or (file_name=...)")
    return service_pb2.ImportFileRequest(
        file_search_store_name=str(store), source=service_pb2.ImportFileSource(**fields)
    )


def read_file(file: object) -> tuple[bytes, str]:
    """bytes, a path, or a binary file object -> (content, a display name)."""
    if isinstance(file, (bytes, bytearray)):
        return bytes(file), ""
    if isinstance(file, (str, os.PathLike)):
        path = os.fspath(file)
        with open(path, "rb") as handle:
            return handle.read(), os.path.basename(path)
    read = getattr(file, "read", None)
    if callable(read):
        data = read()
        if not isinstance(data, bytes):
            raise TypeError("file must be opened in binary mode ('rb')")
        return data, os.path.basename(str(getattr(file, "name", "")))
    raise TypeError(f"file must be bytes, a path or a binary file object, got {type(file).__name__}")


def upload(
    store: str, file: object, display_name: str | None, mime_type: str | None
) -> service_pb2.UploadToFileSearchStoreRequest:
    data, default_name = read_file(file)
    return service_pb2.UploadToFileSearchStoreRequest(
        file_search_store_name=store,
        display_name=display_name or default_name,
        mime_type=mime_type or "",
        data=data,
    )
