"""PDF bookmarks from the deck model: title and section slides on top, every titled slide below.

marp-cli's own outline knows only Markdown headings, but in this theme most
slides are titled by their `_header` (the title bar), so the build makes the
outline from each slide's title.  The render engine (engine/render.mjs)
writes it into the PDF as it saves it; this module only decides what it holds.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from lecturekit.deck import Slide


@dataclass(frozen=True)
class Bookmark:
    page: int
    """0-based page index."""
    title: str
    top: bool
    """A top-level entry (a `lead` slide); the others hang below the last one."""


def deck_bookmarks(kept: list[Slide]) -> list[Bookmark]:
    return [Bookmark(page, slide.title.strip(), "lead" in slide.classes)
            for page, slide in enumerate(kept) if slide.title.strip()]


def as_json(bookmarks: list[Bookmark]) -> list[dict]:
    return [asdict(mark) for mark in bookmarks]
