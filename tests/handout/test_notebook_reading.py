"""dist/X.ipynb as a student reads and runs it: each value shown once, magics explained,
exercise answers announced, and Colab's "Run all" (which ignores cell tags) going through."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import nbformat
import pytest

from lecturekit.check.expectations import find_inline_comments
from lecturekit.deck import read_deck
from lecturekit.handout.build import Built
from lecturekit.handout.cells import RAISES, SKIP
from lecturekit.handout.markdown import SECTION_STYLE
from lecturekit.handout.notebook import (
    ANSWER,
    INTRO,
    SETUP,
    TEXTS,
    deck_notebook,
    without_answer_outputs,
)

MINI = Path(__file__).parent / "fixtures" / "mini.md"
LECTURE = Path(__file__).parents[2] / "slides" / "03-autodiff.md"
_ARROW = re.compile(r"#\s*->|#>(?!>)")


@pytest.fixture(scope="module")
def notebook(built: Built) -> nbformat.NotebookNode:
    return nbformat.read(str(built.artefacts.notebook), as_version=4)


@pytest.fixture(scope="module")
def lecture() -> nbformat.NotebookNode:
    if not LECTURE.exists():
        pytest.skip(f"{LECTURE} is not written yet")
    return deck_notebook(read_deck(LECTURE))


def code_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [c for c in nb.cells if c.cell_type == "code" and SETUP not in c.metadata.get(
        "tags", [])]


def by_fence(nb: nbformat.NotebookNode) -> dict[int, nbformat.NotebookNode]:
    return {c.metadata.lecturekit.fence: c for c in code_cells(nb)
            if "fence" in c.metadata.lecturekit}


def test_checked_values_show_once_as_outputs_not_also_as_comments(notebook, lecture):
    for nb in (notebook, lecture):
        assert not [c.source for c in code_cells(nb) if _ARROW.search(c.source)]
    deck = read_deck(LECTURE)
    commented = [f for f in deck.code_blocks if find_inline_comments(f)]
    assert len(commented) > 30   # the lecture does check its values
    sources = "\n".join(c.source for c in code_cells(lecture))
    assert "y.backward()                               # 3. backward() を呼ぶ" in sources
    assert "return x**2 + torch.exp(-x)  # 前回と同じ関数" in sources


def test_a_stripped_cell_keeps_its_deck_lines_aligned(lecture):
    deck = read_deck(LECTURE)
    lines = deck.text.split("\n")
    for cell in code_cells(lecture):
        body = [line for line in cell.source.split("\n") if not line.startswith(("%%", "#@"))]
        for text, number in zip(body, cell.metadata.lecturekit["lines"], strict=True):
            assert text in lines[number - 1], (number, text)


def test_a_multiline_expected_value_leaves_no_continuation_comment(notebook, lecture):
    cells = [c for c in code_cells(lecture) if "print(M)" in c.source]
    assert cells and cells[0].source.endswith("print(M)")


def test_every_magic_line_says_what_it_does_in_the_decks_language(notebook, lecture):
    say = TEXTS["ja"]
    heads = [c.source.split("\n", 1)[0] for nb in (notebook, lecture) for c in code_cells(nb)
             if c.source.startswith("%%")]
    assert heads
    for head in heads:
        assert "  # " in head and re.search(r"[\u3040-\u30ff]", head.split("  # ", 1)[1]), head
    raised = [c for c in code_cells(lecture) if RAISES in c.metadata.get("tags", [])]
    assert raised and all(c.source.startswith("%%expect_error  # ")
                          and say['expect_error'] in c.source.split("\n", 1)[0]
                          for c in raised)
    # Colab shows a form only for `#@title` on the first line, and a magic must be first:
    # a magic cell has no `#@title` (a folded one says its title in the magic's comment)
    for cell in code_cells(lecture):
        if cell.source.startswith("%%"):
            assert "#@title" not in cell.source and "cellView" not in cell.metadata
    for head in heads:   # IPython's bare UsageError when the setup cell was not run
        assert head.endswith("。UsageError と出たら、先に「準備」のセルを実行してください"), head
    folded = [c for c in code_cells(lecture) if c.source.startswith("%%expect_error")
              and ANSWER in c.metadata.get("tags", [])]
    assert folded and folded[0].source.startswith(
        "%%expect_error  # 📖 解答：演習1 (4) — エラーになるのが正しいセルです")
    assert folded[0].metadata.jupyter == {"source_hidden": True}


def test_an_answer_raising_on_purpose_is_a_colab_form_in_the_written_notebook(lecture):
    """A cell magic must be the first line, where Colab wants `#@title`: the written
    notebook's answer drops the magic for try/except printing the traceback."""
    written = without_answer_outputs(lecture)
    folded = [c for c in code_cells(written) if ANSWER in c.metadata.get("tags", [])
              and RAISES in c.metadata.get("tags", [])]
    assert folded and not [c.id for c in folded if c.source.startswith("%%")]
    lines = folded[0].source.split("\n")
    assert lines[:5] == ["#@title 📖 解答：演習1 (4)",
                         "# エラーになるのが正しいセルです（エラーを表示して、次のセルへ進みます）",
                         "import traceback", "", "try:"]
    assert lines[-2:] == ["except Exception:", "    traceback.print_exc()  # "
                          "エラーの内容（Traceback）を表示して、次のセルへ進みます"]
    assert folded[0].metadata.cellView == "form"
    assert folded[0].metadata.jupyter == {"source_hidden": True}


