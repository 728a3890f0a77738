"""Which presenter notes students may read.

A note whose text starts with `講師:` (or `講師：`) or `instructor:` is for the
lecturer only: it stays in the presenter view of the slides the lecturer
builds (dist/), and every student-facing file (printed handout, reading HTML,
notebooks, and the slides as the published site serves them) asks this
module, so the rule lives in one place.
"""

from __future__ import annotations

import re
from html import unescape

from lecturekit.deck import Slide

INSTRUCTOR_ONLY = re.compile(r"^\s*(?:講師|instructor)\s*[:：]", re.I)
_BARE_URL = re.compile(r"(?<![<(\[\w])(https?://[^\s<>()\[\]]+[^\s<>()\[\].,;:!?、。）」])")


def is_instructor_note(text: str) -> bool:
    return bool(INSTRUCTOR_ONLY.match(text))


_MARP_NOTES = re.compile(r'(<div class="bespoke-marp-note"[^>]*>)(.*?)(</div>)', re.S)
_NOTE_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.S)


def without_instructor_notes(html: str) -> tuple[str, int]:
    """Marp's HTML of a deck with the lecturer-only notes taken out of its presenter view,
    and how many went.  Marp writes a slide's notes as one `bespoke-marp-note` element
    holding a paragraph per comment, its text escaped; the element stays (the presenter
    view counts them), emptied of those paragraphs."""
    dropped = 0

    def paragraph(match: re.Match[str]) -> str:
        nonlocal dropped
        if is_instructor_note(unescape(match.group(1))):
            dropped += 1
            return ""
        return match.group(0)

    def notes(match: re.Match[str]) -> str:
        return match.group(1) + _NOTE_PARAGRAPH.sub(paragraph, match.group(2)) + match.group(3)

    return _MARP_NOTES.sub(notes, html), dropped


def student_notes(slide: Slide) -> list[str]:
    """The slide's presenter notes students may see, in order."""
    return [text for text in slide.notes if not is_instructor_note(text)]


def linked_urls(notes: str) -> str:
    """Notes Markdown with bare URLs made autolinks (`<https://...>`), so every student file
    shows them as links (a printed PDF keeps them clickable)."""
    return _BARE_URL.sub(r"<\1>", notes)
