"""The reading version: each slide as the theme draws it, in slide order, with real outputs.

Every handout slide becomes a `<section>` carrying the slide's classes, so the
deck's own theme (`themes/<theme>.css`, embedded as it is) styles the boxes
(def/thm/proof/box/cite/columns), the section tag, the title bar and the
exercise/answer badges exactly as on the slides; a few rules of
`templates/reading.css.j2` turn the fixed 16:9 page into a flowing one.
Prose, code and output stay where the slide has them: each Python block is
followed by what it printed in the executed notebook, with its `# -> ...`
comments taken out of the code (the value shows once, as output).  A block
with an `output` fence keeps that fence as its output; a `>>>` transcript
already shows its outputs.  Math is typeset to SVG at build time by the
mathjax-full copy in node_modules, and images are inlined, so the page
makes no request at all.
"""

from __future__ import annotations

import ast
import base64
import html
import re
import struct
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from markdown_it import MarkdownIt
from nbformat import NotebookNode
from pygments.lexers import PythonConsoleLexer, PythonLexer
from pygments.token import Comment, Keyword, Name, Number, String, Token

from lecturekit.check.expectations import ExpectedError, find_inline_comments, output_fences
from lecturekit.deck import Deck, DeckError, Fence, Slide
from lecturekit.deck.variants import drop_slides_only_text, slides_kept
from lecturekit.handout.cells import SKIP, without_expectations
from lecturekit.handout.colab import colab_url, published_path
from lecturekit.handout.errors import HandoutError
from lecturekit.handout.exercises import ANSWER, exercises, notebook_lang
from lecturekit.handout.images import LocalImage, clean_alt, resolve_image
from lecturekit.handout.index import ARTEFACTS, EXERCISES_SUFFIX, Link
from lecturekit.handout.jinja import render
from lecturekit.handout.notebook import in_handout
from lecturekit.handout.notes import linked_urls, student_notes
from lecturekit.handout.outputs import block_cells
from lecturekit.handout.theme import strip_css_comments, theme_css
from lecturekit.handout.tools import node_command, node_env
from lecturekit.project import Project
from lecturekit.render.outline import deck_bookmarks, section_tag
from lecturekit.render.render import limit_hint, render_limit_s