def test_the_answer_form_shows_the_real_traceback_and_run_all_goes_on_without_setup():
    """Run as Colab's "Run all" (stops at an error), in a kernel that never ran the setup
    cell: the form prints the traceback, pointing at the line that raised (line 7: after
    the title, the comment, the import, a blank line, `try:` and `x = 1`), and the next
    cell still runs."""
    from lecturekit.handout.notebook import error_answer_form

    cell = nbformat.v4.new_code_cell(
        "%%expect_error  # 📖 解答：演習1 (4) — エラーになるのが正しいセルです"
        "（エラーを表示して、次のセルへ進みます）"
        "。UsageError と出たら、先に「準備」のセルを実行してください\n"
        "x = 1\nraise RuntimeError('only floats')")
    cell.metadata["jupyter"] = {"source_hidden": True}   # folded, as answers are
    error_answer_form(cell)
    assert "UsageError" not in cell.source
    nb = nbformat.v4.new_notebook()
    nb.cells = [cell, nbformat.v4.new_code_cell("print('next')")]
    from nbclient import NotebookClient

    from lecturekit.handout.execute import KERNEL, venv_kernel

    with venv_kernel() as km:   # allow_errors=False: an error would stop here
        NotebookClient(nb, km=km, kernel_name=KERNEL, timeout=120).execute()
    [printed] = nb.cells[0].outputs
    assert printed.name == "stderr" and printed.text.startswith(
        "Traceback (most recent call last):\n")
    assert re.search(r"line 7, in <module>\n    raise RuntimeError\('only floats'\)\n"
                     r"RuntimeError: only floats\n$", printed.text), printed.text
    assert nb.cells[1].outputs[0].text == "next\n"


def test_skipped_blocks_are_headed_by_a_magic_that_does_not_run_them(notebook):
    cells = by_fence(notebook)
    assert cells[74].source.startswith("%%skip  # 講義では実行しないコードです（擬似コード）。")
    assert cells[128].source.startswith("%%skip_if_missing no_such_module_for_lecturekit  # ")
    assert cells[132].source.startswith("%%skip_if sys.platform != 'no such platform'  # ")
    assert cells[136].source.startswith("%%skip_if torch.ones(1).item() != 1.0  # ")
    assert SKIP in cells[74].metadata.tags


def test_run_all_ignoring_every_tag_reaches_the_end_as_colab_does(notebook):
    """Colab ignores `skip-execution` and `raises-exception`: the magics alone must keep
    "Run all" going, run what the checker runs and leave the rest unrun."""
    from nbclient import NotebookClient

    from lecturekit.handout.execute import KERNEL, venv_kernel

    plain = copy.deepcopy(notebook)
    for cell in plain.cells:
        cell.metadata.pop("tags", None)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    with venv_kernel() as km:
        NotebookClient(plain, km=km, kernel_name=KERNEL, timeout=120,
                       skip_cells_with_tag="no-such-tag").execute()
    cells = by_fence(plain)
    assert all(c.execution_count is not None for c in code_cells(plain))
    assert cells[74].outputs == []
    assert "no_such_module_for_lecturekit" in cells[128].outputs[0].text
    assert "実行しませんでした" in cells[132].outputs[0].text
    assert cells[136].outputs[0].text == "tensor(2.)\n"


def test_an_exercises_answers_are_announced_after_its_task_and_hint(lecture):
    cells = lecture.cells
    notes = [i for i, c in enumerate(cells) if "answers-follow" in c.metadata.get("tags", [])]
    assert len(notes) == 3   # 演習1, 2, 3: one note each, before the first answer slide
    for number, index in zip((1, 2, 3), notes, strict=True):
        note = cells[index].source
        assert f"演習{number} の解答" in note and "03-autodiff-exercises.ipynb" in note
        assert cells[index + 1].source.startswith(f"## 演習{number} 解答")
        before = [c.source for c in cells[:index] if c.cell_type == "markdown"]
        assert any(s.startswith(f"## 演習{number}\n") or s.startswith(f"## 演習{number} ")
                   for s in before)
    task3 = next(c.source for c in cells if c.source.startswith("## 演習3 前回"))
    assert "<details>\n<summary>💡 ヒント（クリックで開く）</summary>" in task3
    assert task3.index("<details>") > task3.index("小数第 5 位")


