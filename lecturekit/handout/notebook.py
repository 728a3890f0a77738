"""A deck as an nbformat v4 notebook: a markdown cell per slide, then its code cells.

Decisions:
- `slides-only` slides and fences are left out of what the reader sees, but a
  slides-only Python block still runs, as a hidden cell tagged `slides-only`,
  because the checker runs it and later blocks may depend on its state.
- `skip` blocks stay visible as code cells tagged `skip-execution`; nbclient
  does not run them, exactly as the checker skips them.  Colab ignores the tag,
  so such a cell is headed `%%skip` (`skip_if`/`skip_if_missing` for `skip-if=`
  and `importorskip=`, run where the checker runs them), its first line saying
  why in the deck's language; a cell raising on purpose is headed
  `%%expect_error` likewise (`session.MAGIC_DEFINITIONS`).  Such a line's
  comment also says to run the setup cell first on a UsageError, IPython's
  only word for a magic nobody defined.
- A block's `# -> value` comments are not in its cells: the value shows once,
  as the cell's output (`cells.code_pieces`).
- Before an exercise's first answer slide a short note says the answer
  follows, where to try it first (the exercises notebook) and how to open
  it: an answer slide's code cells are folded (`hide`), each titled by its
  item as the exercises notebook labels it (`answer_titles`), and saved
  without outputs (`without_answer_outputs`: they run at build time, so later
  cells work, but Colab folds only a form's code, not its output); its prose
  after the heading is in `<details>`; the exercise slide's hint is folded, as
  in that notebook.
- Headings nest as the PDFs' bookmarks (`heading_levels`): the title slide,
  the section dividers and the back matter at `#`, the other slides at `##`,
  so a `lead` slide inside a section ("100 回唱えよう") is not a chapter in
  a notebook's table of contents.
- A first markdown cell says what the notebook is (the lecture's code, run,
  with outputs), to run the setup first, and names the exercises notebook.
- The deck's `setup:` code, the checker's seeding and the cell magics the
  cells use run first, in a hidden cell tagged `setup`, commented in the
  deck's language.
- A slide's notes for students (`notes.student_notes`) follow its prose as a
  quote headed 補足, as the reading HTML shows them; its section tag is left
  out (the section's heading cell says it).
- Hidden means hidden in both JupyterLab (`jupyter.source_hidden`) and Colab,
  which ignores that key and folds a cell whose metadata says
  `cellView: "form"` and whose first line is `#@title ...` (`hide`); a cell
  headed by a cell magic (which must be its first line) is folded in
  JupyterLab only, its title in the magic's comment.  The written notebook
  (`published.published_notebook`) has no `%%expect_error`: every cell raising on
  purpose becomes try/except printing the traceback (`error_answer_form`; a folded
  answer a Colab form), so the build runs the magic and students never need it.
"""

from __future__ import annotations

import ast
import copy
import re
from collections.abc import Iterable, Iterator

import nbformat
from nbformat import NotebookNode

from lecturekit.deck import Deck, Fence, Slide
from lecturekit.handout import raster
from lecturekit.handout.cells import RAISES, SKIP, CodePiece, code_pieces
from lecturekit.handout.markdown import SECTION_STYLE, SlideMarkdown, slide_segments
from lecturekit.handout.notes import linked_urls, student_notes
from lecturekit.handout.session import (
    EXPECT_ERROR,
    MAGICS,
    SKIP_CELL,
    SKIP_IF,
    SKIP_IF_MISSING,
    fresh_source,
    setup_source,
)
from lecturekit.handout.theme import box_labels
from lecturekit.project import Project
from lecturekit.render.outline import deck_bookmarks

SETUP = "setup"
FRESH = "fresh"
SLIDES_ONLY = "slides-only"
HIDDEN = {"jupyter": {"source_hidden": True, "outputs_hidden": True}}
TITLE = "#@title "
EXERCISE, ANSWER = "exercise", "answer"
INTRO = "intro"
_SECTION_TAG = re.compile(rf'^<p style="{re.escape(SECTION_STYLE)}">.*?</p>[ \t]*\n*', re.M)
"""The slide's section tag: in a notebook the section's own heading cell says it."""