MATHJAX_SCRIPT = Path(__file__).parent / "mathjax_svg.cjs"
_TEX_ERROR = re.compile(r"^TeX error in \$(?P<tex>.*?)\$: (?P<why>[^\n]*)", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_MATH = re.compile(r"\$\$.+?\$\$|(?<![\\$])\$(?!\s)[^$\n]+?(?<!\s)\$", re.S)
_IMG = re.compile(r"<img\b([^>]*?)\bsrc=\"([^\"]*)\"([^>]*)>", re.I)
_ALT = re.compile(r"\balt=\"([^\"]*)\"", re.I)
_PLACEHOLDER = re.compile(r"LKBLOCK(\d+)X")
_OPENING, _CLOSING = "（「『【〔［｛〈《(", "。、，．・：；！？）」』】〕］｝〉》).,:;!?"
_GLUED = re.compile(rf"[{_OPENING}]+LKMATH\d+X[{_CLOSING}]*|LKMATH\d+X[{_CLOSING}]+")
"""Inline math with the brackets and stops around it: a formula is one unbreakable box to the
line breaker (an object, like an image), which may break between it and a `。` or `）`,
starting a line with them; the span keeps them on the formula's line."""
_HYPHENATED = re.compile(r"(?<![\w/.:-])[A-Za-z]+(?:-[A-Za-z]+)+(?![\w/-])")
"""A word written with a hyphen (`in-place`, `right-hand`): Chromium breaks a line after its
hyphen, which reads as the word cut in two ("in-" / "place"); kept whole in prose."""
_TAG_OR_TEXT = re.compile(r"(<code\b.*?</code>|<pre\b.*?</pre>|<[^>]*>)", re.S)
_URL_SLASH = re.compile(r"(?<=[^/])/(?=[^/])")


def prose_breaks(rendered: str) -> str:
    """`rendered` HTML with each hyphenated word of its text in a `lk-nobr` span, and a
    break allowed (`<wbr>`) after each `/` of an address shown as text, so a long one wraps
    at a slash (`…/stable/` + `autograd.html`), not inside a name; tags, inline code and
    code blocks as they were (a class name, an address, code keep theirs)."""
    parts = _TAG_OR_TEXT.split(rendered)
    for i in range(0, len(parts), 2):   # the text between tags
        if parts[i].startswith(("http://", "https://")):
            parts[i] = _URL_SLASH.sub("/<wbr>", parts[i])
            continue
        parts[i] = _HYPHENATED.sub(lambda m: f'<span class="lk-nobr">{m[0]}</span>', parts[i])
    return "".join(parts)


_DISPLAY_SVG = re.compile(r'(<mjx-container class="MathJax" jax="SVG" display="true"[^>]*>'
                          r'<svg style=")'
                          r'([^"]*"[^>]*?\swidth="(\d+(?:\.\d+)?)ex")')
SLIDE_FIT_EX = 64
"""The widest display formula (in ex) a 1280 px slide holds at the theme's body size (32 px:
1 ex is 17.4 px, 64 ex 1110 px of the slide's 1150): wider ones keep the scroll cue's box
on wide screens too; those that fit are drawn on the slide's own background (`data-lk-fits`),
no box cutting through the theme's drawings."""
PHONE_COLUMN_EX = 33
"""The widest display formula (in ex) a phone's text column holds at full size: 306 px at a
360 px screen, 1 ex of the 17 px body is 9.2 px.  A wider one is also typeset broken into
lines (mathjax_svg.cjs), which phones show instead."""
FIT_SCALE = 0.6
"""How far a narrow screen may shrink a display formula to fit its box (17 px body: the
formula's main letters stay about 10 px, still legible, and the whole formula is in view); a
formula wider than that scrolls inside its box, with the scroll cue."""
_FIGURE = re.compile(r"<picture\b.*?</picture>|<img\b[^>]*>", re.I | re.S)
_STYLE_SIZE = re.compile(r"\b(width|height):(\d+(?:\.\d+)?)px")
_SVG_ROOT = re.compile(rb"<svg\b[^>]*>", re.S)
_SVG_LENGTH = re.compile(rb'\s(width|height)="(\d+(?:\.\d+)?)(px|pt)?"')
_SVG_VIEWBOX = re.compile(
    rb'\sviewBox="[-\d.]+[\s,]+[-\d.]+[\s,]+(\d+(?:\.\d+)?)[\s,]+(\d+(?:\.\d+)?)"')
SLIDE_FIGURE_WIDTH = 1160
"""The widest a figure is drawn on a 1280 px slide (inside its padding)."""
READABLE_SCALE = 0.75
"""The smallest share of its own size at which a figure's lettering still reads: a plot or
diagram letters at 10 pt or more (matplotlib's ticks, Graphviz's 14 pt), which at 3/4 of its
own px size (1 pt as 1 px) is 10 px.  On a phone every figure fits the screen (the whole of it
in view); one drawn narrower than this shows the hint to tap it open at full size.  A figure
of unknown size counts as readable down to FALLBACK_SCALE of its slide width."""
FALLBACK_SCALE = 0.55
_HLJS = [
    (Comment, "hljs-comment"), (String, "hljs-string"), (Number, "hljs-number"),
    (Keyword.Constant, "hljs-literal"), (Keyword, "hljs-keyword"),
    (Name.Builtin, "hljs-built_in"), (Name.Function, "hljs-title function_"),
    (Name.Class, "hljs-title class_"),
]
"""Pygments token types as the highlight.js classes the Marp theme colours."""


WORDS = {
    "ja": {"toc": "目次", "top": "目次へ戻る", "answer": "解答を見る", "notes": "補足",
           "slides": "枚", "intro": "はじめに", "index": "講義一覧", "zoom": "タップで拡大",
           "click": "クリックで拡大", "close": "× 閉じる", "answer_word": "解答",
           "sideways": "← 横にスクロールできます →", "colab": "Colab で開く"},
    "en": {"toc": "Contents", "top": "Back to contents", "answer": "Show the answer",
           "notes": "Note", "slides": "slides", "intro": "Introduction",
           "index": "All lectures", "zoom": "tap to enlarge", "click": "click to enlarge",
           "close": "× Close", "answer_word": r"\b(?:answer|solution)\b",
           "sideways": "← Scroll sideways →", "colab": "Open in Colab"},
}
"""The page's own words, in the deck's language (`notebook_lang`: the deck's `lang:`, else the
project's)."""


@dataclass(frozen=True)
class ReadingSlide:
    slide: Slide
    classes: str
    body: str
    notes: list[str]
    folded: bool = False
    """An answer slide: shown folded (`<details>`) until the reader opens it."""
    fold_label: str = ""
    """What the folded answer's summary names: the title without the word "解答" (the summary
    already says 解答を見る): 「演習1 解答 (4)」 reads 「解答を見る：演習1 (4)」."""


@dataclass(frozen=True)
class TocGroup:
    """One section of the table of contents: its divider slide and the slides under it."""

    head: ReadingSlide | None
    items: list[ReadingSlide]
    title: str = ""
    """The name the contents show: the divider's title, or for the front matter (the slides
    hanging under the title slide) the deck's own section tag for them or "はじめに"."""


def handout_html(nb: NotebookNode, deck: Deck, language: str | None = None,
                 index_href: str | None = None) -> str:
    """The page: title, table of contents by section, one themed section per handout slide.

    `index_href`: the series' index page relative to this one (`index.html`,
    `../index.html`), linked from the page's head; None when the page stands alone."""
    language = language or notebook_lang(deck)
    words = WORDS.get(language.split("-")[0], WORDS["ja"])
    tied, _ = output_fences(deck)
    markdown = MarkdownIt("commonmark", {"html": True, "breaks": True}).enable(
        ["table", "strikethrough"])
    slides = [ReadingSlide(s, " ".join(s.classes), _slide_body(s, deck, nb, tied, markdown),
                           [markdown.render(linked_urls(n)) for n in student_notes(s)],
                           folded=ANSWER in s.classes,
                           fold_label=fold_label(s.title, words["answer_word"]))
              for s in deck.slides if in_handout(s)]
    toc = toc_groups(slides, words["intro"])
    page = render("reading.html.j2", language=language, words=words, title=deck.title,
                  date=str(deck.front_matter.get("date") or ""), index_href=index_href,
                  exercises=exercises_link(deck, language.split("-")[0]),
                  theme_css=theme_css(deck),
                  reading_css=strip_css_comments(render("reading.css.j2")),
                  slides=slides, toc=toc,
                  section_starts={g.head.slide.number for g in toc[1:] if g.head})
    page = slide_links(page, deck, {item.slide.number for item in slides})
    page = zoomable_figures(page, words)
    return fit_display_math(typeset_math(page, deck))


def exercises_link(deck: Deck, language: str) -> Link | None:
    """The page's link to its exercises notebook, beside it (the build writes both to one
    folder), named and described as the index names it, in the page's language, with where
    it opens in Colab (`colab.colab_url`; None: no link, not a broken one); None for a deck
    without exercises."""
    if not exercises(deck):
        return None
    _, label_ja, note_ja, label_en, note_en = next(
        entry for entry in ARTEFACTS if entry[0] == EXERCISES_SUFFIX)
    ja = language == "ja"
    return Link(label_ja if ja else label_en, f"{deck.name}{EXERCISES_SUFFIX}",
                note_ja if ja else note_en,
                colab_url(Project.of(deck.path), published_path(deck.path, EXERCISES_SUFFIX)))


_PAGE_LINK = re.compile(r'(<a\b[^>]*?\bhref=")#(\d+)(")')


def slide_links(page: str, deck: Deck, shown: set[int]) -> str:
    """In-deck links as Marp writes them (`[参考文献](#77)`: the slides' page 77, counted
    over the slides the slides variant keeps) point to that slide's section here
    (`#slide-N`), or to the next section shown when the page has none for it (a slide
    the handout leaves out).  A number past the deck's end is left as written."""
    kept = slides_kept(deck)
    numbers = [slide.number for slide in deck.slides]

    def target(match: re.Match[str]) -> str:
        page_number = int(match[2])
        if not 1 <= page_number <= len(kept):
            return match[0]
        at = numbers.index(kept[page_number - 1].number)
        found = next((n for n in numbers[at:] if n in shown), None)
        return f"{match[1]}#slide-{found}{match[3]}" if found else match[0]

    return _PAGE_LINK.sub(target, page)


def fold_label(title: str, answer_word: str) -> str:
    """The slide's title without the word for "answer" (`answer_word`, a regex), which the
    summary says already; the title itself when that would leave nothing."""
    label = re.sub(rf"\s*(?i:{answer_word})\s*", " ", title).strip()
    label = re.sub(r"\s+", " ", label)
    return label if re.search(r"\w", label) else title


def toc_groups(slides: list[ReadingSlide], intro: str = WORDS["ja"]["intro"]) -> list[TocGroup]:
    """The titled slides grouped under the section dividers the PDF outline puts at the top
    level (`lecturekit.render.outline`: one notion of a section for bookmarks and contents).

    The first group is the front matter hanging under the title slide: it is named by the
    section tag its slides share (`<div class="section">はじめに</div>`), else `intro`, never by
    the title slide's text (the lecture's name is the page's heading already)."""
    groups: list[TocGroup] = []
    for mark in deck_bookmarks([item.slide for item in slides]):
        item = slides[mark.page]
        if mark.top or not groups:
            groups.append(TocGroup(item if mark.top else None, [], mark.title if mark.top else ""))
        if not mark.top:
            groups[-1].items.append(item)
    if groups and groups[0].head is slides[0] and groups[0].items:
        tags = {section_tag(item.slide) for item in groups[0].items} - {None}
        groups[0] = TocGroup(groups[0].head, groups[0].items,
                             tags.pop() if len(tags) == 1 else intro)
    return groups


def _slide_body(slide: Slide, deck: Deck, nb: NotebookNode, tied: dict[int, Fence],
                markdown: MarkdownIt) -> str:
    """The slide's Markdown rendered, fences replaced by code-and-output blocks."""
    lines: list[str | None] = slide.source.split("\n")
    first = slide.line
    blocks: list[str] = []
    outputs_shown = {id(f) for f in tied.values()}
    for fence in sorted((f for f in slide.fences if not f.in_comment), key=lambda f: f.line):
        start, end = fence.line - first, fence.end_line - first + 1
        if fence.has("slides-only"):
            html_block = ""
        elif fence.is_python:
            html_block = _code_block(fence, nb, show_output=id(fence) not in tied)
        elif id(fence) in outputs_shown or fence.has("output"):
            html_block = _output(fence.code, "lk-output lk-on-slide")
        else:
            html_block = _pre(fence.code, fence.lang)
        indent = re.match(r"[ \t>]*", lines[start] or "")[0]
        lines[start:end] = [f"{indent}LKBLOCK{len(blocks)}X"] + [None] * (end - start - 1)
        blocks.append(html_block)
    text = drop_slides_only_text(
        _COMMENT.sub("", "\n".join(line for line in lines if line is not None)))
    maths: list[str] = []

    def keep_math(match: re.Match[str]) -> str:
        maths.append(match[0])
        return f"LKMATH{len(maths) - 1}X"

    text = _MATH.sub(keep_math, text)
    text = _GLUED.sub(lambda m: f'<span class="lk-nobr">{m[0]}</span>', text)
    rendered = prose_breaks(markdown.render(text))
    rendered = re.sub(r"LKMATH(\d+)X", lambda m: html.escape(maths[int(m[1])], quote=False),
                      rendered)
    rendered = re.sub(r"<p>\s*LKBLOCK(\d+)X\s*</p>", lambda m: blocks[int(m[1])], rendered)
    rendered = _PLACEHOLDER.sub(lambda m: blocks[int(m[1])], rendered)
    rendered = _IMG.sub(lambda m: _inline_image(m, slide, deck), rendered)
    return _header(slide) + rendered


def _header(slide: Slide) -> str:
    """The title bar; with the slide's section tag also inside it as `lk-chip`, which narrow
    screens show at the end of the title's line in place of the tag's own line under the bar
    (a wide screen shows the tag where the theme puts it, on the bar)."""
    if not slide.header:
        return ""
    tag = section_tag(slide)
    chip = f' <span class="lk-chip">{html.escape(tag)}</span>' if tag else ""
    return f"<header>{html.escape(slide.header)}{chip}</header>\n"


def _code_block(fence: Fence, nb: NotebookNode, show_output: bool) -> str:
    cells = block_cells(nb, fence.line)
    skipped = fence.has("skip") or any(SKIP in c.metadata.get("tags", []) for c in cells)
    apart = show_output and not skipped and len(cells) > 1
    raises = not fence.is_transcript and any(
        isinstance(c, ExpectedError) for c in find_inline_comments(fence))
    as_on_slide = fence.is_transcript or shows_values_inline(fence) or (raises and not apart)
    code = fence.code if as_on_slide else strip_expectations(fence)
    parts = []
    if skipped:
        parts.append('<p class="lk-note">このコードは実行しません</p>')
    elif apart and not as_on_slide:
        return "\n".join(_cells_apart(fence, cells))
    if as_on_slide and not fence.is_transcript:
        parts.extend(_with_error_boxes(fence))
    else:
        parts.append(_pre(code, "pycon" if fence.is_transcript else "python"))
    if show_output and not as_on_slide and not skipped:
        parts.extend(_cell_outputs(cells))
    return "\n".join(parts)


def _cells_apart(fence: Fence, cells: list[NotebookNode]) -> list[str]:
    """A block the notebook runs as several cells (cut after each statement expected to
    raise): each cell's code, without its `# -> ...` comments, then what that cell printed
    or raised, so an error shows where it happens and every printed value in an output box."""
    code = without_expectations(fence)
    parts: list[str] = []
    for cell in cells:
        lines = cell.metadata.get("lecturekit", {}).get("lines", [])
        kept = [code[fence.body_lines.index(n)] for n in lines if n in fence.body_lines]
        text = "\n".join(line for line in kept if line is not None)
        if text.strip():
            parts.append(_pre(_BLANK_HEAD.sub("", text), "python"))
        parts.extend(_cell_outputs([cell]))
    return parts


def shows_values_inline(fence: Fence) -> bool:
    """The block checks bare expressions before its last statement (`x + 2  # -> tensor(4.)`).

    A notebook shows only a cell's last value, so those values exist only as
    the slide's comments: such a block is shown as on the slide, comments and
    all, and its executed output is not added (each value still shows once).
    An expected error (`(v * 3).backward()  # -> RuntimeError: ...`) is no such value: the
    notebook ends a cell on it, and its error output shows it.
    """
    comments = [c for c in find_inline_comments(fence) if not isinstance(c, ExpectedError)]
    if not comments:
        return False
    try:
        body = ast.parse(fence.code).body
    except SyntaxError:
        return True
    for statement in body[:-1]:
        first, last = statement.lineno - 1, (statement.end_lineno or statement.lineno) - 1
        is_print = (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call)
                    and isinstance(statement.value.func, ast.Name)
                    and statement.value.func.id == "print")
        if isinstance(statement, ast.Expr) and not is_print and any(
                first <= c.comment[0].index <= last + (1 if c.standalone else 0)
                for c in comments):
            return True
    return False


