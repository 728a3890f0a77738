"""The slide checker: run every Python block of a Marp deck and assert the outputs it shows.

The names below load on first use, so that `lecturekit.check.command` (what
`lecturekit check` needs before it hands over to pytest) imports nothing else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lecturekit.check.session import BlockResult, DeckSession, run_deck

__all__ = ["BlockResult", "DeckSession", "run_deck"]


def __getattr__(name: str) -> object:
    if name in __all__:
        from lecturekit.check import session

        return getattr(session, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
