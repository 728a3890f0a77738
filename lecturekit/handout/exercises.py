"""The exercises notebook: task slides, an empty cell per answer, and a self-check after it.

Per `answer=ID` block the notebook has a heading, an empty code cell with a
hint, and `check("演習1 (1)")`, which compares by value what that cell showed
with the checker's expectations of the official answer (`lecturekit.check`),
stored only as salted hashes (see `selfcheck_kernel`).  Students see each
exercise as the slides name it (the task slide's header, plus `(n)` when one
task has several answers), never the deck's internal answer ids.  The lecture
code before each answer runs in a hidden, silent context cell so the
student's code meets the namespace and random state the official answer
met; code on answer slides never goes there, so no answer sits even in a
hidden cell.  Hidden cells are hidden in JupyterLab (`jupyter.source_hidden`)
and in Colab (`cellView: "form"` with a `#@title` line).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from lecturekit.check.expectations import find_inline_comments, find_transcript, output_fences
from lecturekit.deck import Deck, DeckError, Fence, Slide
from lecturekit.handout import selfcheck_kernel
from lecturekit.handout.cells import RAISES, SKIP, CodePiece, code_pieces
from lecturekit.handout.markdown import slide_markdown
from lecturekit.handout.notebook import hide, in_handout
from lecturekit.handout.session import setup_source

EXERCISE, ANSWER = "exercise", "answer"
STUDENT, SELF_CHECK, CONTEXT = "student", "self-check", "context"

CONTEXT_RUNNER = '''
def _lk_context(pieces):
    import contextlib, io
    shell = get_ipython()
    for code, raises in pieces:
        sink = io.StringIO()
        try:
            with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
                exec(compile(shell.transform_cell(code), "<lecture>", "exec"), shell.user_ns)
        except Exception as error:
            if not raises:
                print(f"（前のスライドのコードが失敗しました: {type(error).__name__}: {error}）")
'''
"""Runs the lecture code before an exercise: output swallowed, expected errors silent."""


def answer_id(fence: Fence) -> str:
    return fence.value(ANSWER) or str(fence.line)


def expected_texts(deck: Deck, fence: Fence) -> list[str]:
    """The outputs the checker expects of a block, in order, as the student would show them."""
    texts = [c.expected for c in find_inline_comments(fence)]
    for item in find_transcript(fence):
        texts.append(item.example.exc_msg or item.example.want)
    tied, _ = output_fences(deck)
    if id(fence) in tied:
        texts.append(tied[id(fence)].code)
    return [t for t in texts if t.strip()]


def answer_labels(deck: Deck) -> dict[int, str]:
    """Each answer block's label as students see it, by the fence's line.

    The label is the header of the exercise slide the answer belongs to (the
    last `exercise` slide before it), with `(n)` when that exercise has more
    than one answer block; `演習 n` when no exercise slide precedes it.
    """
    groups: list[tuple[str, list[Fence]]] = []
    current: list[Fence] | None = None
    for slide in deck.slides:
        if EXERCISE in slide.classes:
            current = []
            groups.append((_exercise_name(slide, len(groups) + 1), current))
        for fence in slide.code_blocks:
            if fence.has(ANSWER):
                if current is None:
                    current = []
                    groups.append((f"演習 {len(groups) + 1}", current))
                current.append(fence)
    labels: dict[int, str] = {}
    for name, fences in groups:
        for index, fence in enumerate(fences, start=1):
            labels[fence.line] = f"{name} ({index})" if len(fences) > 1 else name
    return labels


def _exercise_name(slide: Slide, number: int) -> str:
    return " ".join((slide.title or f"演習 {number}").split())


def notebook_salt(deck: Deck) -> str:
    """The salt of every hash in the notebook: derived from the deck, so builds repeat."""
    return hashlib.sha256(("lecturekit self-check\n" + deck.text).encode()).hexdigest()[:16]


def answer_table(deck: Deck) -> dict[str, list[dict[str, object]]]:
    table: dict[str, list[dict[str, object]]] = {}
    labels = answer_labels(deck)
    salt = notebook_salt(deck)
    for fence in deck.code_blocks:
        if not fence.has(ANSWER):
            continue
        label = labels[fence.line]
        texts = expected_texts(deck, fence)
        if not texts:
            raise DeckError(deck.path, fence.line, f"answer block {answer_id(fence)} has no "
                            f"expected output (`# -> ...`) to build its self-check from",
                            fence.slide_number)
        if label in table:
            raise DeckError(deck.path, fence.line, f"exercise {label} has two answer blocks "
                            f"with the same label", fence.slide_number)
        key = selfcheck_kernel._lk_key(salt, label)
        table[label] = [item for t in texts for item in selfcheck_kernel._lk_expected(key, t)]
    return table


def exercises_notebook(deck: Deck) -> NotebookNode:
    nb = nbformat.v4.new_notebook()
    title = str(deck.front_matter.get("title") or deck.name)
    nb.metadata.update({
        "kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)",
                       "language": "python"},
        "language_info": {"name": "python"},
        "title": f"{title}（演習）",
        "lecturekit": {"deck": deck.path.name, "exercises": True},
    })
    table = answer_table(deck)
    labels = answer_labels(deck)
    nb.cells.append(_hidden("selfcheck", _selfcheck_source(table, notebook_salt(deck),
                                                           deck.setup_code),
                            "setup", "答え合わせの準備（最初に実行してください）"))
    nb.cells.append(nbformat.v4.new_markdown_cell(
        f"# {title}（演習）\n\n各演習の空のセルに答えのコードを書いて実行し、結果を `print` で"
        f"表示してください。続く `check(...)` のセルを実行すると、正解かどうかがわかります。"))
    nb.cells[-1].id = "intro"
    context: list[CodePiece] = []
    for slide in deck.slides:
        shown = in_handout(slide) and EXERCISE in slide.classes
        if shown:
            md = slide_markdown(slide, deck.path, [*slide.code_blocks,
                                                   *(f for f in slide.fences if f.has("output"))])
            cell = nbformat.v4.new_markdown_cell(md.text)
            cell.id = f"slide-{slide.number}"
            if md.attachments:
                cell.attachments = md.attachments
            nb.cells.append(cell)
        for fence in slide.code_blocks:
            if fence.has(ANSWER):
                if context:
                    nb.cells.append(_context_cell(context, fence))
                    context = []
                nb.cells.extend(_answer_cells(fence, labels[fence.line]))
            elif shown or fence.has(EXERCISE):
                nb.cells.extend(_task_cells(fence))
            elif not fence.has("skip") and ANSWER not in slide.classes:
                context.extend(code_pieces(fence))
    return nb


def _selfcheck_source(table: dict[str, list[dict[str, object]]], salt: str,
                      setup_code: str) -> str:
    source = Path(selfcheck_kernel.__file__).read_text(encoding="utf-8")
    answers = repr(table)
    return "\n".join([
        source.rstrip("\n"), "",
        f"_LK_SALT = {salt!r}",
        f"_LK_ANSWERS.update({answers})",
        "_lk_install()",
        CONTEXT_RUNNER.strip("\n"), "",
        setup_source(setup_code),
    ])


def _hidden(cell_id: str, source: str, tag: str, title: str) -> NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    cell.id = cell_id
    cell.metadata["tags"] = [tag]
    return hide(cell, title)


def _context_cell(pieces: list[CodePiece], before: Fence) -> NotebookNode:
    runnable = [(p.source, RAISES in p.tags) for p in pieces if SKIP not in p.tags]
    cell = _hidden(f"context-{before.line}", f"_lk_context({runnable!r})", CONTEXT,
                   "ここまでのスライドのコード（実行するだけで、何も表示しません）")
    cell.metadata["lecturekit"] = {"lines": [n for p in pieces for n in p.lines]}
    return cell


def _answer_cells(fence: Fence, label: str) -> list[NotebookNode]:
    ident = answer_id(fence)
    heading = nbformat.v4.new_markdown_cell(f"### {label}")
    heading.id = f"answer-{_cell_id(ident)}-heading"
    student = nbformat.v4.new_code_cell(
        f"# {label}: ここに答えのコードを書いて実行してください。\n"
        f"# 求めた値は print(...) で表示しましょう（このセルの出力を次のセルが確かめます）。\n")
    student.id = f"answer-{_cell_id(ident)}"
    student.metadata.update({"tags": [STUDENT], "lecturekit": {"answer": ident, "label": label}})
    check = nbformat.v4.new_code_cell(f"check({json.dumps(label, ensure_ascii=False)})")
    check.id = f"answer-{_cell_id(ident)}-check"
    check.metadata.update({"tags": [SELF_CHECK], "lecturekit": {"answer": ident, "label": label},
                           "editable": False, "deletable": False})
    return [heading, student, check]


def _cell_id(ident: str) -> str:
    """nbformat cell ids allow letters, digits, `-` and `_` only."""
    return "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "_" for c in ident)


def _task_cells(fence: Fence) -> list[NotebookNode]:
    cells = []
    for index, piece in enumerate(code_pieces(fence)):
        cell = nbformat.v4.new_code_cell(piece.source)
        cell.id = f"task-{fence.line}" + (f"-{index}" if index else "")
        cell.metadata["lecturekit"] = {"slide": fence.slide_number, "lines": piece.lines}
        if piece.tags:
            cell.metadata["tags"] = list(piece.tags)
        cells.append(cell)
    return cells
