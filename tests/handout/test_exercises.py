"""dist/X-exercises.ipynb: tasks kept, answers removed, self-checks pass only right answers."""

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
    SELF_CHECK,
    STUDENT,
    answer_labels,
    answer_table,
    exercises_notebook,
    expected_texts,
)

MINI = Path(__file__).parent / "fixtures" / "mini.md"
LECTURE = Path(__file__).parents[2] / "slides" / "03-autodiff.md"


def tagged(nb, tag: str) -> list:
    return [c for c in nb.cells if tag in c.metadata.get("tags", [])]


def official_answers(deck) -> dict[str, str]:
    return {f.value("answer"): f.code for f in deck.code_blocks if f.has("answer")}


def run_with(nb, answers: dict[str, str], ran: list | None = None) -> dict[str, str]:
    """Fill the student cells, run the notebook top to bottom as a student would, return each
    check's text (by answer id); `ran` receives the executed notebook."""
    filled = copy.deepcopy(nb)
    for cell in tagged(filled, STUDENT):
        cell.source = answers[cell.metadata.lecturekit.answer]
    with venv_kernel() as km:
        NotebookClient(filled, km=km, kernel_name=KERNEL, timeout=120,
                       allow_errors=True).execute()
    if ran is not None:
        ran.append(filled)
    return {c.metadata.lecturekit.answer: "".join(o.get("text", "") for o in c.outputs)
            for c in tagged(filled, SELF_CHECK)}


def errors_outside_answer_cells(nb) -> list[tuple[str, str]]:
    return [(c.id, o.ename) for c in nb.cells if c.cell_type == "code"
            and STUDENT not in c.metadata.get("tags", [])
            for o in c.get("outputs", []) if o.output_type == "error"]


@pytest.fixture(scope="module")
def notebook(built: Built):
    return nbformat.read(str(built.artefacts.exercises), as_version=4)


def test_task_slides_are_kept_and_answer_slides_are_not(notebook):
    markdown = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    assert "$f(x) = x^3$ の $x = 2$ での微分係数" in markdown
    assert "演習の答え" not in markdown and "最初のコード" not in markdown


def test_answers_are_not_in_plain_sight_anywhere_in_the_file(built: Built):
    text = built.artefacts.exercises.read_text(encoding="utf-8")
    for code in official_answers(read_deck(MINI)).values():
        for line in code.splitlines():
            assert json.dumps(line)[1:-1] not in text, line
    assert "tensor(12.)" not in text and "tensor(1.)" not in text


def test_each_answer_gets_an_empty_student_cell_then_a_self_check(notebook):
    ids = list(official_answers(read_deck(MINI)))
    students, checks = tagged(notebook, STUDENT), tagged(notebook, SELF_CHECK)
    assert [c.metadata.lecturekit.answer for c in students] == ids
    assert [c.source for c in checks] == ['check("演習 (1)")', 'check("演習 (2)")']
    for student in students:
        code = [ln for ln in student.source.splitlines() if not ln.startswith("#")]
        assert code == []
        following = notebook.cells[notebook.cells.index(student) + 1]
        assert SELF_CHECK in following.metadata.tags


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


def test_empty_notebook_runs_top_to_bottom_without_errors_and_asks_for_answers():
    ran: list = []
    deck = read_deck(LECTURE)
    results = run_with(exercises_notebook(deck), dict.fromkeys(official_answers(deck), ""), ran)
    assert errors_outside_answer_cells(ran[0]) == []
    assert all("何も表示していません" in text for text in results.values()), results


def test_teaser_answered_in_one_print_with_any_rounding_layout_passes():
    deck = read_deck(LECTURE)
    answers = official_answers(deck)
    official = answers["3"]
    body = official[:official.index("print(")]
    answers["3"] = body + 'x, fx = x.item(), f(x).item()\nprint(f"{x:.3f}", f"{fx:.5f}")'
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
    assert results["1"] == ("❌ 演習 (1): まだ正解ではありません"
                            "（確かめる値 1 個のうち 0 個が一致）。\n")
    assert "何も表示していません" in results["2"]