def test_exercise_answers_are_folded_and_the_note_says_how_to_open_them(lecture):
    """An answer slide's code cells are folded in JupyterLab and Colab (they still run: later
    cells may use them), its prose under `<details>`; the note before says how to open them."""
    deck = read_deck(LECTURE)
    answer_slides = {s.number for s in deck.slides if ANSWER in s.classes}
    cells = [c for c in lecture.cells if c.metadata.get("lecturekit", {}).get(
        "slide") in answer_slides]
    code = [c for c in cells if c.cell_type == "code"]
    assert len(code) >= 5
    titles = []
    for cell in code:
        assert cell.metadata.jupyter == {"source_hidden": True}  # its outputs are cleared
        assert "skip-execution" not in cell.metadata.get("tags", [])
        if cell.source.startswith("%%"):
            continue
        assert cell.metadata.cellView == "form"
        assert cell.source.startswith("#@title 📖 解答：演習"), cell.source
        titles.append(cell.source.split("\n", 1)[0].removeprefix("#@title 📖 解答："))
    # each cell titled by its own item, as in the exercises notebook
    assert titles[:3] == ["演習1 (1)", "演習1 (2)", "演習1 (3)"]
    assert titles[3:6] == ["演習2 (1)", "演習2 (2)", "演習2 (3)"], titles
    prose = [c.source for c in cells if c.cell_type == "markdown"
             and "answers-follow" not in c.metadata.get("tags", [])]
    explained = [s for s in prose if "<details>" in s]
    assert explained and all("解答の説明" in s for s in explained)
    assert any("整数は飛び飛びの値" in s for s in explained)
    for source in prose:   # only the slide's heading shows above the fold
        before = source.split("<details>")[0].strip()
        assert not before or before.startswith("## 演習") and "\n" not in before, source
    notes = [c.source for c in lecture.cells if "answers-follow" in c.metadata.get("tags", [])]
    note = notes[0]
    assert "JupyterLab" in note and "Colab" in note and "コードを表示" in note
    assert "出力は消してある" in note and "実行すると表示されます" in note
    assert len(notes) >= 2   # the later ones only say whose answer follows, not how again
    assert all("\n" not in n.strip() and "コードを表示" not in n for n in notes[1:]), notes


def test_answers_outputs_are_cleared_in_the_written_notebook(notebook):
    """Colab folds a form's code, not its output: the answers' outputs would give them away.
    They ran (the cells after them work); a student who runs one sees its output."""
    answers = [c for c in code_cells(notebook) if ANSWER in c.metadata.get("tags", [])]
    assert answers and all(c.outputs == [] and c.execution_count is None for c in answers)
    others = [c for c in code_cells(notebook) if ANSWER not in c.metadata.get("tags", [])
              and SKIP not in c.metadata.get("tags", [])]
    assert others and all(c.execution_count is not None for c in others)


def test_headings_nest_as_the_pdfs_bookmarks(lecture):
    """Title slide, section dividers and back matter at level 1 (the closing slide is
    slides-only: no notebook holds it); the other slides (front matter, a `lead` slide
    inside a section, answers) at level 2."""
    heads = [line for c in lecture.cells if c.cell_type == "markdown"
             for line in c.source.split("\n") if re.match(r"#{1,6} ", line)]
    top = [h[2:] for h in heads if h.startswith("# ")]
    assert top == ["機械学習講習会 第三回", "1. PyTorch の紹介", "2. テンソル",
                   "3. 計算の記録と backward()", "4. 自動微分で勾配降下法",
                   "付録：自動微分のしくみ", "まとめ", "参考文献"]
    assert not any("おつかれさまでした" in h for h in heads)
    for filler in ("前回の問題3、覚えていますか 😅", "100 回唱えよう", "演習1 解答 (4)"):
        assert f"## {filler}" in heads


def test_setup_cell_holds_what_the_deck_needs_commented_in_its_language(lecture):
    setup = next(c for c in lecture.cells if SETUP in c.metadata.get("tags", []))
    code = setup.source
    assert "def expect_error" in code   # the lecture has cells raising on purpose
    assert "skip_if" not in code and "def skip" not in code   # and none it skips
    assert '"""' not in code and "pytest" not in code
    comments = [line.strip() for line in code.split("\n") if line.strip().startswith("# ")]
    assert comments and all(re.search(r"[\u3040-\u30ff]", c) for c in comments), comments
    assert "import torch" in code and "manual_seed" in code


def test_the_first_cell_says_what_the_notebook_is(lecture):
    intro = lecture.cells[0]
    assert intro.cell_type == "markdown" and INTRO in intro.metadata.tags
    assert "実行済み" in intro.source and "準備" in intro.source
    assert "`03-autodiff-exercises.ipynb`" in intro.source
    assert SETUP in lecture.cells[1].metadata.get("tags", [])


def test_student_notes_are_in_and_section_tags_are_out(lecture):
    from lecturekit.handout.notes import student_notes

    deck = read_deck(LECTURE)
    prose = "\n".join(c.source for c in lecture.cells if c.cell_type == "markdown")
    notes = [n for s in deck.slides for n in student_notes(s)]
    assert notes
    for note in notes:
        assert note.strip() in prose
    assert all(f"> **補足**　{note.strip()[:12]}" in prose for note in notes)
    assert "講師" not in prose
    assert SECTION_STYLE not in prose
    assert "\n# 2. テンソル\n" in "\n" + prose   # the section's own heading stays
