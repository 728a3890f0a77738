"""Which presenter notes students may read.

A note whose text starts with `講師:` (or `講師：`) or `instructor:` is for the
lecturer only: it stays in the slides' presenter view, and every
student-facing file (printed handout, reading HTML, notebooks) asks this
module, so the rule lives in one place.
"""

from __future__ import annotations

import re

from lecturekit.deck import Slide

INSTRUCTOR_ONLY = re.compile(r"^\s*(?:講師|instructor)\s*[:：]", re.I)
_BARE_URL = re.compile(r"(?<![<(\[\w])(https?://[^\s<>()\[\]]+[^\s<>()\[\].,;:!?、。）」])")


def is_instructor_note(text: str) -> bool:
    return bool(INSTRUCTOR_ONLY.match(text))


def student_notes(slide: Slide) -> list[str]:
    """The slide's presenter notes students may see, in order."""
    return [text for text in slide.notes if not is_instructor_note(text)]


def linked_urls(notes: str) -> str:
    """Notes Markdown with bare URLs made autolinks (`<https://...>`), so every student file
    shows them as links (a printed PDF keeps them clickable)."""
    return _BARE_URL.sub(r"<\1>", notes)
