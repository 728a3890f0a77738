"""The self-check's one rule on the answers a reviewer tried: extra numbers, typed values,
values in any order, None; each through a real kernel, each with the exact feedback shown."""

from __future__ import annotations

import contextlib
import copy
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from nbclient import NotebookClient

from lecturekit.deck import parse_deck
from lecturekit.handout import selfcheck_kernel as kernel
from lecturekit.handout.execute import KERNEL, venv_kernel
from lecturekit.handout.exercises import SELF_CHECK, STUDENT, exercises_notebook

HERE = Path(__file__).parents[2] / "slides" / "rules.md"

ANSWERS = {   # answer id: (official code, what the slide shows)
    "many": ("print(x.grad.item())", "8.0"),
    "linspace": ("print(x.grad.item())", "8.0"),
    "label": ("print(a.grad)", "tensor(12.)"),
    "grad-fn": ("print(y)", "tensor([2., 4.])"),
    "typed-tensor": ("print(x)", "tensor(3., requires_grad=True)"),
    "typed-number": ("print(x.grad.item())", "8.0"),
    "two-vectors": ("print(a)  # -> tensor([1., 2.])\nprint(b)", "tensor([3., 4.])"),
    "own-order": ("print(a)  # -> tensor([1., 2.])\nprint(b)", "tensor([3., 4.])"),
    "overlap": ("print(2)  # -> 2\nprint(1, 2)", "1 2"),
    "none": ("print(x.grad.item())", "8.0"),
    "none-shown": ("print(x.grad.item())", "8.0"),
    "error-numbers": ("torch.zeros(3)[5]",
                      "IndexError: index 5 is out of bounds for dimension 0 with size 3"),
    "warning": ("print(x.grad.item())", "8.0"),
}
DECK = ("---\nmarp: true\nsetup: |\n  import torch\n---\n\n<!-- _class: exercise -->\n"
        "<!-- _header: 確認 -->\n\n規則の確認\n\n---\n\n<!-- _class: answer -->\n\n"
        + "".join(f"```python answer={ident}\n{code}  # -> {shown}\n```\n\n"
                  for ident, (code, shown) in ANSWERS.items()))
LABEL = {ident: f"確認 ({n})" for n, ident in enumerate(ANSWERS, start=1)}
GRAD_8 = "x = torch.tensor(3.0, requires_grad=True)\n(x**2 + 2*x + 1).backward()\n"
STUDENTS = {
    "many": "print(list(range(-100, 100)))",
    "linspace": "print(torch.linspace(0, 10, 201))",
    "label": "a = torch.tensor(2.0, requires_grad=True)\n(a**3).backward()\n"
             "print('d(x**3)/dx at x=2:', a.grad)",
    "grad-fn": "x = torch.tensor([1.0, 2.0], requires_grad=True)\nprint('y:', x * 2)",
    "typed-tensor": "print('tensor(3., requires_grad=True)')",
    "typed-number": 'print("8.0")',
    "two-vectors": "print(torch.tensor([3.0, 4.0]))\nprint([1.0, 2.0])",
    "own-order": "print(torch.tensor([2.0, 1.0]))\nprint(torch.tensor([3.0, 4.0]))",
    "overlap": "print(1, 2, 2)",
    "none": "x = torch.tensor(3.0, requires_grad=True)\nprint(x.grad)",
    "none-shown": "x = torch.tensor(3.0, requires_grad=True)\nx.grad",
    "error-numbers": "try:\n    torch.zeros(3)[5]\nexcept IndexError as e:\n"
                     "    print('エラー:', e)",
    "warning": GRAD_8 + "import warnings\nwarnings.warn(f'{10 * 3} steps, {2 ** 10} samples')"
               "\nprint(x.grad.item())",
}
RIGHT = "✅ {label}: 正解です！\n"
WRONG = "❌ {label}: まだ正解ではありません（確かめる値 {total} 個のうち {matched} 個が一致）。\n"
EXTRA = ("  ・余分な数が {n} 個表示されています：答えの値だけを表示してください"
         "（説明の文字は自由です）\n")
