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


def is_instructor_note(text: str) -> bool:
    return bool(INSTRUCTOR_ONLY.match(text))


def student_notes(slide: Slide) -> list[str]:
    """The slide's presenter notes students may see, in order."""
    return [text for text in slide.notes if not is_instructor_note(text)]
