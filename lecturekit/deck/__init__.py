"""The deck model and its parser: the one reading of a deck every stage shares.

`parse_deck` and `read_deck` load the parser (and markdown-it) on first use:
code that only handles decks (the checker's process, given its decks by
`lecturekit.check.preparse`) does not pay for importing it.
"""

from typing import TYPE_CHECKING, Any

from lecturekit.deck.model import (
    PROJECT_MARKERS,
    PYTHON_LANGS,
    Annotation,
    Comment,
    Deck,
    DeckError,
    Fence,
    ImageRef,
    Slide,
)

if TYPE_CHECKING:
    from lecturekit.deck.parse import parse_deck, read_deck

__all__ = [
    "PROJECT_MARKERS", "PYTHON_LANGS", "Annotation", "Comment", "Deck", "DeckError", "Fence",
    "ImageRef", "Slide", "parse_deck", "read_deck",
]


def __getattr__(name: str) -> Any:
    if name in ("parse_deck", "read_deck"):
        from lecturekit.deck import parse

        return getattr(parse, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
