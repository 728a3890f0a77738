"""dist/X-exercises.ipynb: explains itself, hints and answers folded, self-checks by one rule."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from lecturekit.deck import DeckError, parse_deck, read_deck
from lecturekit.handout.build import Built
from lecturekit.handout.execute import KERNEL, venv_kernel
from lecturekit.handout.exercises import (
    CONTEXT,
    HINT,
    MODEL_ANSWER,
    SELF_CHECK,
    STUDENT,
    TEXTS,
    WHY,
    answer_labels,
    answer_table,
    exercises_notebook,
    expected_texts,
)

MINI = Path(__file__).parent / "fixtures" / "mini.md"
LECTURE = Path(__file__).parents[2] / "slides" / "03-autodiff.md"

def first_line(cell) -> str:
    """The answer cell's own first line (`# 演習1 (1): ...`), which a student writes below:
    without cell ids it is how the check knows the cell run last is that answer cell."""
    return cell.source.split("\n", 1)[0] + "\n"


def tagged(nb, tag: str) -> list:
    return [c for c in nb.cells if tag in c.metadata.get("tags", [])]


def official_answers(deck) -> dict[str, str]:
    return {f.value("answer"): f.code for f in deck.code_blocks if f.has("answer")}


def outside_folded_answers(nb) -> str:
    """Everything a student reads without opening a model answer: cells and metadata."""
    shown = copy.deepcopy(nb)
    shown.cells = [c for c in shown.cells if MODEL_ANSWER not in c.metadata.get("tags", [])]
    return json.dumps(shown, ensure_ascii=False)


def run_with(nb, answers: dict[str, str] | None, ran: list | None = None,
             skip_setup: bool = False, allow_errors: bool = True) -> dict[str, str]:
    """Fill the student cells (`None`: leave them as the notebook has them), run the notebook
    top to bottom as a student would, return each check's text (by answer id); `ran`
    receives the executed notebook; `skip_setup` runs it as a student who never ran the
    setup cell; without `allow_errors` an error stops the run, as in Colab's "Run all"."""
    filled = copy.deepcopy(nb)
    for cell in tagged(filled, STUDENT):
        if answers is not None:
            cell.source = first_line(cell) + answers[cell.metadata.lecturekit.answer]
    if skip_setup:
        filled.cells = [c for c in filled.cells if "setup" not in c.metadata.get("tags", [])]
    run(filled, allow_errors)
    if ran is not None:
        ran.append(filled)
    return {c.metadata.lecturekit.answer: shown(c) for c in tagged(filled, SELF_CHECK)}


def run(nb, allow_errors: bool = True) -> None:
    with venv_kernel() as km:
        NotebookClient(nb, km=km, kernel_name=KERNEL, timeout=120,
                       allow_errors=allow_errors).execute()


def shown(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs)


def in_skeleton(code: str, lang: str = "ja") -> str:
    """An error answer written where its answer cell's try/except skeleton says."""
    comment = {"ja": "    # ここに答えのコードを書く\n", "en": "    # your code here\n"}[lang]
    skeleton = TEXTS[lang]["error_here"].format(label="演習1 (4)")
    assert comment in skeleton
    return skeleton.replace(comment, "".join(f"    {line}\n" for line in code.splitlines()))


def titled(title: str) -> str:
    """A helper cell's first line: its title, then what to do when the setup was skipped
    (Colab shows the title of a form, never its code)."""
    return f"#@title {title}（NameError なら、先に「⚙️ 準備」を実行）"


def errors_outside_answer_cells(nb) -> list[tuple[str, str]]:
    return [(c.id, o.ename) for c in nb.cells if c.cell_type == "code"
            and STUDENT not in c.metadata.get("tags", [])
            for o in c.get("outputs", []) if o.output_type == "error"]


@pytest.fixture(scope="module")
def notebook(built: Built):
    return nbformat.read(str(built.artefacts.exercises), as_version=4)


@pytest.fixture(scope="module")
def lecture_nb():
    return exercises_notebook(read_deck(LECTURE))


def test_task_slides_are_kept_and_answer_slides_only_folded(notebook):
    markdown = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown"
                         and MODEL_ANSWER not in c.metadata.get("tags", []))
    assert "$f(x) = x^3$ の $x = 2$ での微分係数" in markdown
    assert "演習の答え" not in markdown and "最初のコード" not in markdown
    folded = [c.source for c in tagged(notebook, MODEL_ANSWER)]
    assert len(folded) == 1 and folded[0].startswith("<details>\n<summary>")
    assert "#### 演習の答え" in folded[0] and folded[0].endswith("</details>\n")


def test_answers_are_only_inside_the_folded_model_answer(built: Built, notebook):
    text = outside_folded_answers(notebook)
    folded = "".join(c.source for c in tagged(notebook, MODEL_ANSWER))
    for code in official_answers(read_deck(MINI)).values():
        for line in code.splitlines():
            assert line not in text, line
            assert line in folded, line
    assert "tensor(12.)" not in text and "tensor(1.)" not in text


