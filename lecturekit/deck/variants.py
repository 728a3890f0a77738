"""The slides variant of a deck: the text Marp renders for HTML and PDF.

Handout-only parts are blanked, never deleted, so the variant has exactly the
deck's lines and every line number a later stage reports still points into
the deck as written.
"""

from __future__ import annotations

import re

from lecturekit.deck.model import Deck, Fence, Slide

HANDOUT_ONLY = "handout-only"
SLIDES_ONLY = "slides-only"


def _inline(name: str) -> re.Pattern[str]:
    return re.compile(rf"<(span|div)\b[^>]*\bclass\s*=\s*[\"'](?:[^\"']*\s)?{name}(?:\s[^\"']*)?"
                      rf"[\"'][^>]*>(?P<inner>.*?)</\1\s*>", re.S | re.I)


HANDOUT_ONLY_TEXT = _inline(HANDOUT_ONLY)
"""`<span class="handout-only">上の図は</span>`: words only handouts show."""
SLIDES_ONLY_TEXT = _inline(SLIDES_ONLY)
"""`<span class="slides-only">右図は</span>`: words only the slides show (a phrase about the
slide's layout, a path in the lecture's sources); no student file carries them."""


def drop_slides_only_text(text: str) -> str:
    """`text` (deck Markdown) without its slides-only spans and divs."""
    return SLIDES_ONLY_TEXT.sub("", text)


def unwrap_handout_only_text(text: str) -> str:
    """`text` with each handout-only span or div replaced by what it holds."""
    return HANDOUT_ONLY_TEXT.sub(lambda m: m["inner"], text)


def has_handout_only_text(slide: Slide) -> bool:
    return bool(HANDOUT_ONLY_TEXT.search(slide.source))


def is_handout_only_slide(slide: Slide) -> bool:
    return HANDOUT_ONLY in slide.classes


def slides_kept(deck: Deck) -> list[Slide]:
    """The slides the slides variant shows, in order (rendered section i is kept[i])."""
    return [s for s in deck.slides if not is_handout_only_slide(s)]


def slides_markdown(deck: Deck) -> str:
    """The deck text with handout-only slides, fences and spans blanked (same line count).

    Lines end in LF whatever the deck uses (Marp reads CR, CRLF and LF alike).
    """
    lines = deck.lines
    blank: set[int] = set()
    for slide in deck.slides:
        if is_handout_only_slide(slide):
            blank.update(_slide_lines(deck, slide))
        else:
            for fence in _handout_only_fences(slide):
                blank.update(range(fence.line, fence.end_line + 1))
    text = "".join(("" if number in blank else line) + "\n"
                   for number, line in enumerate(lines, start=1))
    return HANDOUT_ONLY_TEXT.sub(lambda m: "\n" * m[0].count("\n"), text)


def _slide_lines(deck: Deck, slide: Slide) -> range:
    """The slide's lines plus one separator (`---`) next to it, so no empty slide remains.

    A slide opened by a heading (`headingDivider`) has no separator: blanking its
    own lines, heading included, removes it.
    """
    index = deck.slides.index(slide)
    if index > 0 and slide.separator_line is None:
        return range(slide.line, slide.end_line + 1)
    if index > 0:
        return range(slide.separator_line, slide.end_line + 1)
    if len(deck.slides) > 1:
        return range(slide.line, deck.slides[1].line)
    return range(slide.line, slide.end_line + 1)


def _handout_only_fences(slide: Slide) -> list[Fence]:
    """Fences marked handout-only, and the `output` fence that belongs to each."""
    dropped: list[Fence] = []
    previous_dropped = False
    for fence in slide.fences:
        if fence.in_comment:
            continue
        drop = fence.has(HANDOUT_ONLY) or (previous_dropped and fence.has("output"))
        if drop:
            dropped.append(fence)
        previous_dropped = drop
    return dropped
