"""The local server under abuse: huge names, forged page tokens, bad flags, a shared or broken
database. Each answer is a clear status or a one-line error, never a stall or a traceback."""

from __future__ import annotations

import pytest

from genai_grpc import Client, errors
from genai_grpc.server import LocalServer
from genai_grpc.server._echo import echo


@pytest.mark.parametrize("size", [9_000, 12_000, 17_000, 200_000])
def test_a_long_name_is_404_with_the_name_cut(server: LocalServer, size: int) -> None:
    name = "operations/" + "x" * size
    with Client(endpoint=server.address) as client:
        for call in (client.operations.get, lambda n: client.operations.wait(n, timeout=20)):
            with pytest.raises(errors.ClientError) as caught:
                call(name)
            assert caught.value.code == 404, caught.value
            assert f"({len(name)} characters, cut)" in caught.value.message
            assert len(caught.value.message) < 500


def test_echo_cuts_and_says_so() -> None:
    assert echo("models/a") == "'models/a'"
    long = echo("y" * 17_000)
    assert long.startswith("'yyy") and long.endswith("…' (17000 characters, cut)") and len(long) < 200