def test_each_answer_gets_an_empty_student_cell_then_a_labelled_self_check(notebook):
    ids = list(official_answers(read_deck(MINI)))
    students, checks = tagged(notebook, STUDENT), tagged(notebook, SELF_CHECK)
    assert [c.metadata.lecturekit.answer for c in students] == ids
    assert [c.source.splitlines() for c in checks] == [
        [titled("✔ 答え合わせ：演習 (1)"), 'check("演習 (1)")'],
        [titled("✔ 答え合わせ：演習 (2)"), 'check("演習 (2)")']]
    for student in students:
        code = [ln for ln in student.source.splitlines() if not ln.startswith("#")]
        assert code == []
        following = notebook.cells[notebook.cells.index(student) + 1]
        assert SELF_CHECK in following.metadata.tags


def test_first_visible_cell_says_to_run_the_setup_cell_in_the_decks_language(lecture_nb):
    first, label, setup = lecture_nb.cells[:3]
    assert first.cell_type == "markdown"
    assert "すぐ下の「⚙️ 準備」のセルを実行してください" in first.source
    assert ("あとで `NameError`（`name 'torch' is not defined` など）が出たときも、"
            "まずこのセルを実行し直してください") in first.source   # an answer cell's NameError
    assert first.source.endswith(   # the rule's three first points shown, the rest folded
        "**答え合わせのルール**\n\n"
        "- 数は、スライドに書かれた桁まで四捨五入して比べます（8.0 に対して 7.96 は正解、"
        "7.9 は不正解）。\n"
        "- 値は変数を使って計算し、表示してください。文字列の中に書いた値（`print(\"8.0\")`）"
        "や、数だけで書いた式（`print(8)`、`print(2*3+2)`）は答えになりません。\n"
        "- 表示する数は、答えの値だけにしてください。ほかの数もいっしょに表示すると、"
        "不正解になります（`print(\"勾配:\", x.grad)` のような説明の文字はつけても"
        "かまいません）。\n\n"
        "<details>\n<summary>答え合わせのくわしいルール（クリックで開く）</summary>\n\n"
        "- 値を問う問題では、テンソルかリストか、float64 かどうかは問いません"
        "（`requires_grad=True` のテンソルを作る問題では、形とその指定も比べます）。\n"
        "- 値がいくつもあるときは、どの順に表示してもかまいません。ただし、一つのテンソルの"
        "中の数の順番は、そのままにしてください。\n"
        "- 計算に使う関数が決まっている問題もあります（`backward()` か `grad()`）。その問題では、"
        "答えのセルでその関数を呼んで求めてください。値が合っていても、ほかの方法で"
        "求めたものは正解になりません。\n"
        "- 答えがエラーの問題では、エラーの種類とメッセージを比べます。そのまま起こしても、"
        "except で捕まえて表示してもかまいません。\n"
        "- 答え合わせは、答えのセルを最後に実行したときの表示を見ます（環境によっては、"
        "最後に実行したセルを見ます：答えのあとで別のセルを実行したときは、答えのセルを"
        "実行し直してください）。\n\n"
        "</details>\n")
    shown = first.source.split("<details>")[0]
    assert shown.count("\n- ") == 3   # what a student reads before the first exercise
    assert "表示の順番を問わず" not in first.source
    assert label.cell_type == "markdown" and label.source.startswith("### ⚙️ 準備のセル\n")
    assert "**最初に一度、実行してください**" in label.source
    assert "JupyterLab では「…」" in label.source and "Google Colab では「コードを表示」" in (
        label.source)   # Colab folds it as a form: its menu's words
    assert setup.source.startswith("#@title ⚙️ 準備：最初にこのセルを実行してください\n")
    english = parse_deck("---\nmarp: true\nlang: en\n---\n\n<!-- _class: exercise -->\n\n"
                         "# Task\n\n---\n\n```python\nz = 1\n```\n\n---\n\n"
                         "```python answer=1\nprint(2)  # -> 2\n```\n", "t.md")
    nb = exercises_notebook(english)
    assert "**First run the “⚙️ Setup” cell just below**" in nb.cells[0].source
    assert nb.cells[0].source.endswith(
        "**How answers are checked**\n\n"
        "- Numbers are rounded to the digits the slide shows (for 8.0, 7.96 is right, 7.9 is "
        "not).\n"
        "- Compute the values from your variables and print them: a value typed inside a "
        "string (`print(\"8.0\")`) or written with numbers only (`print(8)`, "
        "`print(2*3+2)`) does not count.\n"
        "- Print no numbers besides the answer's values: any other number shown makes the "
        "answer wrong (words such as `print(\"gradient:\", x.grad)` are fine).\n\n"
        "<details>\n<summary>More about how answers are checked (click to open)</summary>\n\n"
        "- Where a value is asked for, a tensor, a list or float64 are all fine (where a "
        "tensor with `requires_grad=True` is asked for, its shape and that flag count too).\n"
        "- Several values may be printed in any order, but keep the order of the numbers "
        "inside one tensor.\n"
        "- Where the answer is an error, its type and message are compared: let it be "
        "raised, or catch it with except and print it.\n"
        "- A check reads what the answer cell showed when last run (in some environments, "
        "what the cell run last showed: if you ran another cell after your answer, run the "
        "answer cell again).\n\n"
        "</details>\n")
    assert [c.source.split("\n")[:2] for c in tagged(nb, CONTEXT)] == [[
        "#@title 📎 Before Task: defines the slides' variables it uses (a NameError? Run "
        "“⚙️ Setup” first)",
        "# Run it before the next exercise (it only defines the slides' variables and "
        "functions; it shows nothing)."]]
    assert tagged(nb, STUDENT)[0].source.startswith(
        "# Task: keep this line; write your answer below it and run the cell.\n")
    assert nb.cells[1].source.startswith("### ⚙️ The setup cell\n")
    assert "\"Show code\" in Google Colab" in nb.cells[1].source   # Colab hides it as a form
    assert nb.cells[2].source.startswith("#@title ⚙️ Setup: run this cell first\n")
    assert tagged(nb, SELF_CHECK)[0].source == (
        "#@title ✔ Check: Task (a NameError? Run “⚙️ Setup” first)\ncheck(\"Task\")")


