"""The error every pure request check of the local server raises (paging, start requests,
Vertex AI names, the service's own field checks); the service answers it with
INVALID_ARGUMENT and its message."""

from __future__ import annotations


class RequestError(ValueError):
    """A request field is invalid; the message names the field and the value."""
