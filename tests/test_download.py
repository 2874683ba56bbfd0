"""client.files.download against a file host of the test's own: HTTPS with a certificate the
test made, on 127.0.0.1 (and localhost, standing in for another host). Plus the pure policy."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from genai_grpc import Client, _config, _download, errors, types
from tests.filehost import FileHost, Route, measure_download, pattern_chunks
from tests.test_tls import MintingCredentials
from tests.tls import Certs, make_certs

KEY = "AIzaSy-download-test-key-77"
MiB = 1 << 20
FILE = "/v1beta/files/abc:download"


@pytest.fixture(scope="module")
def certs() -> Certs:
    return make_certs()


@pytest.fixture
def host(certs: Certs, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FileHost]:
    with FileHost(certs, tmp_path_factory.mktemp("host")) as files:
        yield files


@pytest.fixture
def other(certs: Certs, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FileHost]:
    """Another host: same certificate, reached as localhost, so it is not the client's endpoint."""
    with FileHost(certs, tmp_path_factory.mktemp("other"), host="localhost") as files:
        yield files


@pytest.fixture
def client(host: FileHost, certs: Certs) -> Iterator[Client]:
    """The file host's address is the client's endpoint (TLS, with the test's CA): the one
    non-Google host its API key may go to."""
    with Client(api_key=KEY, endpoint=f"127.0.0.1:{host.port}", root_certificates=certs.ca) as c:
        yield c


def download(client: Client, side: str, **kwargs: Any) -> Any:
    if side == "sync":
        return client.files.download(**kwargs)
    return asyncio.run(client.aio.files.download(**kwargs))


