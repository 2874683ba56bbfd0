"""Downloads presenting the client's certificate (mutual TLS), as its gRPC channel does.

requests takes a client certificate only as file paths, read again for every connection, so
the key would sit on disk for the whole download. Instead the certificate goes into an
ssl.SSLContext (Python's ssl too loads a key only from a file: it exists for the moment of
loading, in a directory only this user can read, and is removed at once), and an adapter
hands that context to urllib3 for the hops that carry the client's credentials.
"""

from __future__ import annotations

import os
import ssl
import tempfile
from typing import Any

from genai_grpc._mtls import ClientCert


def presenting_adapter(cert: ClientCert, verify: bool | str) -> Any:
    """A requests HTTPAdapter whose TLS connections present `cert`, trusting what `verify`
    names (True: requests' own CA bundle; a path: that file). ValueError when the pair does
    not load, naming why but never showing the key."""
    from requests.adapters import HTTPAdapter
    from requests.utils import DEFAULT_CA_BUNDLE_PATH

    context = ssl.create_default_context(cafile=verify if isinstance(verify, str) else DEFAULT_CA_BUNDLE_PATH)
    _load(context, cert)

    class _Presenting(HTTPAdapter):
        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            super().init_poolmanager(*args, **{**kwargs, "ssl_context": context})

        def proxy_manager_for(self, proxy: Any, **kwargs: Any) -> Any:
            return super().proxy_manager_for(proxy, **{**kwargs, "ssl_context": context})

    return _Presenting()


def _load(context: ssl.SSLContext, cert: ClientCert) -> None:
    with tempfile.TemporaryDirectory(prefix="genai-grpc-") as private:  # mode 0700
        paths = []
        for part, data in (("cert.pem", cert.cert), ("key.pem", cert.key)):
            path = os.path.join(private, part)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            paths.append(path)
        try:
            context.load_cert_chain(paths[0], paths[1])
        except ssl.SSLError as error:
            raise ValueError(
                f"the client certificate ({cert.origin}) does not load for downloads: {error.reason or error}"
            ) from None