_BLANK_HEAD = re.compile(r"^(?:[ \t]*\n)+")


def _with_error_boxes(fence: Fence) -> list[str]:
    """A block shown as on the slide, its `# -> SomeError: message` comments as error boxes:
    the code up to the statement that raises, the error as the page shows every error (the
    box a cell's error output gets), then the rest of the code; values stay in the code."""
    lines = fence.code.rstrip("\n").split("\n")
    errors = sorted((c for c in find_inline_comments(fence) if isinstance(c, ExpectedError)),
                    key=lambda c: c.comment[0].index)
    parts: list[str] = []
    start = 0
    for error in errors:
        first = error.comment[0]
        code = lines[start:first.index]
        if not error.standalone:
            code.append(lines[first.index][:first.col].rstrip())
        if "\n".join(code).strip():
            parts.append(_pre(_BLANK_HEAD.sub("", "\n".join(code)), "python"))
        parts.append(_output(error.expected, "lk-output lk-error"))
        start = error.comment[-1].index + 1
    rest = "\n".join(lines[start:])
    if rest.strip():
        parts.append(_pre(_BLANK_HEAD.sub("", rest), "python"))
    return parts


def strip_expectations(fence: Fence) -> str:
    """The block's code without its `# -> ...` comments (their value shows as output)."""
    return "\n".join(line for line in without_expectations(fence) if line is not None)


