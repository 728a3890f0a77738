"""The deck model and its parser: the one reading of a deck every stage shares."""

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
from lecturekit.deck.parse import parse_deck, read_deck

__all__ = [
    "PROJECT_MARKERS", "PYTHON_LANGS", "Annotation", "Comment", "Deck", "DeckError", "Fence",
    "ImageRef", "Slide", "parse_deck", "read_deck",
]
