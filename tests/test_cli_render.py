"""The CLI's pure parts: facts, human summaries, the JSON schema, the progress line, exit codes,
and what --output-dir plans to write. No server, no subprocess."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from genai_grpc.cli import _exit, _facts, _human, _parser, _save, _schema, _terminal
from genai_grpc.cli._progress import ProgressBar, bar_line
from genai_grpc.errors import ClientError, ServerError, from_status
from genai_grpc.types import (
    GeneratedVideo,
    GenerateVideosOperation,
    GenerateVideosResponse,
    ImportFileOperation,
    ImportFileResponse,
    Operation,
    OperationError,
    UnknownPayload,
    UploadToFileSearchStoreOperation,
    UploadToFileSearchStoreResponse,
    Video,
)

NOW = 1_800_000_000.0  # 2027-01-15T08:00:00Z
CREATED = "2027-01-15T07:57:55Z"  # 2m05s before NOW
BIG = b"\x00" * (3 * 1024 * 1024)


def video_op(**response: object) -> GenerateVideosOperation:
    videos = (
        GeneratedVideo(video=Video(data=BIG, mime_type="video/mp4"), generation_seed=7),
        GeneratedVideo(video=Video(uri="gs://bucket/v1.mp4", mime_type="video/mp4")),
    )
    return GenerateVideosOperation(
        name="models/veo/operations/v",
        done=True,
        response=GenerateVideosResponse(generated_videos=videos, **response),  # type: ignore[arg-type]
        metadata={"@type": "x", "progressPercent": 100, "createTime": CREATED, "verb": "generateVideos"},
    )


FAILED = Operation(
    name="operations/f",
    done=True,
    error=OperationError(code=9, message="quota\nexhausted", details=(
        {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "QUOTA", "domain": "g.com"},
        {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "2s"},
    )),
)  # fmt: skip


# -- facts -----------------------------------------------------------------------------------


@pytest.mark.parametrize("op,state", [
    (Operation(name="a"), "RUNNING"),
    (Operation(name="a", done=True), "DONE-EMPTY"),
    (FAILED, "FAILED"),
    (Operation(name="a", done=True, response={"k": 1}), "SUCCEEDED"),
    (Operation(name="a", done=True, raw_response=UnknownPayload("t/x", b"")), "SUCCEEDED"),
])  # fmt: skip
def test_state(op: Operation, state: str) -> None:
    assert _facts.state(op) == state


@pytest.mark.parametrize("metadata,percent", [
    ({"progressPercent": 45}, 45.0),
    ({"progressPercent": 45.6}, 45.6),
    ({"progress_percent": "30"}, 30.0),
    ({"progressPercent": 130}, 100.0),
    ({"progressPercent": -1}, 0.0),
    ({"progressPercent": True}, None),
    ({"progressPercent": "nan"}, None),
    ({"progressPercent": "lots"}, None),
    ({"genericMetadata": {"progressPercent": 12}}, 12.0),
    ({}, None),
    (None, None),
])  # fmt: skip
def test_progress_from_metadata(metadata: dict[str, object] | None, percent: float | None) -> None:
    assert _facts.progress(Operation(name="a", metadata=metadata)) == percent


@pytest.mark.parametrize("text,seconds", [
    ("2027-01-15T08:00:00Z", NOW),
    ("2027-01-15T08:00:00.250Z", NOW + 0.25),
    ("2027-01-15T09:00:00+01:00", NOW),
    ("2027-01-15T07:00:00-01:00", NOW),
    ("2027-02-30T08:00:00Z", None),
    ("yesterday", None),
    (1234, None),
])  # fmt: skip
def test_parse_time(text: object, seconds: float | None) -> None:
    assert _facts.parse_time(text) == seconds


@pytest.mark.parametrize("seconds,text", [
    (0, "0s"), (45.9, "45s"), (125, "2m05s"), (7260, "2h01m"), (3 * 86400 + 4 * 3600, "3d04h"), (-5, "0s"),
])  # fmt: skip
def test_duration(seconds: float, text: str) -> None:
    assert _facts.duration(seconds) == text


@pytest.mark.parametrize("n,text", [(812, "812 B"), (1536, "1.5 KiB"), (64 << 20, "64.0 MiB"), (5 << 40, "5120.0 GiB")])
def test_size(n: int, text: str) -> None:
    assert _facts.size(n) == text


# -- human -----------------------------------------------------------------------------------


def test_video_summary_shows_sizes_uris_and_filtering_never_bytes() -> None:
    op = video_op(rai_media_filtered_count=1, rai_media_filtered_reasons=("violence",))
    text = "\n".join(_human.summary(op, NOW))
    assert "state     SUCCEEDED" in text and "progress  100%" in text and "age       2m05s" in text
    assert "kind      GenerateVideosOperation" in text
    assert "videos    2" in text and "video/mp4, 3.0 MiB inline, seed 7" in text
    assert "gs://bucket/v1.mp4" in text
    assert "filtered  1 by safety filters: violence" in text
    assert "metadata  verb=generateVideos" in text
    assert len(text) < 1000


def test_all_videos_filtered_says_why() -> None:
    op = GenerateVideosOperation(
        name="m/operations/x",
        done=True,
        response=GenerateVideosResponse(rai_media_filtered_count=2, rai_media_filtered_reasons=("a", "b")),
    )
    text = "\n".join(_human.summary(op, NOW))
    assert "videos    none" in text and "filtered  2 by safety filters: a; b" in text


def test_no_videos_and_no_count_is_called_out() -> None:
    op = GenerateVideosOperation(name="m/operations/x", done=True, response=GenerateVideosResponse())
    assert "no count given" in "\n".join(_human.summary(op, NOW))


def test_failed_summary_has_code_status_message_reasons_details_on_single_lines() -> None:
    lines = _human.summary(FAILED, NOW)
    assert "error     9 FAILED_PRECONDITION: quota\\nexhausted" in lines
    assert "reasons   QUOTA" in lines
    assert "detail    google.rpc.RetryInfo {retryDelay=2s}" in lines


def test_undecodable_payloads_show_type_and_size() -> None:
    op = Operation(
        name="o",
        done=True,
        raw_response=UnknownPayload("type.googleapis.com/a.B", b"xyz"),
        raw_metadata=UnknownPayload("type.googleapis.com/a.M", BIG),
    )
    text = "\n".join(_human.summary(op, NOW))
    assert "response  undecodable type.googleapis.com/a.B (3 B)" in text
    assert "metadata  undecodable type.googleapis.com/a.M (3.0 MiB)" in text


def test_import_upload_dict_and_other_responses() -> None:
    imported = ImportFileOperation(name="i", done=True, response=ImportFileResponse(parent="s", document_name="s/d"))
    assert _human.summary(imported, NOW)[-2:] == ["document  s/d", "store     s"]
    uploaded = UploadToFileSearchStoreOperation(
        name="u",
        done=True,
        response=UploadToFileSearchStoreResponse(document_name="s/d", mime_type="text/plain", size_bytes=2048),
    )
    assert "file      text/plain, 2.0 KiB" in _human.summary(uploaded, NOW)
    as_dict = Operation(name="d", done=True, response={"a": [1, {"b": b"zz"}]})
    assert "response  {a=[1, {b=<2 B>}]}" in _human.summary(as_dict, NOW)
    other = Operation(name="o", done=True, response=object())
    assert _human.summary(other, NOW)[-1].startswith("response  <object object")


def test_control_characters_from_the_server_cannot_reach_the_terminal() -> None:
    op = Operation(name="o\x1b[2J", done=True, error=OperationError(code=2, message="a\rb\x07"))
    text = "\n".join(_human.summary(op, NOW))
    assert "\x1b" not in text and "\r" not in text and "\x07" not in text
    assert "o\\x1b[2J" in text


def test_long_values_are_cut() -> None:
    op = Operation(name="o", done=True, response={"k": "x" * 10_000})
    assert max(len(line) for line in _human.summary(op, NOW)) < 400


def test_table_rows() -> None:
    running = Operation(name="operations/r", metadata={"progressPercent": 45, "createTime": CREATED})
    assert _human.table_row(running, NOW).split() == ["RUNNING", "45%", "2m05s", "operation", "operations/r"]
    assert _human.table_row(FAILED, NOW).split()[:5] == ["FAILED", "-", "-", "operation", "operations/f"]
    assert _human.table_row(FAILED, NOW).endswith("FAILED_PRECONDITION: quota\\nexhausted")
    assert _human.table_row(video_op(), NOW).split()[3] == "video"
    assert _human.TABLE_HEADER.split() == ["STATE", "PROG", "AGE", "KIND", "NAME"]


# -- JSON ------------------------------------------------------------------------------------

KEYS = ["name", "kind", "done", "state", "error", "metadata", "response", "rawMetadata", "rawResponse"]


def test_json_schema_for_videos_leaves_bytes_out_with_their_size() -> None:
    doc = _schema.operation(video_op(rai_media_filtered_count=1))
    assert list(doc) == KEYS
    assert doc["kind"] == "GenerateVideosOperation" and doc["state"] == "SUCCEEDED" and doc["error"] is None
    first, second = doc["response"]["generatedVideos"]
    assert first == {"video": {"dataSize": len(BIG), "mimeType": "video/mp4"}, "generationSeed": 7}
    assert second == {"video": {"mimeType": "video/mp4", "uri": "gs://bucket/v1.mp4"}}
    assert doc["response"]["raiMediaFilteredCount"] == 1
    assert len(json.dumps(doc)) < 1000


def test_json_includes_base64_bytes_when_asked() -> None:
    op = GenerateVideosOperation(
        name="v",
        done=True,
        response=GenerateVideosResponse(generated_videos=(GeneratedVideo(video=Video(data=b"\x00\xff")),)),
    )
    video = _schema.operation(op, include_bytes=True)["response"]["generatedVideos"][0]["video"]
    assert video == {"dataSize": 2, "data": "AP8="}


def test_json_error_raw_payloads_and_files() -> None:
    doc = _schema.operation(FAILED)
    assert doc["error"] == {
        "code": 9,
        "status": "FAILED_PRECONDITION",
        "message": "quota\nexhausted",
        "details": list(FAILED.error.details),
    }  # type: ignore[union-attr]
    raw = Operation(name="r", done=True, raw_response=UnknownPayload("t/a.B", b"abc"))
    assert _schema.operation(raw)["rawResponse"] == {"typeUrl": "t/a.B", "dataSize": 3}
    assert _schema.operation(raw, include_bytes=True)["rawResponse"]["data"] == "YWJj"
    assert _schema.operation(raw, files=["d/video_0.mp4"])["files"] == ["d/video_0.mp4"]
    json.dumps(_schema.operation(Operation(name="x", done=True, response=object())))


def test_camel_case() -> None:
    assert _schema.camel("rai_media_filtered_count") == "raiMediaFilteredCount"
    assert _schema.camel("data") == "data"


# -- progress line ---------------------------------------------------------------------------


def test_bar_line() -> None:
    line = bar_line("operations/x", "RUNNING", 50.0, 12.0, 120)
    assert line.startswith("[" + "#" * 12 + "-" * 12 + "]  50%    12s  RUNNING  operations/x")
    assert bar_line("o", "RUNNING", None, 0, 120).startswith("[" + "?" * 24 + "]   ?%")
    cut = bar_line("models/" + "m" * 50 + "/operations/id42", "RUNNING", 1.0, 0, 80)
    assert len(cut) == 79 and cut.endswith("  RUNNING  …" + "m" * 13 + "/operations/id42")
    assert len(bar_line("o" * 500, "RUNNING", 1.0, 0, 10)) == 9


def test_progress_bar_redraws_while_nothing_changes_and_erases_itself() -> None:
    stream, now = io.StringIO(), [100.0]
    bar = ProgressBar(stream, lambda: now[0], tick=0.01)
    bar.update(Operation(name="operations/x", metadata={"progressPercent": 10}))
    now[0] += 65
    deadline = time.monotonic() + 5
    while "1m05s" not in stream.getvalue() and time.monotonic() < deadline:
        time.sleep(0.01)
    bar.close()
    bar.close()
    frames = stream.getvalue().split("\r\x1b[K")
    assert frames[0] == "" and frames[-1] == "" and "1m05s" in stream.getvalue()
    assert all(f.startswith("[##") and "  10%" in f for f in frames[1:-1])
    assert stream.getvalue().count("\r\x1b[K") == len(frames) - 1


def test_progress_bar_that_never_drew_writes_nothing() -> None:
    stream = io.StringIO()
    ProgressBar(stream, time.monotonic).close()
    assert stream.getvalue() == ""


# -- exit codes ------------------------------------------------------------------------------


@pytest.mark.parametrize("grpc_code,exit_code", [
    (5, 3), (4, 4), (3, 2), (7, 2), (16, 2), (9, 2), (14, 5), (13, 5), (12, 5), (8, 5), (10, 5), (1, 5),
])  # fmt: skip
def test_exit_code_for_each_failed_call(grpc_code: int, exit_code: int) -> None:
    assert _exit.for_api_error(from_status(grpc_code, "m")) == exit_code


def test_error_line_has_status_reasons_and_masks_secrets() -> None:
    error = from_status(7, "key AIzaSECRET denied", ({"@type": "x", "reason": "API_KEY_INVALID"},))
    assert isinstance(error, ClientError)
    text = _exit.one_line(_exit.describe_api_error(error), ["AIzaSECRET", ""])
    assert text == "403 PERMISSION_DENIED: key *** denied (reasons: API_KEY_INVALID)"
    assert _exit.describe_api_error(ServerError(503, "")) == "503 UNKNOWN: no message"
    assert "\n" not in _exit.one_line("a\nb")


def test_configuration_errors_speak_in_flags() -> None:
    assert _exit.in_flags("project and location are for Vertex AI: pass vertexai=True (or set X)") == (
        "project and location are for Vertex AI: pass --vertexai (or set X)"
    )
    assert _exit.in_flags("set Y. Or pass api_key=..., vertexai=True, or endpoint='host:port'") == (
        "set Y. Or use --vertexai, or --endpoint HOST:PORT"
    )


# -- --output-dir ----------------------------------------------------------------------------


def test_save_plan_and_write(tmp_path: Path) -> None:
    files, notes = _save.plan(video_op())
    assert [name for name, _ in files] == ["video_0.mp4", "video_1.mp4"] and notes == []
    out = tmp_path / "new" / "dir"
    fetched: list[tuple[str | None, str, bool]] = []

    def fetch(video: Video, path: str, overwrite: bool) -> str | None:
        fetched.append((video.uri, path, overwrite))
        return "no way to fetch it"

    written, notes = _save.write(str(out), files, False, fetch)
    assert written == [str(out / "video_0.mp4")] and notes == ["video_1.mp4 not saved: no way to fetch it"]
    assert fetched == [("gs://bucket/v1.mp4", str(out / "video_1.mp4"), False)]
    assert (out / "video_0.mp4").read_bytes() == BIG
    new = [("video_0.mp4", Video(data=b"new"))]
    with pytest.raises(FileExistsError, match="--force"):
        _save.write(str(out), new, False, fetch)
    _save.write(str(out), new, True, fetch)
    assert (out / "video_0.mp4").read_bytes() == b"new"
    assert sorted(p.name for p in out.iterdir()) == ["video_0.mp4"]  # no temporary file left


def test_save_refuses_a_name_that_leaves_the_directory(tmp_path: Path) -> None:
    for name in ("../x.mp4", "a/b.mp4", ".."):
        with pytest.raises(ValueError, match="leave"):
            _save.write(str(tmp_path), [(name, Video(data=b"x"))], True, lambda v, p, o: None)


def test_save_plan_refuses_unfinished_and_videoless() -> None:
    assert _save.plan(Operation(name="r")) == ([], ["nothing saved: the operation has not succeeded"])
    assert _save.plan(FAILED)[0] == []
    assert _save.plan(Operation(name="d", done=True, response={}))[1] == ["nothing saved: the response holds no videos"]


@pytest.mark.parametrize("mime,ext", [
    ("video/mp4", "mp4"), (None, "mp4"), ("video/webm", "webm"), ("video/x-matroska", "bin"),
    ("video/ogg; codecs=theora", "ogg"), ("image/../../x", "bin"),
])  # fmt: skip
def test_extension(mime: str | None, ext: str) -> None:
    assert _save.extension(mime) == ext


# -- parser and import weight ----------------------------------------------------------------


def test_every_subcommand_has_help_with_an_example_and_exit_codes() -> None:
    parser = _parser.build()
    for name in ("get", "wait", "watch", "list", "cancel", "delete"):
        with pytest.raises(SystemExit) as exit_:
            parser.parse_args([name, "--help"])
        assert exit_.value.code == 0
    assert set(_parser.EXAMPLES) == {"get", "wait", "watch", "list", "cancel", "delete", "serve"}
    assert "130" in _exit.TABLE and "no --api-key flag" in _parser.DESCRIPTION


def test_no_api_key_flag() -> None:
    with pytest.raises(SystemExit):
        _parser.build().parse_args(["get", "x", "--api-key", "k"])


def test_rendering_modules_import_no_grpc() -> None:
    code = (
        "import sys; import genai_grpc.cli._human, genai_grpc.cli._schema, genai_grpc.cli._progress, "
        "genai_grpc.cli._exit, genai_grpc.cli._save, genai_grpc.cli; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('grpc', 'json') "
        "or m.startswith('google.protobuf')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("columns,expected", [("132", 132), ("wide", 80), ("-5", 80)])
def test_terminal_width_from_columns_or_80(monkeypatch: pytest.MonkeyPatch, columns: str, expected: int) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    with open(os.devnull) as not_a_terminal:
        assert _terminal.columns(not_a_terminal.fileno()) == expected
