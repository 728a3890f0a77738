"""PDF bookmarks from the deck model: a two-level tree a reader can steer by.

marp-cli's own outline knows only Markdown headings, but in this theme most
slides are titled by their `_header` (the title bar), so the build makes the
outline from each slide's title.  The render engine (engine/render.mjs)
writes it into the PDF as it saves it; this module only decides what it holds.

The rule (for any deck, not one lecture).  A *section tag* is the text of a
slide's `<div class="section">…</div>` (the theme's small chapter tag); a
slide without one has none.

1. The first slide (the title slide) is a level-1 entry; the slides before
   the first divider (recap, agenda: the front matter) hang under it.
2. A *section divider* is a `lead` slide that opens a section, seen by
   either of two signs:
   - its title is numbered like a section: "1.", "2．", "3)", "第1章",
     "第二部", "Chapter 2", "Part II", "Section 3", "§3", or it is an
     appendix ("付録", "Appendix").  A number must be followed by a stop,
     a bracket or a colon, so "100 回唱えよう" is not one;
   - the section tag changes at it: the nearest tagged slide after it carries
     another tag than the nearest tagged slide before it.
   A divider is a level-1 entry; the slides after it hang under it.  Other
   `lead` slides ("前回の問題3、覚えていますか") are ordinary slides of the
   section they stand in.
3. The last section's own tag is the tag of its first non-`lead` slide.  The
   slides after the last one that still carries it have left the section:
   they are back matter (まとめ, 参考文献 after the appendix) and stand at
   level 1.  (A stray untagged slide inside a section stays in it.)
4. The last slide, when it is a `lead` slide and not the title slide, is the
   closing slide ("おつかれさまでした") and stands at level 1.

Slides without a title are left out of the outline.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from lecturekit.deck import Slide

_FENCE = re.compile(r"^(`{3,}|~{3,}).*?^\1", re.M | re.S)
_SECTION_TAG = re.compile(
    r"<(?P<tag>[a-zA-Z][\w-]*)\b[^>]*\bclass\s*=\s*(?P<q>[\"'])(?:[^\"']*\s)?section(?:\s[^\"']*)?(?P=q)"
    r"[^>]*>(?P<body>.*?)</(?P=tag)\s*>",
    re.S,
)
_NUMBER = r"(?:\d+(?:\.\d+)*|[IVXLC]+|[0-9０-９]+)"
_KANJI_NUMBER = r"[0-9０-９一二三四五六七八九十百]+"
_NUMBERED_TITLE = re.compile(
    rf"^(?:{_NUMBER}\s*[.．:：)）]"
    rf"|第\s*{_KANJI_NUMBER}\s*[章部節編講]"
    rf"|(?:chapter|part|section|lecture)\s+{_NUMBER}\b"
    r"|§\s*\d"
    r"|付録|appendix\b)",
    re.I,
)


@dataclass(frozen=True)
class Bookmark:
    page: int
    """0-based page index."""
    title: str
    top: bool
    """A level-1 entry; the others hang below the last level-1 entry before them."""


def section_tag(slide: Slide) -> str | None:
    """The text of the slide's section tag (`<div class="section">`), or None."""
    from lecturekit.deck.parse import plain_text

    match = _SECTION_TAG.search(_FENCE.sub("", slide.source))
    if not match:
        return None
    text = plain_text(re.sub(r"<[^>]+>", " ", match.group("body")).strip())
    return text or None


def numbered_title(title: str) -> bool:
    """Whether a title reads as a section number ("1.", "第2章", "付録", "Chapter 3")."""
    return bool(_NUMBERED_TITLE.match(title.strip()))


def deck_bookmarks(kept: list[Slide]) -> list[Bookmark]:
    """The outline of the slides that make pages (page = index in `kept`), by the rule above."""
    tags = [section_tag(slide) for slide in kept]
    lead = ["lead" in slide.classes for slide in kept]

    def nearest_tag(indices) -> str | None:
        return next((tags[i] for i in indices if tags[i] is not None), None)

    def divider(i: int) -> bool:
        if not lead[i]:
            return False
        if numbered_title(kept[i].title):
            return True
        after = nearest_tag(range(i + 1, len(kept)))
        return after is not None and after != nearest_tag(range(i - 1, -1, -1))

    dividers = [i for i in range(1, len(kept)) if divider(i)]
    back = len(kept)
    last = dividers[-1] if dividers else 0
    body = [i for i in range(last + 1, len(kept)) if not lead[i]]
    if body:
        section = tags[body[0]]
        staying = [i for i in body if tags[i] == section]
        back = next((i for i in body if i > staying[-1]), len(kept))

    marks: list[Bookmark] = []
    for page, slide in enumerate(kept):
        top = (page == 0 or page in dividers or page >= back
               or (lead[page] and page == len(kept) - 1))
        if slide.title.strip():
            marks.append(Bookmark(page, slide.title.strip(), top))
    return marks


def bookmark_tree(marks: list[Bookmark]) -> list[tuple[str, list[str]]]:
    """The outline as (level-1 title, [titles below it]), as engine/render.mjs nests it."""
    tree: list[tuple[Bookmark, list[str]]] = []
    for mark in marks:
        if mark.top or not tree or not tree[-1][0].top:
            tree.append((mark, []))
        else:
            tree[-1][1].append(mark.title)
    return [(mark.title, children) for mark, children in tree]


def as_json(bookmarks: list[Bookmark]) -> list[dict]:
    return [asdict(mark) for mark in bookmarks]