def test_only_the_setup_cell_is_hidden_under_a_label_and_every_helper_shows_its_title(
        lecture_nb):
    """Lab shows a hidden cell as an unlabelled "…": the setup cell, the only one hidden,
    has a Markdown cell saying what it is just above it."""
    hidden = [c for c in lecture_nb.cells if c.metadata.get("jupyter")]
    assert [c.id for c in hidden] == ["setup"]
    assert hidden[0].metadata.jupyter == {"source_hidden": True}
    above = lecture_nb.cells[lecture_nb.cells.index(hidden[0]) - 1]
    assert above.cell_type == "markdown" and above.source == TEXTS["ja"]["setup_label"] + "\n"
    helpers = [c for c in lecture_nb.cells if c.cell_type == "code"
               and ({"setup", CONTEXT, SELF_CHECK} & set(c.metadata.get("tags", [])))]
    assert len(helpers) == 1 + 3 + 8
    for cell in helpers:
        title = cell.source.split("\n")[0]
        assert re.fullmatch(r"#@title [⚙📎✔]\S* \S.+", title), title   # Lab shows it, Colab too
        assert cell.id == "setup" or title.endswith("（NameError なら、先に「⚙️ 準備」を実行）")
        assert cell.metadata.cellView == "form"
        assert cell.id == "setup" or len(cell.source.splitlines()) <= 6, cell.id  # short


def test_no_developer_talk_in_what_students_read(lecture_nb):
    for cell in lecture_nb.cells:
        lines = cell.source.splitlines()
        if cell.id == "setup":   # its code's names are code; its comments are for students
            assert "readme" not in cell.source.lower() and '"""' not in cell.source
            lines = [ln for ln in lines if ln.startswith("#")]
        text = "\n".join(lines).lower()
        for word in ("hash", "salt", "build", "ビルド", "ハッシュ", "lecturekit", "_lk"):
            assert word not in text, (cell.id, word)


def test_words_meant_for_the_slides_stay_out_of_the_exercises_notebook(lecture_nb):
    """A task slide's `slides-only` words (where the answers are, said on the projected
    slide) are not carried into the notebook, which is one of those places itself."""
    task = next(c.source for c in lecture_nb.cells if c.id == "slide-49")
    assert task.endswith("- 手で微分する必要は、もうありません 🎉\n\n"
                         "まず自分で解いてみましょう。\n"), task
    assert not [c.id for c in lecture_nb.cells
                if c.cell_type == "markdown" and "演習ノートブック" in c.source]
    deck = parse_deck("---\nmarp: true\n---\n\n<!-- _class: exercise -->\n\n# Task\n\n"
                      "Try it. <span class=\"slides-only\">The answers are in the "
                      "notebook.</span>\n\n---\n\n```python answer=1\nprint(2)  # -> 2\n```\n",
                      "t.md")
    task = next(c.source for c in exercises_notebook(deck).cells if c.id.startswith("slide-"))
    assert task == "# Task\n\nTry it.\n", task


def test_hints_why_cell_and_model_answers_are_folded_per_exercise(lecture_nb):
    cells = lecture_nb.cells
    hints = tagged(lecture_nb, HINT)
    assert len(hints) == 3 and all(h.source.startswith("<details>\n<summary>💡 ヒント")
                                   for h in hints)
    assert "最後の行から読みます" in hints[0].source and "IndexError" in hints[0].source
    assert "torch.matmul" in hints[1].source and "torch.exp" in hints[2].source
    for hint in hints:   # each right after its task slide
        assert cells[cells.index(hint) - 1].id.startswith("slide-")
    task2 = cells[cells.index(hints[1]) - 1].source
    assert "## 演習2" in task2 and "ヒント" not in task2
    whys = tagged(lecture_nb, WHY)
    assert len(whys) == 1
    assert cells[cells.index(whys[0]) - 1].id == "answer-1-4-check"
    assert whys[0].source.startswith("✍️ **演習1 (4)：なぜでしょう？**")
    models = tagged(lecture_nb, MODEL_ANSWER)
    assert [cells[cells.index(m) - 1].id for m in models] == [
        "why-1-4", "answer-2-3-check", "answer-3-check"]
    assert all(m.source.startswith("<details>\n<summary>📖 解答例") for m in models)
    assert "y = torch.matmul(x, torch.matmul(A, x))" in models[1].source
    assert "整数は飛び飛びの値" in models[0].source
    assert "y = torch.matmul(x, torch.matmul(A, x))" not in outside_folded_answers(lecture_nb)


