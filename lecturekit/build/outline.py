"""PDF bookmarks from the deck model: title and section slides on top, every titled slide below.

marp-cli's own outline knows only Markdown headings, but in this theme most
slides are titled by their `_header` (the title bar), so the build replaces
it with one made from each slide's title.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfWriter
from pypdf.generic import NameObject

from lecturekit.deck import Slide


@dataclass(frozen=True)
class Bookmark:
    page: int
    """0-based page index."""
    title: str
    top_level: bool


def deck_bookmarks(kept: list[Slide]) -> list[Bookmark]:
    return [Bookmark(page, slide.title.strip(), "lead" in slide.classes)
            for page, slide in enumerate(kept) if slide.title.strip()]


def write_bookmarks(pdf: Path, bookmarks: list[Bookmark]) -> None:
    """Replace the PDF's outline in place, as an incremental update (the pages stay as written)."""
    writer = PdfWriter(pdf, incremental=True)
    writer.root_object.pop(NameObject("/Outlines"), None)
    parent = None
    for mark in bookmarks:
        if mark.top_level:
            parent = writer.add_outline_item(title=mark.title, page_number=mark.page)
        else:
            writer.add_outline_item(title=mark.title, page_number=mark.page, parent=parent)
    writer.page_mode = "/UseOutlines"
    temporary = pdf.with_name(f".{pdf.name}.outline")
    with temporary.open("wb") as handle:
        writer.write(handle)
    os.replace(temporary, pdf)
