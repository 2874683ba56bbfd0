"""A local server for google.longrunning operations and the genai_grpc.v1.GenAI RPCs.

It stores operations in SQLite (``db=":memory:"`` keeps none), derives their progress from
their stored create time and duration, and injects faults on demand::

    import grpc
    from genai_grpc.server import LocalServer

    with LocalServer(duration_s=0.5) as server:          # 127.0.0.1, a free port
        channel = grpc.insecure_channel(server.address)
        server.faults.fail_next = 2                      # the next two calls: UNAVAILABLE
        server.faults.fail_code = "RESOURCE_EXHAUSTED"   # ... or any other code
        server.faults.retry_delay_s = 1.0                # with a google.rpc.RetryInfo
        server.faults.api_key = "k"                      # require x-goog-api-key: k
        server.faults.reset()                            # all off again

See `Faults` for every switch. From a shell: ``python -m genai_grpc serve --port 0`` (flags:
``genai-grpc serve --help``). Requests choose their outcome with markers such as ``[fail:safety]``,
``[filter:1]``, ``[empty]``, ``[shape:gemini]``, ``[duration:30]`` or ``[uri]``: see
genai_grpc.server._outcome. Videos served by address (``[uri]``, or ``return_uri`` in the
config) come from an HTTP file port beside the gRPC one: ``server.files_url``.
"""

from genai_grpc.server._faults import Faults
from genai_grpc.server._local import LocalServer
from genai_grpc.server._outcome import Outcome, parse_outcome

__all__ = ["Faults", "LocalServer", "Outcome", "parse_outcome"]
