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
    """`value` as repr() shows it (as str() does when not `quoted`); past `limit` characters,
    cut and its length given."""
    shown = repr(value) if quoted else str(value)
    if len(shown) <= limit:
        return shown
    length = len(value) if isinstance(value, str) else len(shown)
    return f"{shown[:limit]}… ({length} characters, cut)"


def message(text: str) -> str:
    """A status message no longer than MAX_MESSAGE characters."""
    return echo(text, MAX_MESSAGE, quoted=False)
