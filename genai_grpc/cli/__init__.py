"""The genai-grpc command line (``python -m genai_grpc``): get, wait, list, cancel, delete, serve.

Output
------
By default each operation is a short labelled summary for people (state, progress, age, the
error or a summary of the response; bytes only as sizes), and ``list`` prints one line per
operation as pages arrive. Progress bars and notes go to standard error, results to standard
output.

``--json`` prints one JSON document per line on standard output (one line for ``get`` and
``wait``, JSON lines for ``list``, and for ``wait`` / ``watch`` over many names one line per
event as it happens, the schema below plus ``"event"``: "done", "timeout", "progress", or
"error" with ``"callError": {"code", "grpcCode", "status", "message", "details"}`` in place
of the operation). The schema is stable: keys are only ever added.

    {
      "name":        str,                 the operation's resource name
      "kind":        str,                 Operation | GenerateVideosOperation |
                                          ImportFileOperation | UploadToFileSearchStoreOperation
      "done":        bool,
      "state":       "RUNNING" | "SUCCEEDED" | "FAILED" | "DONE-EMPTY",
                                          DONE-EMPTY: done with neither error nor response
      "error":       null | {"code": int (google.rpc code, e.g. 9), "status": str (its name),
                             "message": str, "details": [ {"@type": str, ...} ]},
      "metadata":    null | {...},        protobuf JSON form, e.g. "progressPercent", "createTime"
      "response":    null | {...},        camelCase fields; for videos:
                                          {"generatedVideos": [{"video": {"mimeType", "uri",
                                          "dataSize", "data"}, "generationSeed"}],
                                          "raiMediaFilteredCount", "raiMediaFilteredReasons"}
      "rawMetadata": null | {"typeUrl": str, "dataSize": int, "data": base64},
      "rawResponse": null | {"typeUrl": str, "dataSize": int, "data": base64},
                                          payloads this client could not decode, kept raw
      "files":       [str]                only with --output-dir: the paths written
    }

Every bytes field ``x`` appears as ``xSize`` (its length); ``x`` itself, base64, appears only
with ``--include-bytes``. Inside payloads, absent (None) fields are left out. ``cancel`` and
``delete`` print ``{"name": str, "cancelled": true}`` and ``{"name": str, "deleted": true}``.

Exit codes
----------
0 success (for get and wait: the operation has not failed); 1 the operation finished with an
error; 2 usage or configuration error (also 400/401/403 answers, and --output-dir failures);
3 no such operation (or file to download); 4 timed out; 5 could not reach the server or the
server failed; 130 interrupted. Over many names, the highest code of any operation. Every
error is one line on standard error, never a traceback.
"""

from __future__ import annotations

from genai_grpc.cli._main import main

__all__ = ["main"]