def test_answer_headings_repeat_their_task_item(lecture_nb):
    headings = {c.id: c.source for c in lecture_nb.cells if c.id.endswith("-heading")}
    assert headings["answer-1-4-heading"] == ("### 演習1 (4)\n\n整数 `3` で作ってみてください。"
                                              "何が起きましたか？ それはなぜ？\n")
    assert "answer-3-heading" not in headings   # one answer, no item: the slide's heading


def test_no_heading_is_repeated_with_nothing_of_its_own_in_between(lecture_nb):
    """An exercise of one answer and no numbered items is headed once, by its task slide
    (`## 演習3 前回の問題3にリベンジ`), not again by its answer (`### 演習3 ...`)."""
    titles = [" ".join(c.source.split("\n")[0].lstrip("#").split()) for c in lecture_nb.cells
              if c.cell_type == "markdown" and c.source.startswith("#")]
    assert len(titles) == len(set(titles)), titles
    assert titles.count("演習3 前回の問題3にリベンジ") == 1
    ids = [c.id for c in lecture_nb.cells]
    between = ids[ids.index("slide-49"):ids.index("answer-3") + 1]
    assert [i.split("-")[0] for i in between] == ["slide", "hint", "context", "answer"], between


def test_context_cells_say_they_recreate_the_slides_variables_for_the_next_exercise(
        lecture_nb):
    assert [c.source.split("\n")[:2] for c in tagged(lecture_nb, CONTEXT)] == [
        [titled(f"📎 前提：{label} で使うスライドの変数を用意します"),
         "# 次の演習の前に実行してください（スライドで作った変数や関数を用意するだけで、"
         "何も表示しません）。"]
        for label in ("演習1 (1)", "演習2 (1)", "演習3 前回の問題3にリベンジ")]


@pytest.mark.parametrize("deck_path", [MINI, LECTURE], ids=["fixture", "lecture"])
def test_official_answers_pass_every_self_check_and_only_answer_cells_show_errors(
        deck_path: Path):
    deck = read_deck(deck_path)
    ran: list = []
    results = run_with(exercises_notebook(deck), official_answers(deck), ran)
    assert results and all("正解です" in text for text in results.values()), results
    assert errors_outside_answer_cells(ran[0]) == []
    for cell in tagged(ran[0], CONTEXT):
        assert cell.outputs == [], cell.id   # the lecture's deliberate errors stay silent


def test_notebook_as_built_runs_all_without_errors_and_asks_for_answers(lecture_nb):
    """Colab's "Run all" on the untouched notebook: no cell raises (the error answer's cell
    is a try/except skeleton), every check asks for an answer."""
    results = run_with(lecture_nb, None, allow_errors=False)
    empty = ("❔ {}: すぐ上のセルが何も表示していません。"
             "答えを print して実行してから、このセルを実行してください。\n")
    assert results.pop("1-4") == (
        "❔ 演習1 (4): すぐ上のセルが何も表示していません（エラーも起きていません）。"
        "try の中に答えのコードを書いて実行してから、このセルを実行してください。\n")
    labels = answer_labels(read_deck(LECTURE))
    by_id = {c.metadata.lecturekit.answer: c.metadata.lecturekit.label
             for c in tagged(lecture_nb, STUDENT)}
    assert len(labels) == len(results) + 1
    assert results == {ident: empty.format(by_id[ident]) for ident in results}


def test_a_student_session_reruns_checks_and_each_check_reads_its_own_answer(lecture_nb):
    """Check 1 (1) twice, then check 1 (2) without running its answer cell: the answer of
    1 (1) is not taken for 1 (2)'s.  A transposed matrix is told its shape; the error answer
    written in its try/except skeleton passes."""
    nb = copy.deepcopy(lecture_nb)
    answers = official_answers(read_deck(LECTURE))
    answers["1-3"] = ("M = torch.tensor([[3.0, 6.0], [4.0, 7.0], [5.0, 8.0]], "
                      "requires_grad=True)\nprint(M)")
    answers["1-4"] = in_skeleton(answers["1-4"])
    for cell in tagged(nb, STUDENT):
        cell.source = first_line(cell) + answers[cell.metadata.lecturekit.answer]
    ids = [c.id for c in nb.cells]
    again = copy.deepcopy(nb.cells[ids.index("answer-1-1-check")])
    again.id = "answer-1-1-check-again"
    nb.cells.insert(ids.index("answer-1-1-check") + 1, again)
    nb.cells = [c for c in nb.cells if c.id != "answer-1-2"]
    run(nb)
    said = {c.id: shown(c) for c in nb.cells if c.cell_type == "code"}
    right = "✅ 演習1 (1): 正解です！\n"
    assert said["answer-1-1-check"] == said["answer-1-1-check-again"] == right
    assert said["answer-1-2-check"] == (
        "❔ 演習1 (2): すぐ上で実行されたセルは、演習1 (1) の答えとして確かめ済みです。"
        "先に 演習1 (2) の答えのセルを実行してから、このセルを実行してください。\n")
    assert said["answer-1-3-check"] == (
        "❌ 演習1 (3): まだ正解ではありません（確かめる値が見つかりません）。\n"
        "  ・テンソルの形が違います（2×3 ではなく 3×2 が表示されました）\n")
    assert said["answer-1-4"] == (
        "RuntimeError Only Tensors of floating point and complex dtype can require "
        "gradients\n")
    assert said["answer-1-4-check"] == "✅ 演習1 (4): 正解です！\n"
    assert errors_outside_answer_cells(nb) == []