def _cell_outputs(cells: list[NotebookNode]) -> list[str]:
    parts: list[str] = []
    text: list[str] = []

    def flush() -> None:
        if "".join(text).strip():
            parts.append(_output("".join(text), "lk-output"))
        text.clear()

    for cell in cells:
        for output in cell.get("outputs", []):
            kind = output.output_type
            if kind == "stream":
                text.append(output.text)
            elif kind == "error":
                flush()
                parts.append(_output(f"{output.ename}: {output.evalue}", "lk-output lk-error"))
            elif "image/png" in output.get("data", {}):
                flush()
                data = output.data["image/png"].replace("\n", "")
                base64.b64decode(data, validate=True)
                parts.append(f'<p class="lk-figure"><img alt="" '
                             f'src="data:image/png;base64,{data}"></p>')
            elif "text/plain" in output.get("data", {}):
                text.append(output.data["text/plain"] + "\n")
    flush()
    return parts


def _output(text: str, classes: str) -> str:
    """An output box: its lines wrap on a narrow screen as code does (`code_lines`), so no
    printed value is read by scrolling the box sideways."""
    label = "エラー" if "lk-error" in classes else "出力"
    return (f'<pre class="{classes}" data-label="{label}">'
            f"{code_lines(html.escape(text.rstrip(chr(10)), quote=False))}</pre>")


