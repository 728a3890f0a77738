"""The exercises notebook: task slides, an empty cell per answer, and a self-check after it.

Per `answer=ID` block the notebook has a heading, an empty code cell with a
hint, and `check("ID")`, which compares what that cell printed with the
checker's expectations of the official answer (`lecturekit.check`), stored
as hashes and packed numbers (see `selfcheck_kernel`).  The lecture code
before each answer runs in a hidden, silent context cell so the student's
code meets the namespace and random state the official answer met; code on
answer slides never goes there, so no answer sits even in a hidden cell.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from lecturekit.check.expectations import find_inline_comments, find_transcript, output_fences
from lecturekit.deck import Deck, DeckError, Fence
from lecturekit.handout import selfcheck_kernel
from lecturekit.handout.cells import RAISES, SKIP, CodePiece, code_pieces
from lecturekit.handout.markdown import slide_markdown
from lecturekit.handout.notebook import HIDDEN, in_handout
from lecturekit.handout.session import setup_source

EXERCISE, ANSWER = "exercise", "answer"
STUDENT, SELF_CHECK, CONTEXT = "student", "self-check", "context"

CONTEXT_RUNNER = '''
def _lk_context(pieces):
    from IPython.utils.capture import capture_output
    for code, raises in pieces:
        with capture_output():
            result = get_ipython().run_cell(code, silent=True, store_history=False)
        if not result.success and not raises:
            error = result.error_in_exec or result.error_before_exec
            print(f"（前のスライドのコードが失敗しました: {type(error).__name__}: {error}）")
'''


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


def answer_table(deck: Deck) -> dict[str, list[dict[str, object]]]:
    table: dict[str, list[dict[str, object]]] = {}
    for fence in deck.code_blocks:
        if not fence.has(ANSWER):
            continue
        ident = answer_id(fence)
        texts = expected_texts(deck, fence)
        if not texts:
            raise DeckError(deck.path, fence.line, f"answer block {ident} has no expected "
                            f"output (`# -> ...`) to build its self-check from",
                            fence.slide_number)
        if ident in table:
            raise DeckError(deck.path, fence.line, f"answer id {ident} is used twice",
                            fence.slide_number)
        table[ident] = [selfcheck_kernel._lk_expected(t) for t in texts]
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
    nb.cells.append(_hidden("selfcheck", _selfcheck_source(table, deck.setup_code), "setup"))
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
                nb.cells.extend(_answer_cells(fence))
            elif shown or fence.has(EXERCISE):
                nb.cells.extend(_task_cells(fence))
            elif not fence.has("skip") and ANSWER not in slide.classes:
                context.extend(code_pieces(fence))
    return nb


def _selfcheck_source(table: dict[str, list[dict[str, object]]], setup_code: str) -> str:
    source = Path(selfcheck_kernel.__file__).read_text(encoding="utf-8")
    answers = json.dumps(table, ensure_ascii=False, indent=1)
    return "\n".join([
        source.rstrip("\n"), "",
        f"_LK_ANSWERS.update({answers})",
        "_lk_install()",
        CONTEXT_RUNNER.strip("\n"), "",
        setup_source(setup_code),
    ])


def _hidden(cell_id: str, source: str, tag: str) -> NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    cell.id = cell_id
    cell.metadata.update({"tags": [tag], **HIDDEN})
    return cell


def _context_cell(pieces: list[CodePiece], before: Fence) -> NotebookNode:
    runnable = [(p.source, RAISES in p.tags) for p in pieces if SKIP not in p.tags]
    cell = _hidden(f"context-{before.line}", f"_lk_context({runnable!r})", CONTEXT)
    cell.metadata["lecturekit"] = {"lines": [n for p in pieces for n in p.lines]}
    return cell


def _answer_cells(fence: Fence) -> list[NotebookNode]:
    ident = answer_id(fence)
    heading = nbformat.v4.new_markdown_cell(f"### 演習 {ident}")
    heading.id = f"answer-{ident}-heading"
    student = nbformat.v4.new_code_cell(
        f"# 演習 {ident}: ここに答えのコードを書いて実行してください。\n"
        f"# 求めた値は print(...) で表示しましょう（このセルの出力を次のセルが確かめます）。\n")
    student.id = f"answer-{ident}"
    student.metadata.update({"tags": [STUDENT], "lecturekit": {"answer": ident}})
    check = nbformat.v4.new_code_cell(f'check("{ident}")')
    check.id = f"answer-{ident}-check"
    check.metadata.update({"tags": [SELF_CHECK], "lecturekit": {"answer": ident},
                           "editable": False, "deletable": False})
    return [heading, student, check]


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
