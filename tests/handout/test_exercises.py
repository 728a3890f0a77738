"""dist/X-exercises.ipynb: tasks kept, answers removed, self-checks pass only right answers."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from lecturekit.deck import DeckError, parse_deck, read_deck
from lecturekit.handout.build import Built
from lecturekit.handout.execute import KERNEL, venv_kernel
from lecturekit.handout.exercises import SELF_CHECK, STUDENT, exercises_notebook

MINI = Path(__file__).parent / "fixtures" / "mini.md"
LECTURE = Path(__file__).parents[2] / "slides" / "03-autodiff.md"


def tagged(nb, tag: str) -> list:
    return [c for c in nb.cells if tag in c.metadata.get("tags", [])]


def official_answers(deck) -> dict[str, str]:
    return {f.value("answer"): f.code for f in deck.code_blocks if f.has("answer")}


def run_with(nb, answers: dict[str, str]) -> dict[str, str]:
    """Fill the student cells, run the notebook as a student would, return each check's text."""
    filled = copy.deepcopy(nb)
    for cell in tagged(filled, STUDENT):
        cell.source = answers[cell.metadata.lecturekit.answer]
    with venv_kernel() as km:
        NotebookClient(filled, km=km, kernel_name=KERNEL, timeout=120,
                       allow_errors=True).execute()
    return {c.metadata.lecturekit.answer: "".join(o.get("text", "") for o in c.outputs)
            for c in tagged(filled, SELF_CHECK)}


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
    assert [c.source for c in checks] == [f'check("{i}")' for i in ids]
    for student in students:
        code = [ln for ln in student.source.splitlines() if not ln.startswith("#")]
        assert code == []
        following = notebook.cells[notebook.cells.index(student) + 1]
        assert SELF_CHECK in following.metadata.tags


@pytest.mark.parametrize("deck_path", [MINI, LECTURE], ids=["fixture", "lecture"])
def test_official_answers_pass_every_self_check(deck_path: Path):
    if not deck_path.exists():
        pytest.skip(f"{deck_path} is not written yet")
    deck = read_deck(deck_path)
    results = run_with(exercises_notebook(deck), official_answers(deck))
    assert results and all("正解です" in text for text in results.values()), results


def test_wrong_or_missing_answers_fail_their_self_check():
    deck = read_deck(MINI)
    answers = official_answers(deck)
    wrong = {**answers, "1": answers["1"].replace("a**3", "a**2")}
    wrong["2"] = "pass"
    results = run_with(exercises_notebook(deck), wrong)
    assert "まだ正解ではありません" in results["1"]
    assert "何も表示していません" in results["2"]


def test_a_numerically_equal_answer_printed_differently_passes():
    deck = read_deck(MINI)
    answers = {**official_answers(deck), "1": "print(3 * 2.0 ** 2)"}
    assert "正解です" in run_with(exercises_notebook(deck), answers)["1"]


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
    assert [c.source for c in visible[::2]] == ["x = 3  # 使ってよい値", 'check("1")']
    assert visible[1] is tagged(nb, STUDENT)[0] and len(visible) == 3
    context = "".join(c.source for c in tagged(nb, "context"))
    assert "helper = 1" in context and "explained" not in json.dumps(nb)