def _pre(code: str, lang: str) -> str:
    body = highlight(code, lang == "pycon") if lang in (
        "python", "py", "python3", "pycon", "ipython") else html.escape(code.rstrip("\n"),
                                                                         quote=False)
    return (f'<pre><code class="language-{html.escape(lang or "text")}">{code_lines(body)}'
            f"</code></pre>")


_MARKUP = re.compile(r"(<[^>]+>)")


def code_lines(body: str) -> str:
    """Each line of a code or output box's HTML in a `lk-ln` span with its indentation as
    `--lk-lead` (in ch): narrow screens wrap a long line with a hanging indent (its
    continuation set further in than the line itself starts, with a thin rule beside it:
    reading.css), so no code or output scrolls sideways and Python's indentation still
    reads.  The line breaks stay outside the spans and nothing is added to the text: copied
    code is the code.  A line break inside a highlighted token (a string over lines) stays in
    its line's span."""
    units: list[list[str]] = [[]]
    depth = 0
    for piece in _MARKUP.split(body):
        if piece.startswith("<"):
            depth += -1 if piece.startswith("</") else 1
            units[-1].append(piece)
            continue
        lines = piece.split("\n") if depth == 0 else [piece]
        units[-1].append(lines[0])
        for line in lines[1:]:
            units.append([line])
    out = []
    for unit in units:
        text = break_points("".join(unit))
        plain = html.unescape(_MARKUP.sub("", text))
        lead = len(plain) - len(plain.lstrip(" "))
        style = f' style="--lk-lead:{lead}ch"' if lead else ""
        out.append(f'<span class="lk-ln"{style}>{text}</span>')
    return "\n".join(out)


_WHOLE = re.compile(r"\bhljs-(?:number|string|comment)\b")
"""Highlighted tokens that stay whole: a number (`1e-3`), a string or a comment breaks only
where its text has a space."""
_KEYWORD = re.compile(r"\bhljs-keyword\b")
_BREAKS = re.compile(
    r"(?P<op>(?<!\S)(?:\*\*|//|==|!=|&lt;=|&gt;=|&lt;&lt;|&gt;&gt;|-&gt;|&lt;|&gt;|&amp;"
    r"|[-+*/%@|^])|(?<![\w.])(?:and|or|not|in|is)\b)(?P<gap> +)(?=\S|$)"
    r"|(?P<open>\((?=[^\s)\]}.,:]|$)|[\[{](?=[A-Za-z_])|,(?=[^\s)\]}.,:]))"
    r"|(?<=[)\]])(?=\.[A-Za-z_])"
    r"|(?<![\w)\]])(?P<neg>-[A-Za-z_]\w*)")
"""In a line's text (HTML-escaped, outside whole tokens): the spaces after a binary operator
(`a + b`: spaced on both sides) or a word operator (`in`, `not`); a `(` with more on the line
after it, a `[` or `{` before a name (`[x for ...`, not the `[` of `[[1.0, 2.0], [3.0, ...`),
a comma not followed by a space; the point between a call's or a subscript's closing bracket
and the `.` of the method that follows (`(v * 3)` | `.sum()`); a minus glued to a name
(`-x`)."""


