"""Pure tests: requests that start work are built and checked before any RPC."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from genai_grpc import _requests
from genai_grpc.types import GenerateVideosConfig, ImportFileSource


def test_generate_videos_accepts_dataclass_or_dict_config() -> None:
    a = _requests.generate_videos("veo-2", "a cat", GenerateVideosConfig(number_of_videos=2))
    b = _requests.generate_videos("models/veo-2", "a cat", {"number_of_videos": 2})
    assert a == b
    assert a.model == "models/veo-2" and a.config.number_of_videos == 2


@pytest.mark.parametrize("config,match", [
    ({"number_of_vidoes": 2}, "unknown fields"),
    ({"duration_seconds": -1}, "must not be negative"),
])
def test_bad_config_names_the_field(config: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        _requests.generate_videos("veo", "p", config)


@pytest.mark.parametrize("model", ["", " ", None, "projects/x", 3])
def test_bad_model(model: object) -> None:
    with pytest.raises(ValueError, match="model"):
        _requests.generate_videos(model, "p", None)


def test_config_of_wrong_type() -> None:
    with pytest.raises(TypeError, match="GenerateVideosConfig"):
        _requests.generate_videos("veo", "p", 5)


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