TYPED = "  ・文字列の中に書いた値は答えになりません：値はコードで計算して表示してください\n"
NONE = ("  ・None が表示されました：数やテンソルが入るはずの値が None です"
        "（たとえば .grad は backward() を呼ぶまで None です）\n")
ONE_NUMBER = "  ・見つからない値：数が一つ（小数第 1 位まで比べます）\n"


def wrong(ident: str, total: int, matched: int) -> str:
    return WRONG.format(label=LABEL[ident], total=total, matched=matched)


def right(ident: str) -> str:
    return RIGHT.format(label=LABEL[ident])


@pytest.fixture(scope="module")
def checked() -> dict[str, str]:
    """Each self-check's text after a student ran every answer above in one kernel."""
    nb = copy.deepcopy(exercises_notebook(parse_deck(DECK, HERE)))
    for cell in nb.cells:
        if STUDENT in cell.metadata.get("tags", []):
            cell.source = STUDENTS[cell.metadata.lecturekit.answer]
    with venv_kernel() as km:
        NotebookClient(nb, km=km, kernel_name=KERNEL, timeout=120,
                       allow_errors=True).execute()
    return {c.metadata.lecturekit.answer: "".join(o.get("text", "") for o in c.outputs)
            for c in nb.cells if SELF_CHECK in c.metadata.get("tags", [])}


def test_official_answers_pass():
    nb = copy.deepcopy(exercises_notebook(parse_deck(DECK, HERE)))
    official = {ident: "import torch\n" + GRAD_8 + "a = torch.tensor([1.0, 2.0])\n"
                "b = torch.tensor([3.0, 4.0])\n"
                "y = torch.tensor([1.0, 2.0], requires_grad=True) * 2\n"
                + code
                for ident, (code, _) in ANSWERS.items()}
    official["typed-tensor"] = "x = torch.tensor(3.0, requires_grad=True)\nprint(x)"
    official["label"] = ("a = torch.tensor(2.0, requires_grad=True)\n(a**3).backward()\n"
                         "print(a.grad)")
    for cell in nb.cells:
        if STUDENT in cell.metadata.get("tags", []):
            cell.source = official[cell.metadata.lecturekit.answer]
    with venv_kernel() as km:
        NotebookClient(nb, km=km, kernel_name=KERNEL, timeout=120,
                       allow_errors=True).execute()
    results = {c.metadata.lecturekit.answer: "".join(o.get("text", "") for o in c.outputs)
               for c in nb.cells if SELF_CHECK in c.metadata.get("tags", [])}
    assert results == {ident: right(ident) for ident in ANSWERS}


def test_every_number_shown_must_belong_to_an_expected_value(checked: dict[str, str]):
    assert checked["many"] == wrong("many", 1, 1) + EXTRA.format(n=199)
    assert checked["linspace"] == wrong("linspace", 1, 1) + EXTRA.format(n=200)


def test_labels_flags_and_diagnostics_are_not_numbers(checked: dict[str, str]):
    assert checked["label"] == right("label")                  # `x**3`, `x=2` typed: labels
    assert checked["grad-fn"] == right("grad-fn")              # grad_fn=<MulBackward0>
    assert checked["error-numbers"] == right("error-numbers")  # the message's own numbers
    assert checked["warning"] == right("warning")              # stderr: file, line, numbers


def test_a_value_typed_in_a_string_literal_is_no_answer(checked: dict[str, str]):
    assert checked["typed-tensor"] == (
        wrong("typed-tensor", 1, 0)
        + "  ・見つからない値：requires_grad などの指定つきのテンソル（形と指定も比べます）\n"
        + TYPED)
    assert checked["typed-number"] == wrong("typed-number", 1, 0) + ONE_NUMBER + TYPED


def test_values_in_any_order_each_keeping_its_own(checked: dict[str, str]):
    assert checked["two-vectors"] == right("two-vectors")
    assert checked["overlap"] == right("overlap")   # `2` and `1 2` shown as `1 2 2`
    assert checked["own-order"] == (
        wrong("own-order", 2, 1)
        + "  ・見つからない値：この順に並んだ数 2 個（小数第 4 位まで比べます）\n")


