"""A local server for google.longrunning operations and the genai_grpc.v1.GenAI RPCs.

    from genai_grpc.server import LocalServer

    with LocalServer(duration_s=0.5) as server:
        channel = grpc.insecure_channel(server.address)
        server.faults.fail_next = 2  # the next two calls fail with UNAVAILABLE

From a shell: ``python -m genai_grpc serve --port 0`` (see genai_grpc.server.cli).
Prompt markers that choose an operation's outcome are listed in genai_grpc.server._outcome.
"""

from genai_grpc.server._faults import Faults
from genai_grpc.server._local import LocalServer
from genai_grpc.server._outcome import Outcome, parse_outcome

__all__ = ["Faults", "LocalServer", "Outcome", "parse_outcome"]
