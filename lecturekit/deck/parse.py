"""Parse a Marp deck once, with markdown-it-py, into the model of `model.py`.

markdown-it-py applies the same CommonMark rules as Marp's renderer, so what
counts as a code block, a slide separator or a comment agrees with the
rendered slides.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

from lecturekit.deck.annotations import (
    AnnotationError,
    attach_markers,
    parse_comment_marker,
    parse_info,
    resolve_continuations,
)
from lecturekit.deck.model import Annotation, Comment, Deck, DeckError, Fence, ImageRef, Slide

DIRECTIVES = frozenset({
    # global
    "theme", "style", "headingDivider", "lang", "size", "math", "marp", "title",
    "description", "author", "image", "keywords", "url", "transition",
    # local
    "paginate", "header", "footer", "class", "backgroundColor", "backgroundImage",
    "backgroundPosition", "backgroundRepeat", "backgroundSize", "color",
})
"""Marp directive names; a comment made only of these is not a presenter note."""

_COMMENT = re.compile(r"<!--(.*?)-->", re.S)
_HTML_SRC = re.compile(r"""\b(src|href|poster|data)\s*=\s*["']([^"']+)["']""", re.I)
_CSS_URL = re.compile(r"""url\(\s*["']?([^"')\s]+)["']?\s*\)""", re.I)
_FRONT_MATTER_END = re.compile(r"^(---|\.\.\.)\s*$")


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    """Block-level parsing only; inline parsing runs on demand in `_inline_children`.

    Inline rules cost more than half of markdown-it's time, and the model
    needs them only for the few paragraphs that can hold an image or HTML.
    """
    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    return md.disable(["inline", "text_join"])


@lru_cache(maxsize=1)
def _inline_markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


def _inline_children(token: Token, env: dict) -> list[Token]:
    if "![" not in token.content and "<" not in token.content:
        return []
    parsed = _inline_markdown().parseInline(token.content, env)
    return parsed[0].children or [] if parsed else []


def read_deck(path: Path | str) -> Deck:
    """Read and parse a deck file; raise DeckError naming the file on bad input."""
    path = Path(path)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DeckError(path, line, f"not valid UTF-8 (byte 0x{data[exc.start]:02x} "
                                    f"at offset {exc.start}); save the deck as UTF-8") from None
    return parse_deck(text, path)


def parse_deck(text: str, path: Path | str = "<deck>") -> Deck:
    path = Path(path)
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.splitlines()
    front_matter, body_start = _front_matter(lines, path)
    masked = "\n".join([""] * body_start + lines[body_start:])
    env: dict = {}
    tokens = _markdown().parse(masked, env)
    try:
        slides = _split_slides(tokens, lines, body_start, path, env)
        resolve_continuations([f for s in slides for f in s.fences])
    except AnnotationError as exc:
        raise DeckError(path, exc.line, str(exc)) from None
    deck = Deck(path=path, text=text, front_matter=front_matter, slides=slides)
    _apply_directives(deck)
    return deck


def _front_matter(lines: list[str], path: Path) -> tuple[dict[str, object], int]:
    if not lines or lines[0].strip() != "---":
        return {}, 0
    for index in range(1, len(lines)):
        if _FRONT_MATTER_END.match(lines[index]):
            raw = "\n".join(lines[1:index])
            try:
                data = yaml.safe_load(raw) or {}
            except yaml.YAMLError as exc:
                mark = getattr(exc, "problem_mark", None)
                line = mark.line + 2 if mark else 1
                raise DeckError(path, line, f"front matter is not valid YAML: {exc}") from None
            if not isinstance(data, dict):
                raise DeckError(path, 1, "front matter must be a YAML mapping (key: value)")
            return data, index + 1
    raise DeckError(path, 1, "front matter opened with '---' is never closed")


def _split_slides(tokens: list[Token], lines: list[str], body_start: int,
                  path: Path, env: dict) -> list[Slide]:
    groups: list[tuple[int, list[Token]]] = [(body_start, [])]
    for token in tokens:
        if token.type == "hr" and token.level == 0 and token.map:
            groups.append((token.map[1], []))
        else:
            groups[-1][1].append(token)
    slides = []
    for number, (start, group) in enumerate(groups, start=1):
        end = groups[number][0] - 1 if number < len(groups) else len(lines)
        slides.append(_slide(number, start, end, group, lines, path, env))
    return slides


def _slide(number: int, start: int, end: int, tokens: list[Token], lines: list[str],
           path: Path, env: dict) -> Slide:
    slide = Slide(number=number, line=start + 1, end_line=max(end, start + 1),
                  source="\n".join(lines[start:end]), header=None, classes=[], directives={})
    pending: list[Annotation] = []
    for index, token in enumerate(tokens):
        line = token.map[0] + 1 if token.map else slide.line
        if token.type == "fence":
            fence = _fence(token, lines, path, in_comment=False)
            fence.slide_number = number
            attach_markers(fence, pending)
            pending = []
            slide.fences.append(fence)
        elif token.type in ("html_block", "html_inline"):
            for comment in _comments(token.content, line):
                markers = parse_comment_marker(comment.text, comment.line)
                if markers is not None:
                    pending.extend(markers)
                    continue
                slide.comments.append(comment)
                for fence in _fences_in_comment(comment, lines, path):
                    fence.slide_number = number
                    slide.fences.append(fence)
            slide.images.extend(_html_refs(token.content, line))
        elif token.type == "heading_open":
            inline = tokens[index + 1]
            slide.headings.append((int(token.tag[1]), inline.content, line))
        elif token.type == "inline":
            children = _inline_children(token, env)
            if children:
                slide.images.extend(_inline_refs(children, line))
    return slide


def _fence(token: Token, lines: list[str], path: Path, in_comment: bool,
           offset: int = 0) -> Fence:
    first, last = token.map[0] + offset, token.map[1] + offset
    markup = token.markup
    closing = lines[last - 1].strip() if last - 1 > first else ""
    closed = bool(closing) and not closing.lstrip(markup[0]) and len(closing) >= len(markup)
    if not closed:
        raise DeckError(path, first + 1, f"code fence {markup} opened here is never closed "
                                         f"(add a line {markup} after the code)")
    code_lines = token.content.splitlines()
    body_lines = [first + 2 + i for i in range(len(code_lines))]
    columns = []
    for number, code in zip(body_lines, code_lines, strict=True):
        source = lines[number - 1]
        columns.append(len(source) - len(code) if code and source.endswith(code) else 0)
    lang, annotations = parse_info(token.info, first + 1)
    return Fence(lang=lang, info=token.info.strip(), annotations=annotations,
                 code=token.content, line=first + 1, end_line=last, body_lines=body_lines,
                 body_columns=columns, in_comment=in_comment)


def _comments(html: str, line: int) -> list[Comment]:
    found = []
    for match in _COMMENT.finditer(html):
        text = match.group(1)
        at = line + html.count("\n", 0, match.start())
        found.append(Comment(text=text.strip(), line=at, directives=_directives(text)))
    return found


def _directives(text: str) -> dict[str, str]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return {}
    if not isinstance(data, dict) or not data:
        return {}
    if not all(isinstance(k, str) and k.lstrip("_$") in DIRECTIVES for k in data):
        return {}
    return {k: "" if v is None else str(v) for k, v in data.items()}


def _fences_in_comment(comment: Comment, lines: list[str], path: Path) -> list[Fence]:
    """Fences inside a presenter note: kept in the model, never run."""
    if "```" not in comment.text and "~~~" not in comment.text:
        return []
    start = comment.line - 1
    end = start
    while end < len(lines) and "-->" not in lines[end]:
        end += 1
    region = [ln.replace("<!--", "    ", 1) if i == 0 else ln
              for i, ln in enumerate(lines[start:end])]
    fences = []
    for token in _markdown().parse("\n".join(region)):
        if token.type == "fence" and token.map:
            try:
                fences.append(_fence(token, lines, path, in_comment=True, offset=start))
            except (DeckError, AnnotationError):
                continue
    return fences


def _inline_refs(children: list[Token], line: int) -> list[ImageRef]:
    refs = []
    for child in children:
        if child.type == "image":
            refs.append(ImageRef(src=str(child.attrGet("src") or ""), line=line,
                                 alt=child.content))
        elif child.type == "html_inline":
            refs.extend(_html_refs(child.content, line))
        if child.type in ("softbreak", "hardbreak"):
            line += 1
    return refs


def _html_refs(html: str, line: int) -> list[ImageRef]:
    refs = []
    for match in _HTML_SRC.finditer(html):
        at = line + html.count("\n", 0, match.start())
        refs.append(ImageRef(src=match.group(2), line=at, attr=match.group(1).lower()))
    for match in _CSS_URL.finditer(html):
        at = line + html.count("\n", 0, match.start())
        refs.append(ImageRef(src=match.group(1), line=at, attr="url"))
    return refs


def _apply_directives(deck: Deck) -> None:
    """Resolve Marp's inherited (`header`) and spot (`_header`) directives per slide."""
    inherited: dict[str, str] = {
        k: str(v) for k, v in deck.front_matter.items() if k in DIRECTIVES
    }
    for slide in deck.slides:
        spot: dict[str, str] = {}
        for comment in slide.comments:
            for key, value in comment.directives.items():
                if key.startswith("_"):
                    spot[key[1:]] = value
                else:
                    inherited[key.lstrip("$")] = value
        slide.directives = {**inherited, **spot}
        slide.header = slide.directives.get("header") or None
        slide.classes = slide.directives.get("class", "").split()
        background = slide.directives.get("backgroundImage")
        if background:
            for match in _CSS_URL.finditer(background):
                slide.images.append(ImageRef(src=match.group(1), line=slide.line, attr="url"))