@pytest.mark.parametrize("side", ["sync", "aio"])
def test_the_api_key_goes_in_a_header_never_in_the_url(
    client: Client, host: FileHost, side: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # requests and urllib3 log every request at DEBUG
    host.routes[FILE] = Route(body=b"video bytes")
    uri = host.url(FILE + "?alt=media")
    assert download(client, side, file=types.Video(uri=uri, mime_type="video/mp4")) == b"video bytes"
    [seen] = host.seen
    assert seen.path == FILE + "?alt=media" and KEY not in seen.path
    assert seen.headers["x-goog-api-key"] == KEY
    assert seen.headers["x-goog-api-client"].startswith("genai-grpc/")
    assert "GET" in caplog.text and KEY not in caplog.text
    assert KEY not in repr(client) + repr(client.files) + repr(client.aio.files)


def test_a_redirect_to_another_host_drops_the_key(client: Client, host: FileHost, other: FileHost) -> None:
    host.routes[FILE] = Route(302, headers={"Location": other.url("/signed/v.mp4?sig=secret")})
    other.routes["/signed/v.mp4"] = Route(body=b"moved")
    assert client.files.download(file=host.url(FILE)) == b"moved"
    assert host.seen[0].headers["x-goog-api-key"] == KEY
    [seen] = other.seen
    assert seen.path == "/signed/v.mp4?sig=secret" and "x-goog-api-key" not in seen.headers


def test_a_redirect_on_the_same_host_keeps_the_key(client: Client, host: FileHost) -> None:
    host.routes[FILE] = Route(307, headers={"Location": "/elsewhere"})
    host.routes["/elsewhere"] = Route(body=b"here")
    assert client.files.download(file=host.url(FILE)) == b"here"
    assert [s.headers.get("x-goog-api-key") for s in host.seen] == [KEY, KEY]


def test_a_redirect_to_plain_http_off_loopback_is_refused(client: Client, host: FileHost) -> None:
    host.routes[FILE] = Route(302, headers={"Location": "http://files.example/v.mp4"})
    with pytest.raises(errors.ServerError, match="refusing to follow a redirect") as caught:
        client.files.download(file=host.url(FILE))
    assert caught.value.code == 502 and len(host.seen) == 1 and KEY not in str(caught.value)


def test_redirect_loops_end(client: Client, host: FileHost) -> None:
    host.routes[FILE] = Route(302, headers={"Location": FILE})
    with pytest.raises(errors.ServerError, match="more than 10 redirects"):
        client.files.download(file=host.url(FILE))
    assert len(host.seen) == 11


@pytest.mark.parametrize(
    ("status", "body", "cls", "name", "message"),
    [
        (404, b'{"error": {"code": 404, "message": "File abc not found.", "status": "NOT_FOUND"}}',
         errors.ClientError, "NOT_FOUND", "File abc not found."),
        (403, b'{"error": {"code": 403, "message": "denied", "status": "PERMISSION_DENIED"}}',
         errors.ClientError, "PERMISSION_DENIED", "denied"),
        (500, b"<html>Internal Server Error</html>", errors.ServerError, "INTERNAL", "<html>Internal Server Error</html>"),
        (503, b"", errors.ServerError, "UNAVAILABLE", "HTTP 503"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("side", ["sync", "aio"])
def test_http_errors_map_to_client_and_server_errors(
    client: Client, host: FileHost, side: str, status: int, body: bytes, cls: type, name: str, message: str
) -> None:
    host.routes[FILE] = Route(status, body)
    with pytest.raises(cls) as caught:
        download(client, side, file=host.url(FILE + "?alt=media"))
    error = caught.value
    assert (error.code, error.status) == (status, name)
    assert message in error.message and host.url(FILE) in error.message
    assert KEY not in str(error) + repr(error) and "alt=media" not in str(error)


def test_download_to_a_path_streams_atomically_with_progress(client: Client, host: FileHost, tmp_path: Path) -> None:
    host.routes[FILE] = Route(size=3 * MiB + 5)
    seen: list[tuple[int, int | None]] = []
    target = tmp_path / "v.mp4"
    written = client.files.download(file=host.url(FILE), path=target, progress=lambda d, t: seen.append((d, t)))
    assert written == 3 * MiB + 5 and target.read_bytes() == b"".join(pattern_chunks(3 * MiB + 5))
    assert seen[0] == (0, 3 * MiB + 5) and seen[-1] == (3 * MiB + 5, 3 * MiB + 5)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen) and len(seen) >= 4
    target.write_bytes(b"old")
    with pytest.raises(FileExistsError):
        client.files.download(file=host.url(FILE), path=target, overwrite=False)
    assert target.read_bytes() == b"old" and sorted(p.name for p in tmp_path.iterdir()) == ["v.mp4"]


def test_a_failed_or_cut_download_leaves_the_old_file(client: Client, host: FileHost, tmp_path: Path) -> None:
    target = tmp_path / "v.mp4"
    target.write_bytes(b"old")
    host.routes[FILE] = Route(size=2 * MiB, short_by=1000)  # the body ends before Content-Length
    with pytest.raises(errors.ServerError):
        client.files.download(file=host.url(FILE), path=target)
    host.routes[FILE] = Route(500, b"boom")
    with pytest.raises(errors.ServerError, match="boom"):
        client.files.download(file=host.url(FILE), path=target)
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["v.mp4"]


def test_cancelling_an_aio_download_closes_the_response(client: Client, host: FileHost, tmp_path: Path) -> None:
    route = host.routes[FILE] = Route(size=100 * MiB, stall=True)

    async def main() -> None:
        started = asyncio.Event()
        loop = asyncio.get_running_loop()
        task = asyncio.create_task(client.aio.files.download(
            file=host.url(FILE), path=tmp_path / "v.mp4",
            progress=lambda done, total: done and loop.call_soon_threadsafe(started.set),
        ))  # fmt: skip
        await started.wait()  # bytes are arriving: the worker thread is reading
        ticks = 0
        while ticks < 3:  # the event loop keeps running while the download blocks a thread
            await asyncio.sleep(0)
            ticks += 1
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert route.closed.wait(30), "the server never saw the connection close"
    for _ in range(300):  # the worker removes its temporary file once its read returns
        if not list(tmp_path.glob(".v.mp4.*")):
            break
        threading.Event().wait(0.1)
    assert list(tmp_path.iterdir()) == []


def test_google_credentials_go_as_a_bearer_token_only_to_the_endpoint_host(
    host: FileHost, other: FileHost, certs: Certs
) -> None:
    host.routes[FILE] = Route(302, headers={"Location": other.url("/v")})
    other.routes["/v"] = Route(body=b"vertex")
    credentials = MintingCredentials(quota_project_id="quota-p")
    with Client(vertexai=True, project="p", location="us-central1", credentials=credentials,
                endpoint=f"127.0.0.1:{host.port}", root_certificates=certs.ca) as client:  # fmt: skip
        assert client.files.download(file=host.url(FILE)) == b"vertex"
    assert host.seen[0].headers["authorization"] == "Bearer minted-token-1"
    assert host.seen[0].headers["x-goog-user-project"] == "quota-p"
    assert "authorization" not in other.seen[0].headers and "x-goog-user-project" not in other.seen[0].headers


def test_an_untrusted_certificate_fails_as_unavailable(host: FileHost) -> None:
    host.routes[FILE] = Route(body=b"x")
    other_ca = make_certs().ca
    with (
        Client(api_key=KEY, endpoint=f"127.0.0.1:{host.port}", root_certificates=other_ca) as client,
        pytest.raises(errors.ServerError, match="TLS") as caught,
    ):
        client.files.download(file=host.url(FILE))
    assert caught.value.status == "UNAVAILABLE" and KEY not in str(caught.value)


def test_inline_videos_need_no_network(client: Client, tmp_path: Path) -> None:
    video = types.Video(data=b"inline", mime_type="video/mp4")
    assert client.files.download(file=video) == b"inline"
    assert client.files.download(file=types.GeneratedVideo(video=video), path=tmp_path / "a.mp4") == 6
    assert (tmp_path / "a.mp4").read_bytes() == b"inline"
    video.save(tmp_path / "b.mp4")
    assert (tmp_path / "b.mp4").read_bytes() == b"inline"


def test_save_a_video_served_by_address(client: Client, host: FileHost, tmp_path: Path) -> None:
    host.routes[FILE] = Route(body=b"remote")
    video = types.Video(uri=host.url(FILE))
    with pytest.raises(ValueError, match=r"download it first with client.files.download"):
        video.save(tmp_path / "v.mp4")
    video.save(tmp_path / "v.mp4", client=client)
    assert (tmp_path / "v.mp4").read_bytes() == b"remote"
    op = types.GenerateVideosOperation(name="o", done=True, response=types.GenerateVideosResponse())
    assert op.result is op.response


def test_bad_arguments_are_refused_before_any_request(client: Client, host: FileHost) -> None:
    with pytest.raises(TypeError, match="file must be"):
        client.files.download(file=b"bytes")  # type: ignore[call-overload]
    with pytest.raises(ValueError, match="neither bytes nor a uri"):
        client.files.download(file=types.Video())
    with pytest.raises(ValueError, match="over plain HTTP"):
        client.files.download(file="http://files.example/v.mp4")
    with pytest.raises(ValueError, match="https://"):
        client.files.download(file="ftp://files.example/v.mp4")
    with pytest.raises(ValueError, match="Google credentials"):
        client.files.download(file="gs://bucket/v.mp4")
    with pytest.raises(ValueError, match="timeout"):
        client.files.download(file=host.url(FILE), timeout=0)
    assert host.seen == []


def test_256_mib_streams_with_bounded_memory(host: FileHost, certs: Certs, tmp_path: Path) -> None:
    size = 256 * MiB
    host.routes[FILE] = Route(size=size)
    args = {"api_key": KEY, "endpoint": f"127.0.0.1:{host.port}"}
    result = measure_download(args, host.url(FILE), tmp_path / "big.mp4", ca=certs.ca)
    grown_mib = (result["peak_kib"] - result["start_kib"]) / 1024
    print(f"256 MiB over HTTPS: peak RSS {grown_mib:.1f} MiB above the start")
    assert result["written"] == size and grown_mib < 64
    digest = hashlib.sha256()
    with open(tmp_path / "big.mp4", "rb") as f:
        while block := f.read(MiB):
            digest.update(block)
    expected = hashlib.sha256()
    for chunk in pattern_chunks(size):
        expected.update(chunk)
    assert digest.hexdigest() == expected.hexdigest()


# -- the pure policy ---------------------------------------------------------------------------


def config(**kwargs: Any) -> _config.ClientConfig:
    return _config.resolve(env={}, **kwargs)


GEMINI = config(api_key=KEY)
VERTEX = config(vertexai=True, project="p", location="us-central1", credentials=MintingCredentials())
LOCAL = config(endpoint="127.0.0.1:50051", api_key=KEY, allow_insecure_credentials=True)
EMULATOR = _config.resolve(env={"GENAI_GRPC_EMULATOR_HOST": "emulator:8080"})


@pytest.mark.parametrize(
    ("cfg", "uri", "url", "credentials"),
    [
        (GEMINI, "https://generativelanguage.googleapis.com/v1beta/files/a:download?alt=media",
         "https://generativelanguage.googleapis.com/v1beta/files/a:download?alt=media", True),
        (GEMINI, "files/abc-123", "https://generativelanguage.googleapis.com/v1beta/files/abc-123:download?alt=media",
         True),
        (GEMINI, "https://cdn.example/v.mp4", "https://cdn.example/v.mp4", False),
        (GEMINI, "https://googleapis.com.evil.example/v", "https://googleapis.com.evil.example/v", False),
        (VERTEX, "gs://my-bucket/out/a b.mp4",
         "https://storage.googleapis.com/storage/v1/b/my-bucket/o/out%2Fa%20b.mp4?alt=media", True),
        (LOCAL, "http://127.0.0.1:9/files/x", "http://127.0.0.1:9/files/x", True),
        (LOCAL, "http://localhost:9/files/x", "http://localhost:9/files/x", False),
        (GEMINI, "http://127.0.0.1:9/files/x", "http://127.0.0.1:9/files/x", False),
        (EMULATOR, "http://emulator:8081/files/x", "http://emulator:8081/files/x", False),
    ],
)  # fmt: skip
def test_first_hop(cfg: _config.ClientConfig, uri: str, url: str, credentials: bool) -> None:
    assert _download.first_hop(uri, cfg) == _download.Hop(url, credentials)


@pytest.mark.parametrize(
    "uri", ["http://files.example/v", "ftp://x/v", "genai-grpc://local/v", "https://u:p@host/v", "https://host:99999/v",
            "gs://B/v", "gs://bucket", "https:///v", "files/abc"],
)  # fmt: skip
def test_first_hop_refuses(uri: str) -> None:
    with pytest.raises(ValueError):
        _download.first_hop(uri, VERTEX)


@pytest.mark.parametrize(
    ("start", "location", "url", "credentials"),
    [
        ("https://generativelanguage.googleapis.com/f", "https://x.googleusercontent.com/s?sig=1",
         "https://x.googleusercontent.com/s?sig=1", False),
        ("https://cdn.example/a", "https://generativelanguage.googleapis.com/f",
         "https://generativelanguage.googleapis.com/f", True),
        ("https://generativelanguage.googleapis.com/a/b", "../c", "https://generativelanguage.googleapis.com/c", True),
        ("http://127.0.0.1:1/a", "http://localhost:2/b", "http://localhost:2/b", False),
    ],
)  # fmt: skip
def test_next_hop(start: str, location: str, url: str, credentials: bool) -> None:
    hop = _download.Hop(start, True)
    assert _download.next_hop(hop, location, GEMINI, 0) == _download.Hop(url, credentials)


@pytest.mark.parametrize(
    ("start", "location", "why"),
    [
        ("https://generativelanguage.googleapis.com/f", "http://files.example/v", "refusing to follow"),
        ("https://generativelanguage.googleapis.com/f", "http://127.0.0.1/v", "refusing to follow"),
        ("https://a.example/f", "ftp://a.example/v", "not an https"),
        ("https://a.example/f", None, "without a Location"),
    ],
)  # fmt: skip
def test_next_hop_refuses(start: str, location: str | None, why: str) -> None:
    with pytest.raises(errors.ServerError, match=why):
        _download.next_hop(_download.Hop(start, True), location, GEMINI, 0)
    with pytest.raises(errors.ServerError, match="more than 10"):
        _download.next_hop(_download.Hop(start, True), "/x", GEMINI, 10)


def test_describe_leaves_out_queries_and_user_info() -> None:
    assert _download.describe("https://u:p@h.example/a?sig=secret#f") == "https://h.example/a"
    assert "secret" not in repr(_download.Hop("https://h/a?sig=secret", True))


def test_http_error_reads_google_error_bodies() -> None:
    body = b'{"error": {"code": 429, "message": "slow\\ndown", "status": "RESOURCE_EXHAUSTED", "details": [{"@type": "t"}]}}'
    error = _download.http_error(429, body, "https://h/f?k=v")
    assert isinstance(error, errors.ClientError) and error.grpc_code == 8 and error.details == ({"@type": "t"},)
    assert error.message == "slow down (downloading https://h/f)"
    assert isinstance(_download.http_error(204, b"", "https://h/f"), errors.ServerError)
    assert errors.from_http(418, "teapot").status == "FAILED_PRECONDITION"
