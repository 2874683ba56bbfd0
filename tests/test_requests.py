"""Pure tests: requests that start file search store work are built and checked before any RPC."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from genai_grpc import _requests
from genai_grpc.types import ImportFileSource


def test_store_spellings() -> None:
    assert _requests.store_name("fileSearchStores/a", None) == "fileSearchStores/a"
    assert _requests.store_name(None, "fileSearchStores/a") == "fileSearchStores/a"
    for bad in ("stores/a", "fileSearchStores/a/b", ""):
        with pytest.raises(ValueError, match="store"):
            _requests.store_name(bad, None)
    with pytest.raises(ValueError, match="once"):
        _requests.store_name("fileSearchStores/a", "fileSearchStores/b")


def test_import_source_from_source_or_file_name() -> None:
    a = _requests.import_file("fileSearchStores/a", ImportFileSource(gcs_uri="gs://b/d.pdf"), None)
    assert a.source.gcs_uri == "gs://b/d.pdf"
    b = _requests.import_file("fileSearchStores/a", None, "files/123")
    assert b.source.file_name == "files/123"
    with pytest.raises(ValueError, match="source"):
        _requests.import_file("fileSearchStores/a", None, None)


def test_upload_reads_bytes_paths_and_files(tmp_path: Path) -> None:
    path = tmp_path / "doc.txt"
    path.write_bytes(b"hello")
    assert _requests.read_file(b"hello") == (b"hello", "")
    assert _requests.read_file(str(path)) == (b"hello", "doc.txt")
    assert _requests.read_file(path) == (b"hello", "doc.txt")
    assert _requests.read_file(io.BytesIO(b"hello"))[0] == b"hello"
    with pytest.raises(TypeError, match="binary"):
        _requests.read_file(io.StringIO("text"))
    with pytest.raises(FileNotFoundError):
        _requests.read_file(tmp_path / "missing")
    request = _requests.upload("fileSearchStores/a", path, None, "text/plain")
    assert (request.display_name, request.mime_type, request.data) == ("doc.txt", "text/plain", b"hello")