def break_points(line: str) -> str:
    """Where a narrow screen may break a long code line, and where not: as a line of Python
    is broken by hand.  The line breaker breaks at spaces (reading.css lets no line break
    inside a word); to those this adds a `<wbr>` after a `(` (and a `[` or `{` before a name)
    and before the `.` of a method called on a call's result (`(v * 3)` | `.sum()`), and
    takes away the spaces after an operator and after a keyword (`lk-glue`: a space that
    does not break).  So a line breaks after `, ` or `(`, before a binary operator
    (`... (x**2 + 1)` | `* torch.log(...)`) or before a trailing comment, and never leaves
    `*`, `not` or `return` at a line's end; the `in` of a `for` clause, which separates its
    target from what it loops over as `=` does, may end one.  Nothing is added after a `.`:
    a dotted name (`torch.float64`, `v.creator.inputs`) breaks only where it alone is wider
    than the line.  Numbers, strings and comments stay whole, and a minus glued to a name
    (`-x`) is one unbreakable `lk-nb` span.  No character is added: copied code is the code.
    Output boxes (printed text, not highlighted) break by the same rule."""
    out: list[str] = []
    whole: list[bool] = []
    keyword: list[bool] = []
    after_keyword = looping = False
    """Just after a keyword's span; after a `for` whose `in` has not come yet."""

    def at(match: re.Match[str]) -> str:
        nonlocal looping
        if looping and match["op"] == "in":
            looping = False
            return match[0]
        return _break_at(match)

    for piece in _MARKUP.split(line):
        if piece.startswith("</"):
            if whole:
                whole.pop()
                after_keyword = keyword.pop()
            out.append(piece)
        elif piece.startswith("<"):
            whole.append(bool(_WHOLE.search(piece)) or bool(whole and whole[-1]))
            keyword.append(bool(_KEYWORD.search(piece)))
            out.append(piece)
        elif keyword and keyword[-1]:
            looping = looping or piece == "for"
            out.append(piece)
        elif whole and whole[-1]:
            out.append(piece)
            after_keyword = False
        else:
            gap = re.match(r" +", piece) if after_keyword else None
            head = f'<span class="lk-glue">{gap[0]}</span>' if gap else ""
            out.append(head + _BREAKS.sub(at, piece[gap.end() if gap else 0:]))
            after_keyword = False
    return "".join(out)


def _break_at(match: re.Match[str]) -> str:
    if match["op"]:
        return f'{match["op"]}<span class="lk-glue">{match["gap"]}</span>'
    if match["open"]:
        return f"{match['open']}<wbr>"
    if match["neg"]:
        return f'<span class="lk-nb">{match["neg"]}</span>'
    return "<wbr>"


_CHECK = re.compile(r"#(?:[ \t]*->|>(?!>))")
"""A checked value's comment (`# -> tensor(4.)`, `#> 4`: `check.expectations`)."""


def highlight(code: str, console: bool = False) -> str:
    """Python as highlight.js marks it up (the theme colours `hljs-*` spans); a checked
    value's comment is also `lk-check`, which narrow screens set on a line of its own under
    its code line (reading.css), so the value reads apart from the code.  A comment on a
    line of its own is also `lk-line-comment`, which narrow screens wrap at the box's edge.
    A comment after code is `lk-trail`, its line wrapped in `lk-tl` and the code before it
    in `lk-tl-code`: narrow screens move the comment under its code line when it would run
    past the box's edge.
    `code_lines` then gives each line its span."""
    out: list[str] = []
    lexer = (PythonConsoleLexer if console else PythonLexer)(stripnl=False, ensurenl=False)
    line_so_far = ""
    line_start: int | None = 0
    """Where in `out` the current line begins (None: inside a token spanning lines)."""
    for kind, value in lexer.get_tokens(code.rstrip("\n")):
        css = next((name for token, name in _HLJS if kind in token), None)
        trailing = False
        if css == "hljs-comment" and _CHECK.match(value):
            css += " lk-check"
        elif css == "hljs-comment" and not line_so_far.strip():
            css += " lk-line-comment"   # a comment line of its own: prose, wrapped on phones
        elif css == "hljs-comment" and line_start is not None:
            css += " lk-trail"
            trailing = True
        line_so_far = (line_so_far + value).rsplit("\n", 1)[-1]
        escaped = html.escape(value, quote=False)
        spanned = bool(css and kind is not Token.Text and value.strip())
        piece = f'<span class="{css}">{escaped}</span>' if spanned else escaped
        if trailing:
            line = "".join(out[line_start:])
            code_part = line.rstrip(" \t")
            gap = line[len(code_part):]
            indent = len(line_so_far) - len(line_so_far.lstrip(" "))
            style = f' style="--lk-indent:{indent}ch"' if indent else ""
            out[line_start:] = [f'<span class="lk-tl"{style}><span class="lk-tl-code">'
                                f"{code_part}</span>{gap}{piece}</span>"]
        elif "\n" in escaped and not spanned:
            before, _, after = escaped.rpartition("\n")
            out.append(before + "\n")
            line_start = len(out)
            out.append(after)
        else:
            out.append(piece)
            if "\n" in escaped:
                line_start = None   # a string or comment spanning lines: left as it is
    return "".join(out)