def test_running_the_setup_cell_again_keeps_each_output_under_its_own_cell():
    """"Run all" twice, or the setup cell run again: the second run removes the first one's
    recorder from sys.stdout, so every later print and check shows under its own cell."""
    deck = read_deck(MINI)
    nb = exercises_notebook(deck)
    setup = next(c for c in nb.cells if "setup" in c.metadata.get("tags", []))
    again = copy.deepcopy(setup)
    again.id = "setup-again"
    nb.cells.insert(nb.cells.index(setup) + 1, again)
    ran: list = []
    results = run_with(nb, official_answers(deck), ran)
    said = {c.id: shown(c) for c in ran[0].cells if c.cell_type == "code"}
    ready = TEXTS["ja"]["ready"] + "\n"
    assert said["setup"] == said["setup-again"] == ready
    assert said["answer-1"] == "tensor(12.)\n" and said["answer-2"] == "tensor(1.)\n"
    assert results == {"1": "✅ 演習 (1): 正解です！\n", "2": "✅ 演習 (2): 正解です！\n"}


def test_the_setup_cell_is_readable_python_in_parts_under_comments(notebook, lecture_nb):
    """No compressed blob: the self-check as plain code (no docstrings, no comments), the
    answers and the slides' code as data, the deck's `setup:` code as it runs."""
    for nb in (notebook, lecture_nb):
        setup = next(c for c in nb.cells if "setup" in c.metadata.get("tags", []))
        lines = setup.source.split("\n")
        assert lines[0] == "#@title ⚙️ 準備：最初にこのセルを実行してください"
        assert lines[1].startswith("# 答え合わせの道具を読み込み")
        parts = [ln for ln in lines if ln.startswith("# ──")]
        assert parts == [TEXTS["ja"][k] for k in ("part_checker", "part_answers",
                                                  "part_context", "part_setup")]
        assert "base64" not in setup.source and "zlib" not in setup.source
        assert "def check(label: str) -> None:" in lines
        assert lines[lines.index(TEXTS["ja"]["part_setup"]):][-4:] == [
            "# この講義の準備", "import torch", "", f"print({TEXTS['ja']['ready']!r})"]
        assert all(len(line) <= 100 for line in lines if not line.startswith("#@title"))
        assert len(lines) < 1400   # the self-check is most of it (about 1000 lines)
        assert all(c.source.split("\n")[0].endswith(TEXTS["ja"]["no_setup"])
                   and c.source.split("\n")[2].startswith("run_slides(")
                   for c in tagged(nb, CONTEXT))


def test_plain_source_drops_docstrings_and_comments_but_no_string():
    from lecturekit.handout.exercises import plain_source

    source = ('"""Module notes (README)."""\n\nimport re  # why\n\n\n\nTEXT = """a\n\n\n# b\n"""\n'
              'NOTE = 1\n"""NOTE\'s notes."""\n\ndef f():\n    """Docs."""\n    # inside\n'
              '    return "#"  # tail\n')
    assert plain_source(source) == ('import re\n\nTEXT = """a\n\n\n# b\n"""\nNOTE = 1\n\n'
                                    'def f():\n    return "#"')


def test_skipping_the_setup_cell_shows_the_instruction_in_the_name_error():
    """In a fresh kernel without the setup cell, a helper cell's NameError traceback shows
    its title line above the call, which says to run the setup cell first."""
    ran: list = []
    deck = read_deck(MINI)
    run_with(exercises_notebook(deck), official_answers(deck), ran, skip_setup=True)
    helpers = tagged(ran[0], CONTEXT) + tagged(ran[0], SELF_CHECK)
    assert len(helpers) == 3   # a 📎 context cell and two checks
    for cell in helpers:
        error = next(o for o in cell.outputs if o.output_type == "error")
        assert error.ename == "NameError"
        traceback = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(error.traceback))
        assert "NameError なら、先に「⚙️ 準備」を実行" in traceback, traceback


