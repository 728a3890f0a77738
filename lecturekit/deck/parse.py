"""Parse a Marp deck once, with markdown-it-py, into the model of `model.py`.

markdown-it-py applies the same CommonMark rules as the markdown-it inside
Marp, and `marpit.py` adds Marpit's own rules (comment tokens, loose YAML,
directives, `headingDivider`), so what counts as a slide, a code block, a
directive or a presenter note agrees with the rendered slides; tests/marp
checks that against marp-core on every deck of the project.

Lines: Marp's markdown-it turns CRLF and lone CR into LF and nothing else
(U+2028, form feeds, ... stay inside their line), so the model numbers lines
by splitting on exactly those three endings (`split_lines`), never with
`str.splitlines`.  Line numbers are 1-based and point into the file on disk.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.rules_block.state_block import StateBlock
from markdown_it.rules_inline.state_inline import StateInline
from markdown_it.token import Token

from lecturekit.deck import marpit
from lecturekit.deck.annotations import (
    SKIP_END,
    SKIP_START,
    SKIPFILE,
    AnnotationError,
    attach_markers,
    parse_comment_marker,
    parse_info,
    resolve_continuations,
    resolve_peer_forms,
)
from lecturekit.deck.lines import looks_like_marp, split_lines
from lecturekit.deck.mathtext import INLINE_MATH, tex_to_text
from lecturekit.deck.model import Annotation, Comment, Deck, DeckError, Fence, ImageRef, Slide

DIRECTIVES = marpit.GLOBALS | marpit.LOCALS
"""Marp directive names (Marpit's, marp-core's and marp-cli's)."""
__all__ = ["looks_like_marp", "parse_deck", "read_deck", "split_lines"]

_MAGIC_COMMENT = (re.compile(r"^prettier-ignore(-(start|end))?$"),
                  re.compile(r"^markdownlint-((disable|enable).*|capture|restore)$"),
                  re.compile(r"^lint (disable|enable|ignore).*$"))
"""Comments Marpit hides without taking them for directives or notes."""
_TAG = re.compile(r"<([a-zA-Z][\w-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
_ATTR = re.compile(r"""(?<![\w-])([a-zA-Z_:][\w:.-]*)\s*=\s*("[^"]*"|'[^']*'|[^\s"'=<>`]+)""")
_LOADING_ATTRS = frozenset({"src", "href", "xlink:href", "poster", "data", "srcset"})
_CSS_IMPORT = re.compile(r"""@import\s*(?:"([^"]*)"|'([^']*)')""", re.I)
_CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s"']*))\s*\)""", re.I)
_STYLE_ELEMENT = re.compile(r"<style\b[^>]*>([\s\S]*?)(?:</style\s*>|\Z)", re.I)
_HTML_COMMENT = re.compile(r"<!--[\s\S]*?-->")


def _marpit_comment_block(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """Marpit's block comment rule: `<!--` at a block's start up to the line holding `-->`."""
    pos = state.bMarks[start] + state.tShift[start]
    maximum = state.eMarks[start]
    if not state.src.startswith("<!--", pos):
        return False
    if silent:
        return True
    line = state.src[pos:maximum]
    next_line = start + 1
    if "-->" not in line:
        while next_line < end:
            if state.sCount[next_line] < state.blkIndent:
                break
            pos = state.bMarks[next_line] + state.tShift[next_line]
            line = state.src[pos:state.eMarks[next_line]]
            next_line += 1
            if "-->" in line:
                break
    state.line = next_line
    token = state.push("marpit_comment", "", 0)
    token.map = [start, next_line]
    token.markup = state.getLines(start, next_line, state.blkIndent, True)
    token.hidden = True
    match = marpit.COMMENT.search(token.markup) if "-->" in token.markup else None
    token.content = marpit.js_trim(match.group(1)) if match else ""
    return True


def _marpit_comment_inline(state: StateInline, silent: bool) -> bool:
    if not state.src.startswith("<!", state.pos) or state.pos + 2 >= state.posMax:
        return False
    if state.src.find("-->", state.pos) < 0:  # else the lazy regex scans to the end: quadratic
        return False
    match = marpit.COMMENT.match(state.src, state.pos)
    if not match:
        return False
    if not silent:
        token = state.push("marpit_comment", "", 0)
        token.hidden = True
        token.markup = match.group(0)
        token.content = marpit.js_trim(match.group(1))
    state.pos = match.end()
    return True


def _marp_math_block(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """marp-core's display math: `$$` at a block's start up to a line ending in `$$`.

    Nothing inside is Markdown (no separator, heading or comment), as in Marp.
    """
    pos = state.bMarks[start] + state.tShift[start]
    maximum = state.eMarks[start]
    if pos + 2 > maximum or state.src[pos:pos + 2] != "$$":
        return False
    if silent:
        return True
    closed = marpit.js_trim(state.src[pos + 2:maximum]).endswith("$$")
    line = start
    while not closed:
        line += 1
        if line >= end:
            break
        pos, maximum = state.bMarks[line] + state.tShift[line], state.eMarks[line]
        if pos < maximum and state.tShift[line] < state.blkIndent:
            break
        closed = marpit.js_trim(state.src[pos:maximum]).endswith("$$")
    state.line = line + 1
    token = state.push("marp_math_block", "math", 0)
    token.block = True
    token.map = [start, min(state.line, end)]
    token.markup = "$$"
    return True


def _with_marpit_rules(md: MarkdownIt) -> MarkdownIt:
    md.block.ruler.after("blockquote", "marp_math_block", _marp_math_block,
                         {"alt": ["paragraph", "reference", "blockquote", "list"]})
    md.block.ruler.before("html_block", "marpit_comment", _marpit_comment_block)
    md.inline.ruler.before("html_inline", "marpit_comment", _marpit_comment_inline)
    return md


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    """Block-level parsing only; inline parsing runs on demand in `_inline_children`.

    Inline rules cost more than half of markdown-it's time, and the model
    needs them only for the few paragraphs that can hold an image, a link,
    HTML or a comment.
    """
    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    return _with_marpit_rules(md).disable(["inline", "text_join"])


@lru_cache(maxsize=1)
def _inline_markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    return _with_marpit_rules(md)


def _inline_children(content: str, env: dict) -> list[Token]:
    if "[" not in content and "<" not in content:
        return []
    parsed = _inline_markdown().parseInline(content, env)
    return parsed[0].children or [] if parsed else []


@lru_cache(maxsize=4096)
def plain_text(markdown: str, math: bool = True) -> str:
    """What a reader sees of one line of Markdown: text only (no images, markup, HTML).

    Runs of ASCII white space become one space; U+3000 (a Japanese layout space) stays.
    Inline math (`$…$`) becomes readable text (`∂z/∂u`), or, with `math=False`,
    nothing — which is what Marp's page holds as text, MathJax drawing math as shapes.
    """
    if not markdown:
        return ""
    formulas: list[str] = []

    def hold(match: re.Match[str]) -> str:
        formulas.append(tex_to_text(match.group(1)) if math else "")
        return f"\ue000{len(formulas) - 1}\ue001"

    parsed = _inline_markdown().parseInline(INLINE_MATH.sub(hold, markdown), {})
    words: list[str] = []
    for child in (parsed[0].children or []) if parsed else []:
        if child.type in ("text", "code_inline"):
            words.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            words.append(" ")
    text = re.sub("\ue000(\\d+)\ue001", lambda m: formulas[int(m.group(1))], "".join(words))
    return re.sub(r"[ \t\r\n]+", " ", text).strip(" ")


def read_deck(path: Path | str) -> Deck:
    """Read and parse a deck file; raise DeckError naming the file on bad input."""
    path = Path(path)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = len(split_lines(data[: exc.start].decode("utf-8", "replace") + "x"))
        raise DeckError(path, line, f"not valid UTF-8 (byte 0x{data[exc.start]:02x} "
                                    f"at offset {exc.start}); save the deck as UTF-8") from None
    return parse_deck(text, path)


def parse_deck(text: str, path: Path | str = "<deck>") -> Deck:
    path = Path(path)
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = split_lines(text)
    fm_text, fm_lines, body_start = _front_matter_region(lines, path)
    front_matter, fm_directives = _front_matter(fm_text, path)
    masked = "\n".join([""] * body_start + lines[body_start:])
    env: dict = {}
    try:
        tokens = _markdown().parse(masked, env)
    except RecursionError:
        raise DeckError(path, None, "the Markdown nests too deeply to read") from None
    reader = _Reader(path, lines, env, fm_lines, fm_directives)
    try:
        slides = reader.slides(tokens, body_start)
        fences = [f for s in slides for f in s.fences]
        resolve_continuations(fences)
        resolve_peer_forms(fences)
    except AnnotationError as exc:
        raise DeckError(path, exc.line, str(exc)) from None
    deck = Deck(path=path, text=text, front_matter=front_matter, slides=slides,
                skip_file=reader.skip_file)
    reader.apply_directives(deck)
    return deck


def _front_matter_region(lines: list[str], path: Path) -> tuple[str, range, int]:
    """markdown-it-front-matter's rule: `---` (3+ dashes) on line 1 up to a line of as many.

    Returns the YAML text, the YAML's lines (1-based) and the index of the
    first body line.  A line `...` also ends it (that plugin's rule, quirks
    included: the check looks at the line before the one being examined).
    """
    opening = re.match(r"-{3,}", lines[0]) if lines else None
    if not opening:
        return "", range(0), 0
    closing = re.compile(rf"^ {{0,3}}-{{{len(opening.group(0))},}}[ \t]*$")

    def dots(index: int) -> bool:
        return index >= 1 and lines[index].lstrip(" \t") == "..."

    for index in range(1, len(lines)):
        if dots(index - 1):
            return "\n".join(lines[1:index - 1]), range(2, index), index
        if closing.match(lines[index]):
            return "\n".join(lines[1:index]), range(2, index + 1), index + 1
    if len(lines) > 1 and dots(len(lines) - 1):
        last = len(lines) - 1
        return "\n".join(lines[1:last]), range(2, last + 1), last + 1
    raise DeckError(path, 1, "front matter opened with '---' is never closed")


def _front_matter(raw: str, path: Path) -> tuple[dict[str, object], list[marpit.Directive]]:
    if not raw.strip():
        return {}, []
    if len(raw) > marpit.MAX_YAML_CHARS:
        raise DeckError(path, 2, f"front matter is {len(raw)} characters long "
                                 f"(at most {marpit.MAX_YAML_CHARS})")
    try:
        data = marpit.load_yaml(marpit.loosen(raw, front_matter=True))
    except marpit.YamlLimit as exc:
        raise DeckError(path, exc.line + 2, f"front matter {exc}") from None
    except marpit.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 2 if mark else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise DeckError(path, line, f"front matter is not valid YAML: {problem}") from None
    if data is None:
        return {}, []
    if not isinstance(data, dict):
        raise DeckError(path, 1, "front matter must be a YAML mapping (key: value)")
    return data, marpit.directives_of(data) or []


class _Reader:
    """Turns markdown-it tokens into slides the way Marpit splits and directs them."""

    def __init__(self, path: Path, lines: list[str], env: dict, fm_lines: range,
                 fm_directives: list[marpit.Directive]) -> None:
        self.path = path
        self.lines = lines
        self.env = env
        self.fm_lines = fm_lines
        self.fm_directives = fm_directives
        self.comment_directives: dict[int, list[marpit.Directive]] = {}
        """id(Comment) -> its directives in order (spot ones without their `_`)."""
        self.body_start = 0
        self.skip_file: int | None = None
        self.skipping: list[Annotation] = []
        """Between Sybil's `skip: start` and `skip: end`: the skip every fence gets."""

    # -- comments -------------------------------------------------------------

    def _comment(self, content: str, line: int, in_heading: bool = False) -> Comment:
        try:
            # Without any of these characters YAML cannot make a mapping (nor nest).
            parsed = (marpit.load_yaml(marpit.loosen(content, front_matter=False))
                      if any(c in content for c in ":?{[") else None)
        except marpit.YamlLimit as exc:
            raise DeckError(self.path, line + exc.line, f"comment {exc}") from None
        except (marpit.YAMLError, RecursionError):
            parsed = None
        found = marpit.directives_of(parsed)
        # marp-core's fitting header: `# <!-- fit --> Title`
        magic = any(m.match(content) for m in _MAGIC_COMMENT) or (in_heading and content == "fit")
        written = {}
        if found is not None and isinstance(parsed, dict):
            kept = {(d.key if d.scope != "spot" else "_" + d.key) for d in found}
            written = {k: v for k, v in _flat(parsed).items() if k in kept}
        comment = Comment(text=content, line=line, directives=written,
                          hidden=found is not None or magic)
        self.comment_directives[id(comment)] = found or []
        return comment

    def _inline_comments(self, token: Token, line: int, in_heading: bool) -> list[Comment]:
        comments = []
        for child in _inline_children(token.content, self.env):
            if child.type == "marpit_comment":
                comments.append(self._comment(child.content, line, in_heading))
            if child.type in ("softbreak", "hardbreak"):
                line += 1
        return comments

    # -- slides ---------------------------------------------------------------

    def slides(self, tokens: list[Token], body_start: int) -> list[Slide]:
        self.body_start = body_start
        comments: dict[int, list[Comment]] = {}
        for index, token in enumerate(tokens):
            line = token.map[0] + 1 if token.map else 0
            if token.type == "marpit_comment":
                comments[index] = [self._comment(token.content, line)]
            elif token.type == "inline" and "<!" in token.content:
                in_heading = index > 0 and tokens[index - 1].type == "heading_open"
                found = self._inline_comments(token, line or self._line_of(tokens, index),
                                              in_heading)
                if found:
                    comments[index] = found
        levels = marpit.heading_levels(self._global("headingDivider", comments))
        # (first line of the slide, line of the split that opens it, token indices); 0-based
        groups: list[tuple[int, int, list[int]]] = [(body_start, body_start, [])]
        visible = False
        for index, token in enumerate(tokens):
            if token.type == "hr" and token.level == 0 and token.map:
                groups.append((token.map[1], token.map[0], []))
                visible = True
                continue
            if (token.type == "heading_open" and int(token.tag[1]) in levels and visible
                    and token.map):
                groups.append((token.map[0], token.map[0], []))
            if not _hidden(token):
                visible = True
            groups[-1][2].append(index)
        slides = []
        for number, (start, split, group) in enumerate(groups, start=1):
            end = groups[number][1] if number < len(groups) else len(self.lines)
            items = [(tokens[i], comments.get(i, [])) for i in group]
            slide = self._slide(number, start, end, items)
            if start != split:
                slide.separator_line = split + 1
            slides.append(slide)
        return slides

    def _skip_file(self, line: int) -> None:
        """pytest-codeblocks reads `skipfile` on the file's first line only: here, the first
        line after the front matter (blank lines between are fine)."""
        if any(text.strip() for text in self.lines[self.body_start:line - 1]):
            raise AnnotationError("`pytest-codeblocks:skipfile` skips the file only as its "
                                  "first line after the front matter (pytest-codeblocks "
                                  "reads it on line 1 only); move it there", line)
        self.skip_file = line

    @staticmethod
    def _line_of(tokens: list[Token], index: int) -> int:
        for token in reversed(tokens[:index]):
            if token.map:
                return token.map[0] + 1
        return 1

    def _global(self, key: str, comments: dict[int, list[Comment]]) -> str | None:
        value = None
        for d in self.fm_directives:
            if d.key == key and d.scope == "global":
                value = d.value
        for index in sorted(comments):
            for comment in comments[index]:
                for d in self.comment_directives[id(comment)]:
                    if d.key == key and d.scope == "global":
                        value = d.value
        return value

    def _slide(self, number: int, start: int, end: int,
               items: list[tuple[Token, list[Comment]]]) -> Slide:
        lines = self.lines
        slide = Slide(number=number, line=start + 1, end_line=max(end, start + 1),
                      source="\n".join(lines[start:end]), header=None, classes=[],
                      directives={})
        pending: list[Annotation] = []
        for offset, (token, comments) in enumerate(items):
            line = token.map[0] + 1 if token.map else slide.line
            for comment in comments:
                markers = parse_comment_marker(comment.text, comment.line)
                if markers is not None:
                    if markers and markers[0].name == SKIPFILE:
                        self._skip_file(comment.line)
                    elif markers and markers[0].name == SKIP_START:
                        self.skipping = markers[1:]
                    elif markers and markers[0].name == SKIP_END:
                        self.skipping = []
                    else:
                        pending.extend(markers)
                    continue
                slide.comments.append(comment)
                for fence in _fences_in_comment(comment, lines, self.path):
                    fence.slide_number = number
                    slide.fences.append(fence)
            if token.type == "fence":
                fence = _fence(token, lines, self.path, in_comment=False)
                fence.slide_number = number
                attach_markers(fence, pending + self.skipping)
                pending = []
                slide.fences.append(fence)
            elif token.type == "html_block":
                slide.images.extend(_html_refs(token.content, line))
            elif token.type == "heading_open":
                inline = items[offset + 1][0]
                slide.headings.append((int(token.tag[1]), inline.content, line))
            elif token.type == "inline":
                refs, links = _inline_refs(_inline_children(token.content, self.env), line)
                slide.images.extend(refs)
                slide.links.extend(links)
        return slide

    # -- directives -----------------------------------------------------------

    def apply_directives(self, deck: Deck) -> None:
        """Marpit's rules: globals (last wins, every slide), locals inherit, spot ones don't."""
        globals_: dict[str, str] = {}
        global_lines: dict[str, int] = {}
        local: dict[str, str] = {}
        local_lines: dict[str, int] = {}

        def note(scope_values, scope_lines, d, where):
            scope_values[d.key] = d.value
            scope_lines[d.key] = where

        first_spot: dict[str, str] = {}
        spot_lines: dict[str, int] = {}
        for d in self.fm_directives:
            where = self._front_matter_line(d)
            if d.scope == "global":
                note(globals_, global_lines, d, where)
            elif d.scope == "local":
                note(local, local_lines, d, where)
            else:
                note(first_spot, spot_lines, d, where)
        for slide in deck.slides:
            for comment in slide.comments:
                for d in self.comment_directives.get(id(comment), []):
                    if d.scope == "global":
                        note(globals_, global_lines, d, comment.line)
        for slide in deck.slides:
            spot, lines_spot = (first_spot, spot_lines) if slide.number == 1 else ({}, {})
            for comment in slide.comments:
                for d in self.comment_directives.get(id(comment), []):
                    if d.scope == "local":
                        note(local, local_lines, d, comment.line)
                    elif d.scope == "spot":
                        note(spot, lines_spot, d, comment.line)
            slide.directives = {**local, **spot, **globals_}
            slide.directive_lines = {**local_lines, **lines_spot, **global_lines}
            slide.header = slide.directives.get("header") or None
            slide.classes = slide.directives.get("class", "").split()
            self._directive_refs(slide)

    def _front_matter_line(self, d: marpit.Directive) -> int:
        key = ("_" if d.scope == "spot" else "") + d.key
        pattern = re.compile(rf"""^["']?{re.escape(key)}["']?\s*:""")
        for number in self.fm_lines:
            if pattern.match(self.lines[number - 1]):
                return number
        return self.fm_lines[0] if self.fm_lines else 1

    def _directive_refs(self, slide: Slide) -> None:
        """Images the header/footer Markdown and backgroundImage CSS of a slide load."""
        for key in ("header", "footer", "backgroundImage", "style"):
            value = slide.directives.get(key)
            if not value or (key == "style" and slide.number != 1):
                continue
            written = slide.directive_lines.get(key, slide.line)
            if key in ("backgroundImage", "style"):
                srcs = [(_url(m), "url", "") for m in _CSS_URL.finditer(value)]
            else:
                refs, _links = _inline_refs(_inline_children(value, self.env), written)
                srcs = [(r.src, r.attr, r.alt) for r in refs]
            for src, attr, alt in srcs:
                at = self._line_holding(written, src)
                slide.images.append(ImageRef(src=src, line=at, alt=alt, attr=attr,
                                             tag="style" if key == "style" else "",
                                             directive=key))

    def _line_holding(self, first: int, src: str) -> int:
        """The line at or after `first` (within a few) that holds `src` as written."""
        for number in range(first, min(first + 50, len(self.lines)) + 1):
            text = self.lines[number - 1]
            if src in text or unquote(src) in text:
                return number
        return first


def _flat(parsed: dict) -> dict[str, str]:
    """Directive values as strings, the way `Comment.directives` has always held them."""
    out = {}
    for key, value in parsed.items():
        if isinstance(value, str):
            out[key] = value
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            out[key] = " ".join(value)
        elif value is None:
            out[key] = ""
    return out


def _hidden(token: Token) -> bool:
    """Tokens Marpit's headingDivider does not count as slide content."""
    if token.type == "marpit_comment":
        return True
    return token.type == "html_block" and token.content.lstrip().lower().startswith("<style")


def _fence(token: Token, lines: list[str], path: Path, in_comment: bool,
           offset: int = 0) -> Fence:
    first, last = token.map[0] + offset, token.map[1] + offset
    markup = token.markup
    closing = lines[last - 1].strip() if last - 1 > first and last - 1 < len(lines) else ""
    closing = re.sub(r"^(?:>\s?)+", "", closing).strip()
    closed = bool(closing) and not closing.lstrip(markup[0]) and len(closing) >= len(markup)
    if not closed:
        raise DeckError(path, first + 1, f"code fence {markup} opened here is never closed "
                                         f"(add a line {markup} after the code)")
    code_lines = token.content.split("\n")
    if code_lines and code_lines[-1] == "":
        code_lines.pop()
    body_lines = [first + 2 + i for i in range(len(code_lines))]
    columns = []
    for number, code in zip(body_lines, code_lines, strict=True):
        source = lines[number - 1]
        columns.append(len(source) - len(code) if code and source.endswith(code) else 0)
    lang, annotations = parse_info(token.info, first + 1)
    return Fence(lang=lang, info=token.info.strip(), annotations=annotations,
                 code=token.content, line=first + 1, end_line=last, body_lines=body_lines,
                 body_columns=columns, in_comment=in_comment)


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


def _inline_refs(children: list[Token], line: int) -> tuple[list[ImageRef], list[ImageRef]]:
    """Images (and HTML loads) and Markdown links of one inline run, with their lines."""
    refs: list[ImageRef] = []
    links: list[ImageRef] = []
    for child in children:
        if child.type == "image":
            refs.append(ImageRef(src=str(child.attrGet("src") or ""), line=line,
                                 alt=child.content))
        elif child.type == "link_open":
            links.append(ImageRef(src=str(child.attrGet("href") or ""), line=line,
                                  attr="href", tag="a"))
        elif child.type == "html_inline":
            refs.extend(_html_refs(child.content, line))
        if child.type in ("softbreak", "hardbreak"):
            line += 1
    return refs, links


def _url(match: re.Match[str]) -> str:
    return next(g for g in match.groups() if g is not None)


def _html_refs(source: str, line: int) -> list[ImageRef]:
    """What an HTML fragment loads or links: src/href/poster/data/srcset and CSS url()."""
    refs = []
    source = _HTML_COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), source)
    for tag in _TAG.finditer(source):
        name = tag.group(1).lower()
        for attr in _ATTR.finditer(tag.group(2)):
            key = attr.group(1).lower()
            if key not in _LOADING_ATTRS:
                continue
            raw = attr.group(2)
            value = html.unescape(raw[1:-1] if raw[0] in "\"'" else raw)
            at = line + source.count("\n", 0, tag.start(2) + attr.start())
            if key == "srcset":
                for candidate in value.split(","):
                    words = candidate.split()
                    if words:
                        refs.append(ImageRef(src=words[0], line=at, attr="srcset", tag=name))
            elif key.endswith("href") and name not in ("link", "use", "image"):
                refs.append(ImageRef(src=value, line=at, attr="href", tag=name))
            else:
                refs.append(ImageRef(src=value, line=at, attr=key, tag=name))
    styles = [m.span(1) for m in _STYLE_ELEMENT.finditer(source)]
    for a, b in styles:
        for match in _CSS_IMPORT.finditer(source, a, b):
            at = line + source.count("\n", 0, match.start())
            refs.append(ImageRef(src=_url(match), line=at, attr="url", tag="style"))
    for match in _CSS_URL.finditer(source):
        at = line + source.count("\n", 0, match.start())
        in_style = any(a <= match.start() < b for a, b in styles)
        refs.append(ImageRef(src=_url(match) if in_style else html.unescape(_url(match)),
                             line=at, attr="url", tag="style" if in_style else ""))
    return refs