def _inline_image(match: re.Match[str], slide: Slide, deck: Deck) -> str:
    src = html.unescape(match[2])
    if src.startswith("data:"):
        return match[0]
    ref = next((r for r in slide.images if r.src == src), None)
    image = resolve_image(src, deck.path, ref.line if ref else slide.line, slide.number)
    attrs = match[1] + match[3]
    alt = _ALT.search(attrs)
    words = (html.unescape(alt[1]) if alt else "").split()
    style = []
    for word in words:
        size = re.match(r"^(w|h|width|height):(\d+(?:\.\d+)?)(px)?$", word)
        if size:
            style.append(f"{'width' if size[1].startswith('w') else 'height'}:{size[2]}px")
    rest = _ALT.sub("", attrs).strip().rstrip("/").strip()
    kept_alt = clean_alt(" ".join(words)) or (f"図（{slide.title}）" if slide.title else "図")
    # centred like the theme centres it: alone in its paragraph (or Marp's old `center` word)
    alone = (match.string[:match.start()].rstrip().endswith("<p>")
             and match.string[match.end():].lstrip().startswith("</p>"))
    if alone or "center" in words:
        rest = f'{rest} class="lk-center"'.strip()
    style_attr = f' style="{";".join(style)}"' if style else ""
    data = image.data_uri() if image else src
    tag = (f'<img alt="{html.escape(kept_alt)}" src="{data}"{style_attr}'
           f'{" " + rest if rest else ""}>')
    narrow = narrow_variant(src, deck, ref.line if ref else slide.line, slide.number) \
        if image else None
    if narrow is None:
        return tag
    return (f'<picture><source media="(max-width: {NARROW_SCREEN}px)" '
            f'srcset="{narrow.data_uri()}">{tag}</picture>')


NARROW = ".narrow"
NARROW_SCREEN = 760
"""The widest screen that gets a figure's narrow variant: where reading.css turns the slides
into flowing text (`@media (max-width: 760px)`)."""


def narrow_variant(src: str, deck: Deck, line: int, slide: int) -> LocalImage | None:
    """The figure drawn for narrow screens beside `src` (`img/graph.narrow.svg` next to
    `img/graph.svg`: the same figure laid out tall, its lettering readable on a phone), or
    None.  Read under the same rule as the figure itself (`resolve_image`)."""
    path, query = re.match(r"([^?#]*)(.*)", src).groups()
    stem, dot, suffix = path.rpartition(".")
    if not dot or "/" in suffix or stem.endswith(NARROW):
        return None
    candidate = f"{stem}{NARROW}.{suffix}"
    folder = deck.path.resolve().parent
    if not (folder / unquote(candidate)).is_file():
        return None
    return resolve_image(candidate + query, deck.path, line, slide)


def image_size(src: str) -> tuple[float, float] | None:
    """An inlined image's own size in CSS px (PNG, GIF, SVG), or None."""
    head, _, data = src.partition(",")
    if not head.startswith("data:") or ";base64" not in head:
        return None
    try:
        raw = base64.b64decode(data)
    except ValueError:
        return None
    if raw.startswith(b"\x89PNG") and len(raw) >= 24:
        return tuple(float(n) for n in struct.unpack(">II", raw[16:24]))  # type: ignore[return-value]
    if raw[:6] in (b"GIF87a", b"GIF89a"):
        return tuple(float(n) for n in struct.unpack("<HH", raw[6:10]))  # type: ignore[return-value]
    root = _SVG_ROOT.search(raw[:4096]) if b"<svg" in raw[:4096] else None
    if root is None:
        return None
    sizes = {name.decode(): float(value) * (4 / 3 if unit == b"pt" else 1)
             for name, value, unit in _SVG_LENGTH.findall(root[0])}
    box = _SVG_VIEWBOX.search(root[0])
    if "width" in sizes and "height" in sizes:
        return sizes["width"], sizes["height"]
    if box:
        return float(box[1]), float(box[2])
    return None