RULES = """---
marp: true
setup: |
  import torch
---

<!-- _class: exercise -->
<!-- _header: 規則 -->

ルールの確認

---

<!-- _class: answer -->

```python answer=near
print(8.0)  # -> 8.0
```

```python answer=rounds
print(8.0)  # -> 8.0
```

```python answer=float64
print(torch.tensor(12.0))  # -> tensor(12.)
```

```python answer=flags
print(torch.tensor(3.0, requires_grad=True))  # -> tensor(3., requires_grad=True)
```

```python answer=noflag
print(torch.tensor(3.0, requires_grad=True))  # -> tensor(3., requires_grad=True)
```

```python answer=caught
RAISES
```

```python answer=caught-repr
RAISES
```

```python answer=caught-label
RAISES
```

```python answer=caught-label-type
RAISES
```

```python answer=caught-class
RAISES
```

```python answer=label-other-type
RAISES
```

```python answer=other-error
RAISES
```

```python answer=other-type
RAISES
```

```python answer=reversed
print(f"{0.19:.3f}")  # -> 0.190
print(f"{-0.42134:.5f}")  # -> -0.42134
```

```python answer=vector
print(10.0, 8.0)  # -> 10.0 8.0
```
"""
"""One exercise per case of the self-check rule (README, "Exercises")."""
RULES = RULES.replace("RAISES", "torch.tensor(3, requires_grad=True)  # -> RuntimeError: "
                      "Only Tensors of floating point and complex dtype can require gradients")

STUDENTS = {
    "near": "v = 7.9\nprint(v)",
    "rounds": "v = 7.96\nprint(v)",
    "float64": "t = torch.tensor(12.0, dtype=torch.float64)\nt",
    "flags": "t = torch.tensor(3.0, dtype=torch.float64, requires_grad=True)\nprint(t)",
    "noflag": "t = torch.tensor(3.0)\nprint(t)\nprint(t.item())",
    "caught": "try:\n    torch.tensor(3, requires_grad=True)\nexcept RuntimeError as e:\n"
              "    print(e)",
    "caught-repr": "try:\n    torch.tensor(3, requires_grad=True)\nexcept Exception as e:\n"
                   "    print(repr(e))",
    "caught-label": "try:\n    torch.tensor(3, requires_grad=True)\nexcept RuntimeError as e:\n"
                    "    print('エラー:', e)",
    "caught-label-type": "try:\n    torch.tensor(3, requires_grad=True)\n"
                         "except Exception as e:\n    print('エラー:', type(e).__name__, e)",
    "caught-class": "try:\n    torch.tensor(3, requires_grad=True)\nexcept Exception as e:\n"
                    "    print(type(e), e)",
    "label-other-type": "try:\n    torch.tensor(3, requires_grad=True)\n"
                        "except Exception as e:\n    print('Caught:', 'ValueError:', e)",
    "other-error": "raise RuntimeError('Only Tensors of floating point dtype')",
    "other-type": "print('ValueError: Only Tensors of floating point and complex dtype can "
                  "require gradients')",
    "reversed": "x, fx = 0.19, -0.42134\nprint(fx)\nprint(x)",
    "vector": "a, b = 8.0, 10.0\nprint(a, b)",
}


def test_self_check_follows_the_one_rule_on_each_case():
    results = run_with(exercises_notebook(parse_deck(RULES, LECTURE.parent / "rules.md")),
                       STUDENTS)
    verdicts = {ident: text[0] for ident, text in results.items()}
    assert verdicts == {
        "near": "❌",          # 7.9 is not 8.0 at the slide's precision
        "rounds": "✅",        # 7.96 is, rounded half up to the digit shown
        "float64": "✅",       # a flagless tensor asks for its value: dtype ignored
        "flags": "✅",         # requires_grad asked for and shown; dtype ignored
        "noflag": "❌",        # requires_grad asked for: a plain tensor or number is not it
        "caught": "✅",        # caught, message printed
        "caught-repr": "✅",   # caught, printed as RuntimeError('...')
        "caught-label": "✅",  # caught, printed after a label of one's own
        "caught-label-type": "✅",  # a label, the type's name, the message
        "caught-class": "✅",  # <class 'RuntimeError'> message
        "label-other-type": "❌",  # a label, then another type's name
        "other-error": "❌",   # same type, another message
        "other-type": "❌",    # same message, another type
        "reversed": "✅",      # two values, in the other order
        "vector": "❌",        # one value of two numbers keeps its own order
    }, results


def test_an_answer_that_is_an_error_gets_a_try_except_skeleton():
    nb = exercises_notebook(parse_deck(RULES, LECTURE.parent / "rules.md"))
    cells = {c.metadata["lecturekit"]["answer"]: "".join(c.source)
             for c in tagged(nb, STUDENT)}
    label = "規則 (6)"
    assert cells["caught"] == TEXTS["ja"]["error_here"].format(label=label)
    assert cells["caught"].endswith("try:\n    # ここに答えのコードを書く\n    pass\n"
                                    "except Exception as e:\n    print(type(e).__name__, e)\n")
    assert all(line.startswith("#") for line in cells["caught"].split("try:")[0].splitlines())
    assert "try:" not in cells["near"]
    assert cells["near"] == TEXTS["ja"]["answer_here"].format(label="規則 (1)")
    # the first line, which tells the check without cell ids which cell is the answer,
    # asks to be kept
    assert cells["near"].startswith(
        "# 規則 (1): この行は消さずに、下に答えのコードを書いて実行してください。\n")
    assert cells["caught"].startswith(
        "# 規則 (6): この行は消さずに、try: の下の「ここに」の行を\n"
        "# 答えのコードに書きかえて実行してください。\n")
    assert TEXTS["en"]["error_here"].endswith(
        "try:\n    # your code here\n    pass\nexcept Exception as e:\n"
        "    print(type(e).__name__, e)\n")