def test_a_tensor_is_checked_by_value_and_a_bare_number_does_not_pass_for_it():
    deck = read_deck(MINI)
    answers = {**official_answers(deck), "1": "torch.tensor(3 * 2.0 ** 2)",
               "2": "print(1.0)"}
    results = run_with(exercises_notebook(deck), answers)
    assert results["1"] == "✅ 演習 (1): 正解です！\n"
    assert results["2"].startswith("❌ 演習 (2): まだ正解ではありません")


def test_exercises_are_labelled_as_students_see_them_never_by_internal_ids():
    labels = answer_labels(read_deck(LECTURE))
    assert list(labels.values()) == ["演習1 (1)", "演習1 (2)", "演習1 (3)", "演習1 (4)",
                                     "演習2 (1)", "演習2 (2)", "演習2 (3)",
                                     "演習3 前回の問題3にリベンジ"]
    nb = exercises_notebook(read_deck(LECTURE))
    shown = [c.source for c in nb.cells if not c.metadata.get("jupyter", {}).get("source_hidden")]
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
    allowed = {"error", "tensor", "numbers", "text"}
    for leaf in leaves:
        assert (isinstance(leaf, bool) or (isinstance(leaf, int) and abs(leaf) < 20)
                or leaf in allowed or re.fullmatch(r"[0-9a-f]{24}", str(leaf))), leaf
    other = parse_deck(deck.text + "\n", deck.path)
    assert answer_table(other)["演習2 (1)"] != table["演習2 (1)"]   # another salt


def test_hidden_cells_are_folded_in_jupyterlab_and_in_colab(notebook):
    hidden = [c for c in notebook.cells if c.metadata.get("jupyter", {}).get("source_hidden")]
    assert {t for c in hidden for t in c.metadata.tags} == {"setup", CONTEXT}
    for cell in hidden:
        assert cell.metadata.cellView == "form"
        assert cell.source.startswith("#@title ") and "\n" in cell.source


def test_answer_without_expected_output_is_an_error_at_its_line():
    deck = parse_deck("# t\n\n```python answer=9\nx = 1\n```\n", "t.md")
    with pytest.raises(DeckError) as caught:
        exercises_notebook(deck)
    assert caught.value.line == 3
    assert "answer block 9 has no expected output" in caught.value.message


def test_exercise_fences_are_tasks_and_answer_slide_code_stays_out_entirely():
    deck = parse_deck("# t\n\n```python exercise\nx = 3  # 使ってよい値\n```\n\n"
                      "```python\nhelper = 1\n```\n\n---\n\n<!-- _class: answer -->\n\n"
                      "```python answer=1\nprint(x * 2)  # -> 6\n```\n\n"
                      "```python\nexplained = x * 2\n```\n", "t.md")
    nb = exercises_notebook(deck)
    visible = [c for c in nb.cells if c.cell_type == "code"
               and not c.metadata.get("jupyter", {}).get("source_hidden")]
    assert [c.source for c in visible[::2]] == ["x = 3  # 使ってよい値", 'check("演習 1")']
    assert visible[1] is tagged(nb, STUDENT)[0] and len(visible) == 3
    context = "".join(c.source for c in tagged(nb, "context"))
    assert "helper = 1" in context and "explained" not in json.dumps(nb)


def test_no_expected_answer_of_the_lecture_is_written_anywhere_in_its_notebook():
    deck = read_deck(LECTURE)
    text = json.dumps(exercises_notebook(deck), ensure_ascii=False)
    shown = [t.strip() for f in deck.code_blocks if f.has("answer")
             for t in expected_texts(deck, f) if len(t.strip()) >= 5]
    assert "-0.42134" in shown and "tensor(3., requires_grad=True)" in shown
    for expected in shown:
        assert json.dumps(expected, ensure_ascii=False)[1:-1] not in text, expected
