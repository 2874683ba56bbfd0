"""How the server quotes a client's input back in an error message. Pure code.

An error message travels in the grpc-message trailer, which clients cap (16 KiB by default
in grpc): echoing a 17,000-character name whole made a client see grpc's own
RESOURCE_EXHAUSTED instead of the NOT_FOUND it was sent. So input is cut, and says so.
"""

from __future__ import annotations

#: Characters of a client's value shown in a message before it is cut.
SHOWN = 120
#: No status message is longer than this, whatever it quotes.
MAX_MESSAGE = 2000


def echo(value: object, limit: int = SHOWN, quoted: bool = True) -> str:
    """`value` quoted as repr() does (or as is); past `limit` characters, cut, with its length."""
    text = str(value)
    if len(text) <= limit:
        return repr(text) if quoted else text
    shown = f"{repr(text[:limit])[:-1]}…'" if quoted else f"{text[:limit]}…"
    return f"{shown} ({len(text)} characters, cut)"


def message(text: str) -> str:
    """A status message no longer than MAX_MESSAGE characters."""
    return echo(text, MAX_MESSAGE, quoted=False)