def test_teaser_answered_in_one_print_with_any_rounding_layout_passes():
    deck = read_deck(LECTURE)
    answers = official_answers(deck)
    official = answers["3"]
    body = official[:official.index("print(")]
    answers["3"] = body + 'x, fx = x.item(), f(x).item()\nprint(f"{fx:.5f}", f"{x:.3f}")'
    answers["2-2"] = ("x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)\n"
                      "(x**2).sum().backward()\nx.grad")
    answers["2-3"] = answers["2-3"].replace("print(*x.grad.tolist())",
                                            "print(x.grad[0].item(), x.grad[1].item())")
    results = run_with(exercises_notebook(deck), answers)
    assert "正解です" in results["3"], results["3"]
    assert "正解です" in results["2-2"] and "正解です" in results["2-3"]


def test_wrong_or_missing_answers_fail_their_self_check():
    deck = read_deck(MINI)
    answers = official_answers(deck)
    wrong = {**answers, "1": answers["1"].replace("a**3", "a**2")}
    wrong["2"] = "pass"
    results = run_with(exercises_notebook(deck), wrong)
    assert results["1"] == (
        "❌ 演習 (1): まだ正解ではありません（確かめる値が見つかりません）。\n"
        "  ・見つからない値：数が一つ（小数第 4 位まで比べます）\n")
    assert "何も表示していません" in results["2"]


def test_exercises_are_labelled_as_students_see_them_never_by_internal_ids(lecture_nb):
    labels = answer_labels(read_deck(LECTURE))
    assert list(labels.values()) == ["演習1 (1)", "演習1 (2)", "演習1 (3)", "演習1 (4)",
                                     "演習2 (1)", "演習2 (2)", "演習2 (3)",
                                     "演習3 前回の問題3にリベンジ"]
    shown = [c.source for c in lecture_nb.cells]
    assert not any('"1-1"' in text or '"2-1"' in text for text in shown)


def test_stored_answers_are_salted_hashes_and_unit_counts_only():
    deck = read_deck(LECTURE)
    table = answer_table(deck)
    leaves: list[object] = []

    def walk(value: object) -> None:
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        else:
            leaves.append(value)

    walk(table)
    allowed = {"error", "tensor", "numbers", "text", "uses", "backward", "grad"}
    for leaf in leaves:
        assert (isinstance(leaf, bool) or (isinstance(leaf, int) and abs(leaf) < 20)
                or leaf in allowed or re.fullmatch(r"[0-9a-f]{24}", str(leaf))), leaf
    other = parse_deck(deck.text + "\n", deck.path)
    assert answer_table(other)["演習2 (1)"] != table["演習2 (1)"]   # another salt


@pytest.mark.parametrize("info, message", [
    ("uses=backward", "answer block 9 says uses=backward but calls no backward() itself"),
    ("uses=backward,grad",
     "answer block 9 says uses=backward,grad but calls no backward() or grad() itself"),
    ("uses=backward,", "uses=backward,: a comma-separated list of function or method names "
                       "is expected"),
])
def test_an_answer_that_does_not_call_what_it_uses_is_an_error_at_its_line(info: str,
                                                                           message: str):
    deck = parse_deck(f"# t\n\n```python answer=9 {info}\nx = 2.0\nprint(x.backward)"
                      f"  # -> 2.0\n```\n", "t.md")
    with pytest.raises(DeckError) as caught:
        exercises_notebook(deck)
    assert (caught.value.line, caught.value.message) == (3, message)
    assert str(caught.value) == f"t.md:3 (slide 1): {message}"


def test_uses_goes_into_the_answers_table_beside_the_values():
    deck = parse_deck("# t\n\n```python answer=9 uses=backward,grad\n"
                      "x = torch.tensor(2.0, requires_grad=True)\n(x * x).backward()\n"
                      "print(x.grad.item())  # -> 4.0\n```\n", "t.md")
    fence = deck.code_blocks[0]
    assert fence.lang == "python" and fence.value("uses") == "backward,grad"
    items = answer_table(deck)["演習 1"]
    assert [item["kind"] for item in items] == ["numbers", "uses"]
    assert items[1]["names"] == ["backward", "grad"]


def test_answer_without_expected_output_is_an_error_at_its_line():
    deck = parse_deck("# t\n\n```python answer=9\nx = 1\n```\n", "t.md")
    with pytest.raises(DeckError) as caught:
        exercises_notebook(deck)
    assert caught.value.line == 3
    assert "answer block 9 has no expected output" in caught.value.message


def test_unclosed_hint_is_an_error_at_its_line():
    deck = parse_deck("<!-- _class: exercise -->\n\n# t\n\n<div class=\"hint\">\n\nx\n\n"
                      "---\n\n```python answer=1\nprint(1)  # -> 1\n```\n", "t.md")
    with pytest.raises(DeckError) as caught:
        exercises_notebook(deck)
    assert (caught.value.line, caught.value.message) == (
        5, '`<div class="hint">` is never closed')


