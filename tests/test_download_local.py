"""Videos served by address, end to end: the local server's file port, client.files.download
(sync and aio), `genai-grpc wait --output-dir` as a real process, and `serve`."""

from __future__ import annotations

import asyncio
import hashlib
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from genai_grpc import Client, errors, types
from genai_grpc.server import LocalServer
from genai_grpc.server._files import parse_path
from genai_grpc.server._media import make_mp4, mp4_chunks
from tests.filehost import measure_download
from tests.local import spawned
from tests.test_cli import cli, environment
from tests.test_cli_local import run_on_terminal

KEY = "AIzaSy-local-files-key-31"
MiB = 1 << 20


@pytest.fixture(scope="module")
def local() -> Iterator[LocalServer]:
    with LocalServer(duration_s=0.0) as running:
        yield running


@pytest.fixture
def client(local: LocalServer) -> Iterator[Client]:
    local.faults.api_key = None
    with Client(endpoint=local.address) as c:
        yield c


def made(client: Client, prompt: str = "a cat", **config: Any) -> types.GenerateVideosOperation:
    """A finished video operation on the local server."""
    op = client.models.generate_videos(model="veo-2.0-generate-001", prompt=prompt, config=config)
    return client.operations.wait(op, timeout=30)


def seed(server: LocalServer, op: types.Operation, index: int) -> int:
    """The seed the server made video `index` of `op` from (the Gemini API reports none)."""
    record = server.store.get(op.name)
    assert record is not None
    return record.seed + index


def expected(server: LocalServer, op: types.Operation, index: int, size: int, seconds: int = 8) -> bytes:
    """What the server made: the MP4 of that seed, size and length."""
    return make_mp4(seed(server, op, index), size, seconds)


@pytest.mark.parametrize("ask", [{"return_uri": True}, {"prompt": "a cat [uri]"}])
def test_a_video_served_by_address_downloads_byte_identical(
    client: Client, local: LocalServer, ask: dict[str, Any]
) -> None:
    prompt = ask.pop("prompt", "a cat")
    op = made(client, prompt, number_of_videos=2, video_size_bytes=3 * MiB, **ask)
    assert op.response is not None and op.result is op.response
    first, second = op.response.generated_videos
    assert first.video is not None and first.video.data is None
    assert first.video.uri is not None and first.video.uri.startswith(local.files_url + "/files/")
    assert client.files.download(file=first) == expected(local, op, 0, 3 * MiB)
    aio = asyncio.run(client.aio.files.download(file=second.video.uri if second.video else ""))
    assert aio == expected(local, op, 1, 3 * MiB) and aio != client.files.download(file=first)


def test_aio_downloads_run_side_by_side(client: Client, local: LocalServer) -> None:
    op = made(client, "[uri]", number_of_videos=4, video_size_bytes=2 * MiB)
    assert op.response is not None
    videos = [g.video for g in op.response.generated_videos]

    async def all_at_once() -> list[bytes]:
        return await asyncio.gather(*(client.aio.files.download(file=v) for v in videos if v))

    got = asyncio.run(all_at_once())
    assert got == [expected(local, op, i, 2 * MiB) for i in range(4)]


def test_save_through_the_client(client: Client, local: LocalServer, tmp_path: Path) -> None:
    op = made(client, "[uri]", duration_seconds=4)
    assert op.response is not None
    [generated] = op.response.generated_videos
    assert generated.video is not None
    with pytest.raises(ValueError, match="download it first"):
        generated.video.save(tmp_path / "v.mp4")
    generated.video.save(tmp_path / "v.mp4", client=client)
    assert (tmp_path / "v.mp4").read_bytes() == expected(local, op, 0, 0, 4)


def test_the_file_port_checks_the_api_key_in_a_header(local: LocalServer, tmp_path: Path) -> None:
    with Client(endpoint=local.address) as plain:
        video = made(plain, "[uri]").response.generated_videos[0].video  # type: ignore[union-attr]
    assert video is not None and video.uri is not None
    local.faults.api_key = KEY
    try:
        with Client(endpoint=local.address, api_key=KEY, allow_insecure_credentials=True) as keyed:
            assert keyed.files.download(file=video)[4:8] == b"ftyp"
        with Client(endpoint=local.address) as keyless, pytest.raises(errors.ClientError) as caught:
            keyless.files.download(file=video)
        assert caught.value.code == 401 and caught.value.status == "UNAUTHENTICATED"
        with pytest.raises(urllib.error.HTTPError) as in_url:  # a key in the URL does not count
            urllib.request.urlopen(f"{video.uri}?key={KEY}", timeout=30)
        assert in_url.value.code == 401
        in_url.value.close()
    finally:
        local.faults.api_key = None


def test_the_file_port_says_404_for_what_it_does_not_serve(client: Client, local: LocalServer) -> None:
    inline = made(client)
    for path in (f"/files/{inline.name}/videos/0.mp4", "/files/models/x/operations/none/videos/0.mp4",
                 f"/files/{made(client, '[uri]').name}/videos/1.mp4", "/elsewhere"):  # fmt: skip
        with pytest.raises(errors.ClientError) as caught:
            client.files.download(file=local.files_url + path)
        assert caught.value.code == 404 and caught.value.status == "NOT_FOUND"


def test_parse_path() -> None:
    assert parse_path("/files/models/m/operations/a%2Fb/videos/3.mp4?x=1") == ("models/m/operations/a/b", 3)
    for bad in ("/files/videos/0.mp4", "/files/a/videos/x.mp4", "/files/a/videos/0.webm", "/other"):
        assert parse_path(bad) is None


