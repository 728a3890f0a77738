"""One slide as a Jupyter markdown cell: Marp-only syntax turned into plain Markdown.

Works on the lines the deck model already located (fences, images), so the
Markdown is never parsed again: code fences become code cells elsewhere, comments
(directives and presenter notes) are dropped, the theme's HTML boxes become
blockquotes or inline styles any notebook viewer shows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from lecturekit.deck import Fence, Slide
from lecturekit.deck.variants import drop_slides_only_text, unwrap_handout_only_text
from lecturekit.handout.images import embed_images

BOXES = frozenset({"def", "thm", "proof", "box"})
"""Theme boxes shown as blockquotes."""

CITE_STYLE = "font-size:smaller;color:#555"
SECTION_STYLE = "text-align:right;font-size:smaller;color:#777;margin:0"
SPAN_STYLES = {
    "lined": "text-decoration:underline;text-decoration-color:#e8a33d;"
             "text-decoration-thickness:0.3em;text-underline-offset:-0.1em",
    # 傍点 on a slide; a notebook's tight lines put the dots into the line above, so bold.
    "dot-text": "font-weight:bold",
    "red": "color:#d33",
    "green": "color:#2a2",
    "gray": "color:#888",
}

_COMMENT = re.compile(r"<!--.*?-->", re.S)
_DIV = re.compile(r"<div\b([^>]*)>|</div\s*>", re.I)
_SPAN_OPEN = re.compile(r"<span\s+class\s*=\s*[\"']([^\"']+)[\"']\s*>", re.I)
_CLASS_ATTR = re.compile(r"class\s*=\s*[\"']([^\"']*)[\"']", re.I)
_BLANK_RUNS = re.compile(r"\n{3,}")
_PLACEHOLDER = re.compile(r"^([> ]*)(\x00fence\d+\x00)[ \t]*$", re.M)
_SPLIT = "\x00split\x00"
_SPLIT_LINE = re.compile(r"^[> ]*\x00split\x00[ \t]*$", re.M)


@dataclass
class SlideMarkdown:
    text: str


def slide_markdown(slide: Slide, deck_path: Path, hidden_fences: list[Fence],
                   labels: dict[str, str] | None = None) -> SlideMarkdown:
    """The slide as notebook Markdown, without `hidden_fences` (they become code cells)."""
    return slide_segments(slide, deck_path, hidden_fences, [], labels)[0]


def slide_segments(slide: Slide, deck_path: Path, hidden_fences: list[Fence],
                   split_at: list[Fence], labels: dict[str, str] | None = None
                   ) -> list[SlideMarkdown]:
    """The slide as notebook Markdown cut where each fence of `split_at` stands (those
    become code cells between the pieces): piece i is the prose before `split_at[i]`, the
    last piece the prose after the last, so a sentence about a block's result stays after
    the block.  The header heads the first piece; a piece may be empty.  `labels` are the
    theme's box labels (`handout.theme.box_labels`), written at the head of their box."""
    first = slide.line
    lines: list[str | None] = list(embed_images(slide, slide.source.split("\n"), first,
                                                deck_path))
    kept: dict[str, list[str | None]] = {}
    for fence in sorted((f for f in slide.fences if not f.in_comment), key=lambda f: f.line):
        start, end = fence.line - first, fence.end_line - first + 1
        body = ([_SPLIT] if fence in split_at else [] if fence in hidden_fences
                else [f"```{fence.lang}", *lines[start + 1:end]])
        token = f"\x00fence{len(kept)}\x00"
        kept[token] = body
        lines[start:end] = [token] + [None] * (end - start - 1)
    text = _prose("\n".join(line for line in lines if line is not None), labels or {})
    text = _PLACEHOLDER.sub(lambda m: _restored(m, kept), text)
    if slide.header:
        text = f"## {slide.header}\n\n{text}"
    pieces = [_hard_breaks(_BLANK_RUNS.sub("\n\n", piece).strip())
              for piece in _SPLIT_LINE.split(text)]
    return [SlideMarkdown(piece + "\n" if piece else "") for piece in pieces]


def _hard_breaks(text: str) -> str:
    """Marp renders a line break inside a paragraph as a break (`breaks: true`); Jupyter,
    Colab and nbconvert join the lines.  So each such line ends in two spaces, the break
    every Markdown reader knows.  Display math (`$$`) is left alone."""
    if "\n" not in text:
        return text
    from markdown_it import MarkdownIt

    lines = text.split("\n")
    for token in MarkdownIt("commonmark", {"html": True}).enable("table").parse(text):
        if token.type != "inline" or not token.map or "$$" in token.content:
            continue
        start, end = token.map
        for number in range(start, end - 1):
            if not lines[number].endswith(("  ", "\\")):
                lines[number] = lines[number].rstrip() + "  "
    return "\n".join(lines)


def _restored(match: re.Match[str], kept: dict[str, list[str | None]]) -> str:
    """A fence put back where its placeholder ended up, under the same quote prefix."""
    prefix = match[1]
    return "\n".join(f"{prefix}{line}".rstrip() for line in kept[match[2]])


def _prose(text: str, labels: dict[str, str]) -> str:
    text = _COMMENT.sub("", text)
    text = unwrap_handout_only_text(drop_slides_only_text(text))
    text = _convert_divs(text, labels)
    return _SPAN_OPEN.sub(_span, text)


def _span(match: re.Match[str]) -> str:
    styles = [SPAN_STYLES[c] for c in match[1].split() if c in SPAN_STYLES]
    if not styles:
        return match[0]
    return f'<span style="{";".join(styles)}">'


def _convert_divs(text: str, labels: dict[str, str]) -> str:
    """Rewrite theme `<div class=...>` blocks, nested ones included, from the inside out."""
    stack: list[tuple[set[str], list[str]]] = [(set(), [])]
    position = 0
    for match in _DIV.finditer(text):
        stack[-1][1].append(text[position:match.start()])
        position = match.end()
        if match[0].startswith("</"):
            if len(stack) == 1:
                stack[-1][1].append(match[0])
                continue
            classes, parts = stack.pop()
            stack[-1][1].append(_rendered_div(classes, "".join(parts), labels))
        else:
            attr = _CLASS_ATTR.search(match[1] or "")
            stack.append((set(attr[1].split()) if attr else set(), []))
    stack[-1][1].append(text[position:])
    while len(stack) > 1:
        classes, parts = stack.pop()
        stack[-1][1].append(_rendered_div(classes, "".join(parts), labels))
    return "".join(stack[0][1])


def _rendered_div(classes: set[str], inner: str, labels: dict[str, str]) -> str:
    body = inner.strip("\n")
    label = next((labels[c] for c in sorted(classes) if c in labels), None)
    if label:  # the theme draws this box with a label: a blockquote headed by it
        body = f"**{label}**\n\n{body}"
    if classes & BOXES or label:
        quoted = "\n".join(f"> {line}".rstrip() for line in body.split("\n"))
        return f"\n\n{quoted}\n\n"
    if "section" in classes:
        label = " ".join(body.split())
        return f'\n\n<p style="{SECTION_STYLE}">{label}</p>\n\n'
    if "cite" in classes:
        return f'\n\n<div style="{CITE_STYLE}">\n\n{body.strip()}\n\n</div>\n\n'
    return f"\n\n{body}\n\n"
