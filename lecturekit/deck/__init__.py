"""The deck model and its parser: the one reading of a deck every stage shares."""

from lecturekit.deck.model import (
    PYTHON_LANGS,
    Annotation,
    Comment,
    Deck,
    DeckError,
    Fence,
    ImageRef,
    Slide,
)
from lecturekit.deck.parse import parse_deck, read_deck

__all__ = [
    "PYTHON_LANGS", "Annotation", "Comment", "Deck", "DeckError", "Fence", "ImageRef",
    "Slide", "parse_deck", "read_deck",
]