TEXTS = {
    "ja": {
        "setup": "準備（最初に実行してください）",
        "fresh": "ここから新しい名前空間で始めます",
        "slides_only": "スライドで使うだけのコード",
        EXPECT_ERROR: "エラーになるのが正しいセルです（エラーを表示して、次のセルへ進みます）",
        "shown_error": "エラーの内容（Traceback）を表示して、次のセルへ進みます",
        "needs_setup": "。UsageError と出たら、先に「準備」のセルを実行してください",
        SKIP_CELL: "講義では実行しないコードです{reason}",
        SKIP_IF: "この条件に当てはまるときは実行しません",
        SKIP_IF_MISSING: "{name} が入っていないときは実行しません",
        "answers": "📖 **ここから下は {label} の解答です"
                   "（JupyterLab と Colab ではたたまれています）。** "
                   "先に自分で解いてみたいときは、演習用のノートブック `{exercises}` を"
                   "使いましょう（答え合わせもできます）。",
        "answers_how": "解答のコードは、JupyterLab ではたたまれたセル（「…」）を、Colab では"
                   "「コードを表示」をクリックすると見えます。出力は消してあるので、"
                   "セルを実行すると表示されます（準備のセルから上を先に実行しておきます）。"
                   "説明は ▶ の行をクリックすると開きます。",
        "answer_code": "📖 解答：{title}",
        "answer_text": "📖 解答の説明（クリックで開く）",
        "answer_word": "解答",
        "part": "（{index}/{count}）",
        "hint": "💡 ヒント（クリックで開く）",
        "intro": "📓 **このノートブックについて**\n\n"
                 "講義「{title}」のスライドの説明とコードを、スライドの順に並べたものです。"
                 "コードはすべて実行済みで、出力もそのまま読めます（演習の解答だけは"
                 "出力を消してあります）。\n\n"
                 "- 自分で実行し直すときは、まず下の「準備」のセル（JupyterLab と Colab では"
                 "たたまれています）を実行してから、上から順に実行してください。\n"
                 "- 演習は、演習用のノートブック `{exercises}` で解けます（答え合わせつき）。"
                 "このノートブックでは、演習の解答の出力を消してあります（実行すると表示されます）。"
                 "解答のセルは JupyterLab と Colab ではたたまれています。",
        "notes": "補足",
    },
    "en": {
        "setup": "Setup (run this cell first)",
        "fresh": "From here on, a fresh namespace",
        "slides_only": "Code the slides need (not shown on them)",
        EXPECT_ERROR: "This cell raises an error on purpose (it shows the error, and the next "
                      "cells still run)",
        "shown_error": "prints the error's traceback and goes on",
        "needs_setup": ". A UsageError? First run the \"Setup\" cell",
        SKIP_CELL: "This code is not run in the lecture{reason}",
        SKIP_IF: "Not run when this condition holds",
        SKIP_IF_MISSING: "Not run when {name} is not installed",
        "answers": "📖 **The answer to {label} follows (folded in JupyterLab and Colab).** "
                   "To try it yourself first, "
                   "use the exercises notebook `{exercises}` (it checks your answers too).",
        "answers_how": "To see the answer's code, click its folded cell (\"…\") in JupyterLab, "
                   "or \"Show code\" in Colab. Its output is cleared: run the cell to see it "
                   "(after the setup cell and the cells above it). Click a ▶ line to open the "
                   "explanation.",
        "answer_code": "📖 Answer: {title}",
        "answer_text": "📖 Explanation (click to open)",
        "answer_word": "Answer",
        "part": " ({index}/{count})",
        "hint": "💡 Hint (click to open)",
        "intro": "📓 **About this notebook**\n\n"
                 "The explanations and code of the lecture \"{title}\", in the slides' order. "
                 "The code has been run already: its outputs are here to read.\n\n"
                 "- To run it again yourself, first run the \"Setup\" cell below "
                 "(folded in JupyterLab and Colab), "
                 "then the cells from the top.\n"
                 "- Work on the exercises in the exercises notebook `{exercises}` (it checks "
                 "your answers). Here, the outputs of the exercises' answers are cleared (run a "
                 "cell to see its output); JupyterLab and Colab fold their code.",
        "notes": "Note",
    },
}