def test_wait_output_dir_downloads_videos_served_by_address(client: Client, local: LocalServer, tmp_path: Path) -> None:
    op = made(client, "[uri]", number_of_videos=2, video_size_bytes=MiB)
    assert op.response is not None
    env = environment(GENAI_GRPC_EMULATOR_HOST=local.address)
    out = cli("wait", op.name, "--json", "--timeout", "30", "--output-dir", str(tmp_path), env=env)
    assert out.returncode == 0, out.stderr
    files = [str(tmp_path / f"video_{i}.mp4") for i in (0, 1)]
    assert json.loads(out.stdout)["files"] == files
    for index, path in enumerate(files):
        assert Path(path).read_bytes() == expected(local, op, index, MiB)
    again = cli("wait", op.name, "--timeout", "30", "--output-dir", str(tmp_path), env=env)
    assert again.returncode == 2 and "exists; pass --force" in again.stderr
    assert cli("get", op.name, "--output-dir", str(tmp_path), "--force", env=env).returncode == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["video_0.mp4", "video_1.mp4"]


def test_output_dir_draws_a_download_bar_on_a_terminal(client: Client, local: LocalServer, tmp_path: Path) -> None:
    op = made(client, "[uri]", video_size_bytes=8 * MiB)
    env = environment(GENAI_GRPC_EMULATOR_HOST=local.address)
    code, stdout, drawn = run_on_terminal(["wait", op.name, "--timeout", "30", "--output-dir", str(tmp_path)], env)
    assert code == 0 and "saved" in stdout and (tmp_path / "video_0.mp4").stat().st_size == 8 * MiB
    frames = [f for f in drawn.decode().split("\r\x1b[K") if f]
    assert frames and frames[-1].startswith("[" + "#" * 24 + "] 100%") and "8.0 MiB of 8.0 MiB" in frames[-1]
    assert all("video_0.mp4" in f for f in frames) and drawn.endswith(b"\r\x1b[K")


def test_a_download_failure_in_the_cli_is_one_line(client: Client, local: LocalServer, tmp_path: Path) -> None:
    op = made(client, "[uri]")
    env = environment(GENAI_GRPC_EMULATOR_HOST=local.address)
    local.faults.api_key = KEY  # the CLI sends no key in plaintext, so the file port says 401
    try:
        out = cli("get", op.name, "--output-dir", str(tmp_path), env=env)
    finally:
        local.faults.api_key = None
    # gRPC calls check the key too: the get itself fails first, with the same one-line form
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and "UNAUTHENTICATED" in out.stderr
    assert list(tmp_path.iterdir()) == []


def test_serve_prints_its_file_port(tmp_path: Path) -> None:
    made_here: list[bytes] = []
    with spawned("--duration", "0") as (proc, address):
        line = proc.stdout.readline().strip()
        assert line.startswith("files: http://127.0.0.1:")
        with Client(endpoint=address) as client:
            op = made(client, "[uri]", video_size_bytes=2 * MiB)
            [generated] = op.response.generated_videos  # type: ignore[union-attr]
            assert generated.video is not None and generated.video.uri is not None
            assert generated.video.uri.startswith(line.removeprefix("files: ") + "/files/")
            assert client.files.download(file=generated, path=tmp_path / "v.mp4") == 2 * MiB
            made_here.append(client.files.download(file=generated))
    assert (tmp_path / "v.mp4").read_bytes() == made_here[0]
    assert made_here[0][4:8] == b"ftyp" and len(made_here[0]) == 2 * MiB


def test_serve_require_api_key_guards_the_file_port_too() -> None:
    with spawned("--duration", "0", "--require-api-key", KEY) as (proc, address):
        proc.stdout.readline()
        with Client(endpoint=address, api_key=KEY, allow_insecure_credentials=True) as client:
            op = made(client, "[uri]")
            [generated] = op.response.generated_videos  # type: ignore[union-attr]
            assert generated.video is not None and generated.video.uri is not None
            assert client.files.download(file=generated)[4:8] == b"ftyp"
            request = urllib.request.Request(generated.video.uri, headers={"x-goog-api-key": "wrong"})
            with pytest.raises(urllib.error.HTTPError) as caught:
                urllib.request.urlopen(request, timeout=30)
            assert caught.value.code == 401 and b"API key not valid" in caught.value.read()
            caught.value.close()


@pytest.mark.slow
def test_256_mib_from_the_local_server_in_bounded_memory(client: Client, local: LocalServer, tmp_path: Path) -> None:
    size = 256 * MiB
    op = made(client, "[uri]", video_size_bytes=size)
    [generated] = op.response.generated_videos  # type: ignore[union-attr]
    assert generated.video is not None and generated.video.uri is not None
    result = measure_download({"endpoint": client._config.target}, generated.video.uri, tmp_path / "big.mp4")
    grown_mib = (result["peak_kib"] - result["start_kib"]) / 1024
    print(f"256 MiB from the local server: peak RSS {grown_mib:.1f} MiB above the start")
    assert result["written"] == size and grown_mib < 64
    digest, want = hashlib.sha256(), hashlib.sha256()
    with open(tmp_path / "big.mp4", "rb") as f:
        while block := f.read(MiB):
            digest.update(block)
    for chunk in mp4_chunks(seed(local, op, 0), size)[1]:
        want.update(chunk)
    assert digest.hexdigest() == want.hexdigest()
