"""genai_grpc: typed, fast gRPC client for the long-running operations of Google's GenAI APIs.

from genai_grpc import Client
client = Client()                      # GENAI_GRPC_EMULATOR_HOST, or endpoint=...
op = client.operations.get("models/veo/operations/123")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Client", "__version__", "errors", "types"]

if TYPE_CHECKING:
    from genai_grpc import errors, types
    from genai_grpc.client import Client


def __getattr__(name: str) -> Any:
    # Lazy: `python -m genai_grpc --help` and `import genai_grpc` stay cheap.
    if name == "Client":
        from genai_grpc.client import Client

        return Client
    if name in ("errors", "types"):
        import importlib

        return importlib.import_module(f"genai_grpc.{name}")
    raise AttributeError(f"module 'genai_grpc' has no attribute {name!r}")
