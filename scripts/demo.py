"""The main job, end to end against the bundled local server (started and stopped here).

Starts a video generation (the Gemini API's PredictLongRunning), follows it, downloads the video; starts a file import and an
upload and waits for all of them at once; shows a safety-blocked prompt and a filtered one.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

SERVE = [sys.executable, "-m", "genai_grpc", "serve", "--port", "0", "--duration", "3"]


def start_server(db: Path) -> tuple[subprocess.Popen[str], str]:
    server = subprocess.Popen([*SERVE, "--db", str(db)], stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    address = server.stdout.readline().strip()
    if not address:
        server.kill()
        sys.exit("the local server did not start")
    return server, address


def demo(out: Path) -> str:
    from genai_grpc import Client, types

    client = Client()
    # [uri]: the video comes by address, as the Gemini API sends it, and is downloaded below.
    op = client.models.generate_videos(model="veo-2.0-generate-001", prompt="A cat playing with a ball [uri]")
    print(f"started {op.name}")
    for snapshot in client.operations.watch(op, timeout=60):
        # The Gemini API reports no progress for videos (its metadata is empty): only done.
        print("  done" if snapshot.done else "  running")
    op = client.operations.get(op)
    assert op.response is not None
    for i, generated in enumerate(op.response.generated_videos):
        assert generated.video is not None
        path = out / f"video_{i}.mp4"
        size = client.files.download(file=generated.video, path=path)  # inline or by address
        print(f"  saved {path} ({size} bytes) from {generated.video.uri}")

    batch = [
        client.file_search_stores.import_file(
            store="fileSearchStores/demo", source=types.ImportFileSource(gcs_uri="gs://bucket/doc.pdf")
        ),
        client.file_search_stores.upload_to_file_search_store(
            store="fileSearchStores/demo", file=b"hello", display_name="hello.txt", mime_type="text/plain"
        ),
        client.models.generate_videos(model="veo-2.0-generate-001", prompt="a storm [fail:safety]"),
        client.models.generate_videos(
            model="veo-2.0-generate-001", prompt="two cats [filter:1]", config={"number_of_videos": 2}
        ),
    ]
    print(f"waiting for {len(batch)} more operations at once")
    for done in client.operations.wait_all(batch, timeout=60):
        outcome = f"failed: {done.error.status} {done.error.message}" if done.error else repr(done.response)
        print(f"  {type(done).__name__} {done.name}\n    {outcome}")
    client.close()
    return op.name


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        server, address = start_server(Path(tmp) / "demo.db")
        os.environ["GENAI_GRPC_EMULATOR_HOST"] = address
        print(f"local server on {address}")
        try:
            name = demo(Path(tmp))
            print(f"\n$ python -m genai_grpc get {name}", flush=True)
            subprocess.run([sys.executable, "-m", "genai_grpc", "get", name], check=True)
        finally:
            server.terminate()
            server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