def hide(cell: NotebookNode, title: str, outputs: bool = False) -> NotebookNode:
    """Fold the cell's code in JupyterLab and Colab, showing `title`; `outputs` folds those too.

    Colab makes a form of a cell only when `#@title` is its first line, but a cell magic
    must be the first line (IPython reads it only there): a cell headed by a magic is
    folded in JupyterLab only, and its title joins the magic's comment (no `#@title` line
    Colab would show as a stray comment)."""
    lines = cell.source.split("\n")
    if _is_magic(lines[0]):
        head, _, comment = lines[0].partition("  # ")
        if title not in comment:
            lines[0] = f"{head}  # {title}" + (f" — {comment}" if comment else "")
        cell.source = "\n".join(lines)
        cell.metadata.pop("cellView", None)
    else:
        if not lines[0].startswith(TITLE):
            cell.source = "\n".join([f"{TITLE}{title}", *lines])
        cell.metadata["cellView"] = "form"
    cell.metadata["jupyter"] = {"source_hidden": True, **({"outputs_hidden": True} if outputs
                                                          else {})}
    return cell


def title_lines(cell: NotebookNode) -> int:
    """Lines put before the cell's own code: `hide`'s title, `code_cell`'s magic (0 to 2)."""
    lines = cell.source.split("\n", 2)
    return sum(1 for line in lines[:2] if line.startswith(TITLE) or _is_magic(line))


def _is_magic(line: str) -> bool:
    return line.startswith("%%") and line[2:].split(" ", 1)[0] in MAGICS


def notebook_lang(deck: Deck) -> str:
    """`ja` or `en`: the deck's `lang:`, else the project's (`Project.settings.lang`)."""
    lang = str(deck.front_matter.get("lang") or Project.load(deck.path).settings.lang)
    return "ja" if lang.lower().startswith("ja") else "en"


def in_handout(slide: Slide) -> bool:
    return "slides-only" not in slide.classes


def fence_in_handout(slide: Slide, fence: Fence) -> bool:
    return in_handout(slide) and not fence.has("slides-only")


def deck_notebook(deck: Deck) -> NotebookNode:
    lang = notebook_lang(deck)
    raster.prepare(deck)  # every SVG drawn as PNG in one Chromium run
    say = TEXTS[lang]
    nb = nbformat.v4.new_notebook()
    nb.metadata.update(_metadata(deck))
    labels = box_labels(deck)
    levels = heading_levels(deck)
    exercise: Slide | None = None
    previous: Slide | None = None
    noted = False
    for slide in deck.slides:
        if EXERCISE in slide.classes:
            exercise = slide
        if (in_handout(slide) and ANSWER in slide.classes and exercise is not None
                and (previous is None or ANSWER not in previous.classes)):
            nb.cells.append(answers_note(deck, slide, exercise, say, first=not noted))
            noted = True
        nb.cells.extend(slide_cells(deck, slide, labels, lang, levels.get(slide.number, 2)))
        if in_handout(slide):
            previous = slide
    magics = used_magics(nb.cells)
    for cell in nb.cells:
        if FRESH in cell.metadata.get("tags", []):
            cell.source = f"{TITLE}{say['fresh']}\n" + fresh_source(deck.setup_code, lang, magics)
    nb.cells.insert(0, setup_cell(deck, lang, magics))
    nb.cells.insert(0, intro_cell(deck, say))
    return nb


