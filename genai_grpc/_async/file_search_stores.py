"""client.aio.file_search_stores: import and upload files into file search stores."""

from __future__ import annotations

from typing import Any

from genai_grpc import _convert, _requests
from genai_grpc._async.transport import AsyncTransport
from genai_grpc.types import ImportFileOperation, ImportFileSource, UploadToFileSearchStoreOperation


class AsyncFileSearchStores:
    """File search stores, over grpc.aio."""

    def __init__(self, transport: AsyncTransport) -> None:
        self._transport = transport

    async def import_file(
        self,
        *,
        store: str | None = None,
        source: ImportFileSource | dict[str, Any] | None = None,
        file_search_store_name: str | None = None,
        file_name: str | None = None,
        timeout: float | None = None,
    ) -> ImportFileOperation:
        """Start importing a file into `store` ("fileSearchStores/{id}").

        The file is `source` (an ImportFileSource), or `file_name` as in google-genai
        (`file_search_store_name=` is accepted for `store=` too).
        """
        name = _requests.store_name(store, file_search_store_name)
        request = _requests.import_file(name, source, file_name)
        pb = await self._transport.call("genai", "ImportFile", request, name, timeout)
        return _convert.to_operation(pb, ImportFileOperation)

    async def upload_to_file_search_store(
        self,
        *,
        file: Any,
        store: str | None = None,
        file_search_store_name: str | None = None,
        display_name: str | None = None,
        mime_type: str | None = None,
        timeout: float | None = None,
    ) -> UploadToFileSearchStoreOperation:
        """Start uploading `file` (bytes, a path, or a binary file object) into `store`."""
        name = _requests.store_name(store, file_search_store_name)
        request = _requests.upload(name, file, display_name, mime_type)
        pb = await self._transport.call("genai", "UploadToFileSearchStore", request, name, timeout)
        return _convert.to_operation(pb, UploadToFileSearchStoreOperation)