def zoomable_figures(page: str, words: dict[str, str]) -> str:
    """Each figure opens at full size when tapped (a link to itself: `:target` lays it over
    the page, scrollable and pinch-zoomable; its close link, or the back button, puts it
    back), with no script.  On phones a figure fits the screen's width, the whole of it in
    view, and a tall one is held to half the screen's height (`--lk-fig-ar`: its width over
    its height); under one drawn narrower than the width at which its lettering reads
    (`--lk-fig-min`: READABLE_SCALE) a small hint says it opens when tapped.  Inlined images
    only (all of a built page's are): an image's own size is read from its data.  A figure
    with a narrow variant (`<picture>`, `narrow_variant`) is measured on phones by the
    variant, which is what they draw (`--lk-fig-nw`: its width when opened); a variant is laid
    out for a phone's width, so there it is read as drawn (`lk-fig-narrow`: no hint, no
    enlarging into a view wider than the screen).  On wider screens a figure the zoomed slide
    draws smaller than its own size (`--lk-fig-own`) says it opens when clicked.

    Opened, a figure is fitted to the screen's width (enlarged on a phone, where the page
    draws it narrower) whenever its lettering reads at that width (`--lk-fig-min`); on a
    screen narrower than that it opens at its slide size and scrolls sideways, and a line
    at the screen's top says so (`lk-fig-sideways`), since only its left part is in view."""
    count = 0

    def wrap(match: re.Match[str]) -> str:
        nonlocal count
        count += 1
        tag = match[0]
        src = re.search(r'\bsrc="([^"]*)"', tag)
        own = image_size(src[1]) if src else None
        styled = dict((k, float(v)) for k, v in _STYLE_SIZE.findall(tag))
        width = None
        ratio = own[0] / own[1] if own and own[1] else None
        if "width" in styled:
            width = styled["width"]
        elif "height" in styled and ratio:
            width = styled["height"] * ratio
        elif own:
            width = own[0]
        if "height" in styled and "width" in styled:
            ratio = styled["width"] / styled["height"]
        props = []
        if width:
            width = min(width, SLIDE_FIGURE_WIDTH)
            least = min(width, own[0] * READABLE_SCALE) if own else width * FALLBACK_SCALE
            props += [f"--lk-fig-w:{width:.0f}px", f"--lk-fig-min:{least:.0f}px"]
            if own:
                props.append(f"--lk-fig-own:{own[0]:.0f}px")
        narrow = re.search(r'<source\b[^>]*\bsrcset="([^"]*)"', tag)
        narrow_size = image_size(narrow[1]) if narrow else None
        classes = "lk-fig"
        if narrow_size and narrow_size[1]:
            classes += " lk-fig-narrow"   # drawn for phones: read there as drawn, not enlarged
            # what a narrow screen draws is the narrow variant: its size rules there
            width, ratio = min(narrow_size[0], SLIDE_FIGURE_WIDTH), narrow_size[0] / narrow_size[1]
            props = [f"--lk-fig-w:{min(own[0], SLIDE_FIGURE_WIDTH) if own else width:.0f}px",
                     f"--lk-fig-nw:{width:.0f}px",
                     f"--lk-fig-min:{min(width, narrow_size[0] * READABLE_SCALE):.0f}px"]
            if own:
                props.append(f"--lk-fig-own:{own[0]:.0f}px")
        if ratio:
            props.append(f"--lk-fig-ar:{ratio:.4f}")
        name = f"lk-fig-{count}"
        return (f'<span class="lk-fig-at" id="{name}-at"></span>'
                f'<span class="{classes}" style="{";".join(props)}">'
                f'<span class="lk-fig-box" id="{name}">'
                f'<a class="lk-fig-open" href="#{name}" title="{words["zoom"]}">{tag}</a>'
                f'<a class="lk-fig-close" href="#{name}-at">{words["close"]}</a>'
                f'<span class="lk-fig-sideways" aria-hidden="true"><span>{words["sideways"]}'
                f'</span></span></span>'
                f'<span class="lk-fig-hint" aria-hidden="true"><span class="lk-fig-tap">'
                f'{words["zoom"]}</span><span class="lk-fig-click">{words["click"]}</span>'
                f'</span></span>')

    head, main, tail = page.partition("<main>")
    return head + main + _FIGURE.sub(wrap, tail)


def fit_display_math(page: str) -> str:
    """Give each display formula's SVG the narrowest width it may shrink to
    (`--lk-fit-min`, FIT_SCALE of its own), which the narrow-screen CSS uses, and mark those
    a slide holds (SLIDE_FIT_EX)."""
    def smallest(match: re.Match[str]) -> str:
        width = float(match[3])
        opening = match[1].replace(' display="true"', ' display="true" data-lk-fits', 1) \
            if width <= SLIDE_FIT_EX else match[1]
        return f"{opening}--lk-fit-min: {width * FIT_SCALE:.3f}ex; {match[2]}"
    return _DISPLAY_SVG.sub(smallest, page)


def typeset_math(page: str, deck: Deck) -> str:
    """Replace `$...$` / `$$...$$` TeX in the page by inline SVG."""
    limit = render_limit_s(len(deck.slides))  # the build's render limit, as pages.run
    try:
        result = subprocess.run([*node_command(), str(MATHJAX_SCRIPT), str(PHONE_COLUMN_EX)],
                                input=page.encode("utf-8"), capture_output=True, check=False,
                                timeout=limit, env=node_env())
    except subprocess.TimeoutExpired:
        raise HandoutError(f"{deck.path}: typesetting the math with MathJax did not finish in "
                           f"time; {limit_hint(len(deck.slides), limit)}") from None
    message = result.stderr.decode("utf-8", "replace").strip()
    tex_error = _TEX_ERROR.match(message)
    if result.returncode != 0 and tex_error:
        raise _located(deck, tex_error["tex"], tex_error["why"])
    if result.returncode != 0:
        raise HandoutError(f"typesetting the math with MathJax failed: {message or 'no message'}")
    return result.stdout.decode("utf-8")


def _located(deck: Deck, tex: str, why: str) -> DeckError:
    """The TeX error at the first deck line holding the formula's first line."""
    first = tex.strip().split("\n")[0].strip()
    line = next((n for n, text in enumerate(deck.lines, start=1)
                 if first and first in text), None)
    slide = deck.slide_at(line) if line else None
    return DeckError(deck.path, line, f"TeX error in ${tex}$: {why}",
                     slide.number if slide else None)