def intro_cell(deck: Deck, say: dict[str, str]) -> NotebookNode:
    """The first cell: what this notebook is, to run the setup first, where the exercises are."""
    title = " ".join(str(deck.front_matter.get("title") or deck.title or deck.name).split())
    cell = nbformat.v4.new_markdown_cell(say["intro"].format(
        title=title, exercises=f"{deck.name}-exercises.ipynb"))
    cell.id = "intro"
    cell.metadata["tags"] = [INTRO]
    return cell


def used_magics(cells: list[NotebookNode]) -> set[str]:
    """The cell magics (`session.MAGICS`) heading some code cell: the setup defines only
    those."""
    return {line[2:].split(" ", 1)[0] for c in cells if c.cell_type == "code"
            for line in c.source.split("\n")[:2] if _is_magic(line)}


def setup_cell(deck: Deck, lang: str = "ja", magics: Iterable[str] = MAGICS) -> NotebookNode:
    cell = nbformat.v4.new_code_cell(setup_source(deck.setup_code, lang, magics))
    cell.id = "setup"
    cell.metadata.update({"tags": [SETUP], "lecturekit": {"slide": 0, "lines": []}})
    return hide(cell, TEXTS[lang]["setup"], outputs=True)


def answers_note(deck: Deck, slide: Slide, exercise: Slide,
                 say: dict[str, str], first: bool = True) -> NotebookNode:
    """The line before an exercise's answer slides: the answer follows; try it first in the
    exercises notebook.  The first one also says how to open a folded answer."""
    title = " ".join((exercise.title or "").split())
    number = re.match(r"\D*?\d+", title)  # `演習3 前回の…` -> `演習3`
    text = say["answers"].format(label=number[0] if number else title,
                                 exercises=f"{deck.name}-exercises.ipynb")
    cell = nbformat.v4.new_markdown_cell(text + ("\n\n" + say["answers_how"] if first else ""))
    cell.id = f"answers-{slide.number}"
    cell.metadata["lecturekit"] = {"slide": slide.number, "title": slide.title,
                                   "line": slide.line}
    cell.metadata["tags"] = ["answers-follow"]
    return cell


def heading_levels(deck: Deck) -> dict[int, int]:
    """Each handout slide's heading level, by slide number, by the rule of the PDFs'
    bookmarks (`render.outline.deck_bookmarks`): the title slide, the section dividers and
    the back matter at level 1, the other slides (front matter, a section's slides, a
    `lead` slide inside a section, the answer slides) at level 2 below them."""
    kept = [s for s in deck.slides if in_handout(s) and ANSWER not in s.classes]
    top = {kept[mark.page].number for mark in deck_bookmarks(kept) if mark.top}
    return {s.number: 1 if s.number in top else 2 for s in deck.slides}


def with_heading_level(text: str, level: int,
                       delta: int | None = None) -> tuple[str, int | None]:
    """`text` with its first heading at `level` and the headings after it moved as much
    (below `level`, at most `######`); `delta`: move every heading by that instead.  Returns
    the text and the move."""
    from markdown_it import MarkdownIt

    lines = text.split("\n")
    for token in MarkdownIt("commonmark", {"html": True}).enable("table").parse(text):
        if token.type != "heading_open" or token.level != 0 or not token.map:
            continue
        number = token.map[0]
        match = re.match(r"^( {0,3})(#{1,6})(?=\s|$)", lines[number])
        if not match:  # a setext heading: left as it is
            continue
        old = len(match[2])
        if delta is None:
            delta, new = level - old, level
        else:
            new = min(6, max(level + 1, old + delta))
        lines[number] = match[1] + "#" * new + lines[number][match.end():]
    return "\n".join(lines), delta