def test_exercise_fences_are_tasks_and_answer_slide_code_stays_out_of_code_cells():
    deck = parse_deck("# t\n\n```python exercise\nx = 3  # 使ってよい値\n```\n\n"
                      "```python\nhelper = 1\n```\n\n---\n\n<!-- _class: answer -->\n\n"
                      "```python answer=1\nprint(x * 2)  # -> 6\n```\n\n"
                      "```python\nexplained = x * 2\n```\n", "t.md")
    nb = exercises_notebook(deck)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.id for c in code] == ["setup", "task-3", "context-15", "answer-1", "answer-1-check"]
    assert code[1].source == "x = 3  # 使ってよい値"
    assert "explained" not in outside_folded_answers(nb)
    assert "explained = x * 2" in tagged(nb, MODEL_ANSWER)[0].source


def test_no_expected_answer_of_the_lecture_is_written_outside_the_folded_answers(lecture_nb):
    deck = read_deck(LECTURE)
    text = outside_folded_answers(lecture_nb)
    shown = [t.strip() for f in deck.code_blocks if f.has("answer")
             for t in expected_texts(deck, f) if len(t.strip()) >= 5]
    assert "-0.42134" in shown and "tensor(3., requires_grad=True)" in shown
    for expected in shown:
        assert json.dumps(expected, ensure_ascii=False)[1:-1] not in text, expected


def project_with(tmp_path: Path, config: str = "", remote: str | None = None) -> Path:
    (tmp_path / "pyproject.toml").write_text(config, encoding="utf-8")
    if remote:
        (tmp_path / ".git").mkdir()
        (tmp_path / ".git" / "config").write_text(f'[remote "origin"]\n\turl = {remote}\n',
                                                  encoding="utf-8")
    deck = tmp_path / "slides" / "lecture.md"
    deck.parent.mkdir(parents=True)
    deck.write_text("---\nmarp: true\nlang: ja\n---\n\n<!-- _class: exercise -->\n\n# 演習\n\n"
                    "---\n\n```python answer=1\nprint(2)  # -> 2\n```\n", encoding="utf-8")
    return deck


COLAB = "https://colab.research.google.com/github/o/r/blob/gh-pages/lecture-exercises.ipynb"


@pytest.mark.parametrize("config, remote", [
    ('[tool.lecturekit]\nrepository = "https://github.com/o/r"\n', None),
    ("", "git@github.com:o/r.git"),
], ids=["configured", "git-remote"])
def test_colab_link_is_built_from_the_repository(tmp_path: Path, config: str, remote):
    nb = exercises_notebook(read_deck(project_with(tmp_path, config, remote)))
    assert f"[▶ Google Colab で開く]({COLAB})" in nb.cells[0].source


@pytest.mark.parametrize("config", [
    "", '[tool.lecturekit]\nrepository = "https://gitlab.com/o/r"\n'],
    ids=["no-repository", "not-github"])
def test_colab_link_is_left_out_without_a_github_repository(tmp_path: Path, config: str):
    nb = exercises_notebook(read_deck(project_with(tmp_path, config)))
    assert "colab.research" not in json.dumps(nb).lower()
    assert "Colab で開く" not in nb.cells[0].source


def test_notebook_validates_as_jupyterlab_reads_it(notebook, lecture_nb):
    for nb in (notebook, lecture_nb):
        again = nbformat.reads(nbformat.writes(nb), as_version=4)
        nbformat.validate(again)
        assert again.nbformat == 4 and again.nbformat_minor >= 5
        assert len({c.id for c in again.cells}) == len(again.cells)


def test_a_later_exercises_slide_code_runs_alone_after_a_restart(lecture_nb):
    """A student who restarts the kernel, runs the setup and jumps to the last exercise:
    its 📎 context cell makes every name the slides made before it (the earlier ones' code runs
    first, once), so it shows nothing, as its title says."""
    contexts = tagged(lecture_nb, CONTEXT)
    assert len(contexts) >= 2
    jumped = copy.deepcopy(lecture_nb)
    jumped.cells = [c for c in jumped.cells if "setup" in c.metadata.get("tags", [])]
    jumped.cells += [copy.deepcopy(contexts[-1]), copy.deepcopy(contexts[0])]
    with venv_kernel() as km:
        NotebookClient(jumped, km=km, kernel_name=KERNEL, timeout=120,
                       allow_errors=False).execute()
    assert [c.outputs for c in jumped.cells[-2:]] == [[], []]


def test_the_setup_cell_stops_on_a_python_older_than_310_saying_so(notebook):
    """The self-check needs Python 3.10; on an older one the setup cell says so at once
    instead of answering every later check with a TypeError."""
    setup = next(c for c in notebook.cells if "setup" in c.metadata.get("tags", []))
    body = setup.source.split("if sys.version_info < (3, 10):\n", 1)[1].split("\n")[:2]
    namespace = {"sys": type("Sys", (), {"version_info": (3, 9, 18)})}
    with pytest.raises(RuntimeError) as stopped:
        exec(compile("\n".join(line.strip() for line in body), "setup", "exec"), namespace)
    assert str(stopped.value) == ("この演習ノートブックの答え合わせには Python 3.10 以上が"
                                  "必要です（いまは 3.9）")
    lines = setup.source.split("\n")
    assert lines.index("if sys.version_info < (3, 10):") < next(
        i for i, line in enumerate(lines) if line.startswith("def "))   # before any code