def test_none_where_a_number_is_expected_says_so(checked: dict[str, str]):
    assert checked["none"] == wrong("none", 1, 0) + ONE_NUMBER + NONE
    assert checked["none-shown"] == wrong("none-shown", 1, 0) + ONE_NUMBER + NONE


@contextlib.contextmanager
def english() -> Iterator[None]:
    saved = kernel._LK_LANG, kernel._LK_SALT, dict(kernel._LK_ANSWERS), kernel._LK_STATE.copy()
    kernel._LK_LANG, kernel._LK_SALT = "en", "salt"
    try:
        yield
    finally:
        kernel._LK_LANG, kernel._LK_SALT = saved[0], saved[1]
        kernel._LK_ANSWERS.clear()
        kernel._LK_ANSWERS.update(saved[2])
        kernel._LK_STATE.clear()
        kernel._LK_STATE.update(saved[3])


def check_in_english(expected: str | list[str], printed: str, source: str,
                     aside: str = "") -> str:
    """What `check` says of a cell that printed `printed` (and `aside` on stderr)."""
    texts = [expected] if isinstance(expected, str) else expected
    with english():
        key = kernel._lk_key("salt", "Task")
        kernel._LK_ANSWERS["Task"] = [i for t in texts for i in kernel._lk_expected(key, t)]
        chunks = [(printed, False)] + ([(aside, True)] if aside else [])
        kernel._LK_STATE["record"] = kernel._LkRecord(chunks, None, source)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            kernel.check("Task")
    return out.getvalue()


@pytest.mark.parametrize("expected, printed, source, aside", [
    ("tensor([2., 4.])", "tensor([2., 4.], device='cuda:0', dtype=torch.float64)\n",
     "print(y)", ""),
    ("tensor([2., 4.])", "[2.0, 4.0]\n", "print(x.grad.tolist())", ""),
    ("2.0 4.0 6.0", "x1: 2.0 x2: 4.0 x3: 6.0\n", "print('x1:', a, 'x2:', b, 'x3:', c)", ""),
    ("2.0 4.0 6.0", "1: 2.0 2: 4.0 3: 6.0\n", "print('1:', a, '2:', b, '3:', c)", ""),
    (["0.190", "-0.42134"], "f(x) = -0.42134 at x = 0.190\n",
     "print(f'f(x) = {fx:.5f} at x = {x:.3f}')", ""),
    ("8.0", "8.0\n", "print(x.grad.item())",
     "Traceback (most recent call last):\n  File \"/tmp/a.py\", line 12, in f\n"
     "ValueError: 30 of 40\n"),
], ids=["tensor-flags", "list", "names", "typed-labels", "f-string", "stderr"])
def test_legitimate_answers_still_pass(expected, printed: str, source: str, aside: str):
    assert check_in_english(expected, printed, source, aside) == "✅ Task: correct!\n"


@pytest.mark.parametrize("printed, source, feedback", [
    ("[-1, 0, 1, 2, 8]\n", "print([-1, 0, 1, 2, 8])",
     "  - 4 extra number(s) shown: print only the answer's values (labels and other text "
     "are fine)\n"),
    ("8.0\n", "print('8.0')",
     "  - not found: a number (compared at 1 decimal place(s))\n"
     "  - a value written inside a string literal is no answer: compute the value and "
     "print it\n"),
    ("None\n", "print(x.grad)",
     "  - not found: a number (compared at 1 decimal place(s))\n"
     "  - None was shown: the value is None where a number or tensor is expected (for "
     "example .grad stays None until backward() has run)\n"),
], ids=["extra", "typed", "none"])
def test_feedback_in_english(printed: str, source: str, feedback: str):
    matched = 1 if "extra" in feedback else 0
    assert check_in_english("8.0", printed, source) == (
        f"❌ Task: not right yet ({matched} of the 1 values checked match).\n" + feedback)