def slide_cells(deck: Deck, slide: Slide, labels: dict[str, str],
                lang: str = "ja", level: int = 2) -> Iterator[NotebookNode]:
    """The slide's prose and code in the slide's order: the prose before a block, the block's
    cells, the prose after it (what the slide says about the block's result).  The slide's
    title is a heading of `level` (`heading_levels`), so a notebook's table of contents
    nests as the PDFs' bookmarks do."""
    blocks = slide.code_blocks
    segments = [None] * (len(blocks) + 1)
    if in_handout(slide):
        output_fences = [f for f in slide.fences if f.has("output")]
        dropped = [f for f in slide.fences if f.has("slides-only")]
        hidden = [*blocks, *output_fences, *dropped]
        segments = [_without_section_tag(md)
                    for md in slide_segments(slide, deck.path, hidden, blocks, labels)]
        if EXERCISE in slide.classes and not blocks:
            segments = [_without_section_tag(_hint_folded(slide, deck, hidden, segments[0],
                                                          TEXTS[lang]))]
        notes = _notes_markdown(slide, TEXTS[lang])
        if notes:
            last = segments[-1]
            segments[-1] = SlideMarkdown(f"{last.text.rstrip()}\n\n{notes}" if last.text.strip()
                                         else notes)
        delta: int | None = None
        for i, md in enumerate(segments):
            if md is not None and md.text.strip():
                text, delta = with_heading_level(md.text, level, delta)
                segments[i] = SlideMarkdown(text)
    answer = in_handout(slide) and ANSWER in slide.classes
    if answer:
        segments = [_answer_folded(md, TEXTS[lang]) for md in segments]
    titles = answer_titles(deck, slide, TEXTS[lang]) if answer else {}
    yield from _prose_cell(slide, segments[0], 0)
    for number, fence in enumerate(blocks, start=1):
        if fence.has("fresh"):
            yield fresh_cell(deck, fence, lang)
        pieces = code_pieces(fence, show_values=True)
        for index, piece in enumerate(pieces):
            cell = code_cell(piece, index, visible=fence_in_handout(slide, fence), lang=lang)
            if answer and fence_in_handout(slide, fence):
                title = titles[fence.line]
                if len(pieces) > 1:
                    title += TEXTS[lang]["part"].format(index=index + 1, count=len(pieces))
                # its outputs are cleared once run (`without_answer_outputs`): nothing to fold
                hide(cell, say_answer(title, TEXTS[lang]))
                cell.metadata["tags"] = [*cell.metadata.get("tags", []), ANSWER]
            yield cell
        yield from _prose_cell(slide, segments[number], number)


def _without_section_tag(md: SlideMarkdown) -> SlideMarkdown:
    text = re.sub(r"\n{3,}", "\n\n", _SECTION_TAG.sub("", md.text)).strip()
    return SlideMarkdown(text + "\n" if text else "")


def _notes_markdown(slide: Slide, say: dict[str, str]) -> str:
    """The slide's notes for students (`notes.student_notes`), as the reading HTML shows them:
    after the slide, headed 補足, here a quote."""
    notes = [linked_urls(n).strip() for n in student_notes(slide) if n.strip()]
    if not notes:
        return ""
    body = f"**{say['notes']}**　" + "\n\n".join(notes)
    return "\n".join(f"> {line}".rstrip() for line in body.split("\n")) + "\n"


def answer_title(slide: Slide, say: dict[str, str]) -> str:
    """The answer slide's title without the word 解答: `演習1 (1)〜(3)` for the slide
    `演習1 解答 (1)〜(3)`."""
    return " ".join(re.sub(rf"\s*{say['answer_word']}\s*", " ", slide.title or "",
                           flags=re.I).split())


def say_answer(title: str, say: dict[str, str]) -> str:
    """A folded answer cell's title: `📖 解答：演習1 (1)`."""
    return say["answer_code"].format(title=title).rstrip("：: ")


def answer_titles(deck: Deck, slide: Slide, say: dict[str, str]) -> dict[int, str]:
    """Each shown block of an answer slide titled by its own item, by the fence's line:
    an `answer=ID` block by its label in the exercises notebook (`演習1 (2)`:
    `exercises.answer_labels`), another by the slide's title and its number on the slide
    (`演習1 (1)〜(3)（2/3）`) when the slide shows more than one."""
    from lecturekit.handout.exercises import answer_labels  # exercises builds on this module

    labels = answer_labels(deck)
    shown = [f for f in slide.code_blocks if fence_in_handout(slide, f)]
    base = answer_title(slide, say)
    titles = {}
    for number, fence in enumerate(shown, start=1):
        if fence.has(ANSWER) and fence.line in labels:
            titles[fence.line] = labels[fence.line]
        elif len(shown) > 1:
            titles[fence.line] = base + say["part"].format(index=number, count=len(shown))
        else:
            titles[fence.line] = base
    return titles


def without_answer_outputs(nb: NotebookNode, lang: str = "ja") -> NotebookNode:
    """A copy of the run notebook without the answer cells' outputs (the cells ran, so the
    cells after them work; the reading HTML shows those outputs): Colab folds only a form's
    code, and an output would give the answer away.  A student who runs the cell sees it.
    An answer raising on purpose is a Colab form too (`error_answer_form`)."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "code" and ANSWER in cell.metadata.get("tags", []):
            cell.outputs, cell.execution_count = [], None
            error_answer_form(cell, lang)
    return nb


def error_answer_form(cell: NotebookNode, lang: str = "ja") -> NotebookNode:
    """A folded answer headed `%%expect_error` as a Colab form: a cell magic must be the
    first line, where Colab wants `#@title`, so the magic gives way to `try:` / `except`
    printing the real traceback (`traceback.print_exc`: IPython's `showtraceback` would
    point at the `except` line) while "Run all" goes on; it needs no setup cell either.
    Code Python cannot parse (IPython's syntax) keeps its magic."""
    lines = cell.source.split("\n")
    if not lines[0].startswith(f"%%{EXPECT_ERROR}"):
        return cell
    _, _, comment = lines[0].partition("  # ")
    comment = comment.removesuffix(TEXTS[lang]["needs_setup"])  # no magic, no setup needed
    folded = cell.metadata.get("jupyter", {}).get("source_hidden", False)
    title, _, why = comment.partition(" — ") if folded else ("", "", comment)
    body = "\n".join(f"    {line}" if line.strip() else "" for line in lines[1:])
    source = "\n".join([*([f"{TITLE}{title}"] if folded else []),
                        f"# {why or TEXTS[lang][EXPECT_ERROR]}",
                        "import traceback", "", "try:", body, "except Exception:",
                        f"    traceback.print_exc()  # {TEXTS[lang]['shown_error']}"])
    try:
        ast.parse(source)
    except SyntaxError:
        return cell
    cell.source = source
    if folded:
        cell.metadata["cellView"] = "form"
    return cell


def _answer_folded(md: SlideMarkdown | None, say: dict[str, str]) -> SlideMarkdown | None:
    """An answer slide's prose folded (`<details>`), its `## ` heading left above the fold."""
    if md is None or not md.text.strip():
        return md
    text = md.text.strip("\n")
    heading = ""
    if text.startswith("## ") or text.startswith("# "):
        heading, _, text = text.partition("\n")
        text = text.strip("\n")
    if not text:
        return md
    folded = f"<details>\n<summary>{say['answer_text']}</summary>\n\n{text}\n\n</details>\n"
    return SlideMarkdown(f"{heading}\n\n{folded}" if heading else folded)


def _hint_folded(slide: Slide, deck: Deck, hidden: list[Fence], md: SlideMarkdown,
                 say: dict[str, str]) -> SlideMarkdown:
    """An exercise slide's hint divs folded (`<details>`) under its task."""
    from lecturekit.handout.exercises import split_hints  # exercises builds on this module

    text, hints = split_hints(slide, deck.path, hidden)
    if not hints:
        return md
    folded = "\n\n".join(hints)
    text = (f"{text.rstrip()}\n\n<details>\n<summary>{say['hint']}</summary>\n\n"
            f"{folded.strip()}\n\n</details>\n")
    return SlideMarkdown(text)


def _prose_cell(slide: Slide, md: SlideMarkdown | None, part: int) -> Iterator[NotebookNode]:
    if md is None or not md.text.strip():
        return
    cell = nbformat.v4.new_markdown_cell(md.text)
    cell.id = f"slide-{slide.number}" + (f"-{part}" if part else "")
    cell.metadata["lecturekit"] = {"slide": slide.number, "title": slide.title,
                                   "line": slide.line}
    yield cell


def fresh_cell(deck: Deck, fence: Fence, lang: str = "ja") -> NotebookNode:
    cell = nbformat.v4.new_code_cell(fresh_source(deck.setup_code, lang))
    cell.id = f"fresh-{fence.line}"
    cell.metadata.update({"tags": [FRESH],
                          "lecturekit": {"slide": fence.slide_number, "lines": []}})
    return hide(cell, TEXTS[lang]["fresh"], outputs=True)


def magic_line(piece: CodePiece, lang: str = "ja") -> str | None:
    """The cell magic heading a piece Colab's "Run all" must not stop at or run (None: no
    magic), with a comment in the deck's language saying what it does and, since IPython
    answers a magic the setup cell has not defined with a bare UsageError, what to do then."""
    line = _magic_line(piece, lang)
    return f"{line}{TEXTS[lang]['needs_setup']}" if line else None


def _magic_line(piece: CodePiece, lang: str) -> str | None:
    fence, say = piece.fence, TEXTS[lang]
    if SKIP in piece.tags:
        module = fence.value("importorskip")
        if fence.has("skip") or not module:
            reason = fence.value("skip") or ""
            reason = f"（{reason}）" if reason and lang == "ja" else f" ({reason})" if reason \
                else ""
            return f"%%{SKIP_CELL}  # {say[SKIP_CELL].format(reason=reason)}"
        return f"%%{SKIP_IF_MISSING} {module}  # {say[SKIP_IF_MISSING].format(name=module)}"
    condition = fence.value("skip-if")
    if condition:
        return f"%%{SKIP_IF} {condition}  # {say[SKIP_IF]}"
    module = fence.value("importorskip")
    if module:
        return f"%%{SKIP_IF_MISSING} {module}  # {say[SKIP_IF_MISSING].format(name=module)}"
    if RAISES in piece.tags:
        return f"%%{EXPECT_ERROR}  # {say[EXPECT_ERROR]}"
    return None


def code_cell(piece: CodePiece, index: int, visible: bool = True,
              lang: str = "ja") -> NotebookNode:
    fence = piece.fence
    source = piece.source
    magic = magic_line(piece, lang)  # Colab's "Run all" would stop here (`session.MAGICS`)
    if magic:
        source = f"{magic}\n{source}"
    cell = nbformat.v4.new_code_cell(source)
    cell.id = f"code-{fence.line}" + (f"-{index}" if index else "")
    tags = list(piece.tags)
    if not visible:
        tags.append(SLIDES_ONLY)
        hide(cell, TEXTS[lang]["slides_only"], outputs=True)
    if tags:
        cell.metadata["tags"] = tags
    cell.metadata["lecturekit"] = {"slide": fence.slide_number, "fence": fence.line,
                                   "lines": piece.lines}
    condition = fence.value("skip-if")
    if condition:
        cell.metadata["lecturekit"]["skip_if"] = condition
    timeout = fence.value("timeout")
    if timeout:
        cell.metadata["lecturekit"]["timeout"] = float(timeout)
    return cell


def _metadata(deck: Deck) -> dict[str, object]:
    title = deck.title
    return {
        "kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)",
                       "language": "python"},
        "language_info": {"name": "python"},
        "title": str(title),
        "lecturekit": {"deck": deck.path.name, "date": str(deck.front_matter.get("date") or "")},
    }
