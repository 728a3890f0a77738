"""The self-check's one rule on the answers reviewers tried: extra numbers, typed values
(in a string, or an expression of numbers only), values in any order, None, a wrong
tensor's part, a caught error printed after a label or swallowed, a check run after another
exercise's or after a 📎 context cell, a right value found without the function the exercise asks
for, a right value before an error; each with the exact feedback shown."""

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
    "overlap": ("n = 2\nprint(n)  # -> 2\nprint(n - 1, n)", "1 2"),
    "none": ("print(x.grad.item())", "8.0"),
    "none-shown": ("print(x.grad.item())", "8.0"),
    "error-numbers": ("torch.zeros(3)[5]",
                      "IndexError: index 5 is out of bounds for dimension 0 with size 3"),
    "warning": ("print(x.grad.item())", "8.0"),
    "tensor-values": ("t = torch.tensor([2.0, 4.0, 6.0], requires_grad=True)\nprint(t)",
                      "tensor([2., 4., 6.], requires_grad=True)"),
    "tensor-shape": ("t = torch.tensor([[3.0, 4.0, 5.0]], requires_grad=True)\nprint(t)",
                     "tensor([[3., 4., 5.]], requires_grad=True)"),
    "tensor-flag": ("t = torch.tensor([2.0, 4.0, 6.0], requires_grad=True)\nprint(t)",
                    "tensor([2., 4., 6.], requires_grad=True)"),
    "error-label-type": ("torch.tensor(3, requires_grad=True)",
                         "RuntimeError: Only Tensors of floating point and complex dtype can "
                         "require gradients"),
    "stopped": ("print(x.grad.item())", "8.0"),
    "syntax": ("print(x.grad.item())", "8.0"),
    "no-error": ("torch.tensor(3, requires_grad=True)",
                 "RuntimeError: Only Tensors of floating point and complex dtype can "
                 "require gradients"),
    "print-number": ("print(x.grad.item())", "8.0"),
    "print-arithmetic": ("print(x.grad.item())", "8.0"),
    "bare-number": ("print(x.grad.item())", "8.0"),
    "module-call": ("print(x.grad.item())", "8.0"),
    "vector": ("print(*x.grad.tolist())", "2.0 4.0 6.0"),
    "finite-difference": ("x = torch.tensor(3.0, requires_grad=True)\n"
                          "(x**2 + 2*x + 1).backward()\nprint(x.grad.item())", "8.0"),
    "backward": ("x = torch.tensor(3.0, requires_grad=True)\n"
                 "(x**2 + 2*x + 1).backward()\nprint(x.grad.item())", "8.0"),
    "then-error": ("print(x.grad.item())", "8.0"),
    "swallowed": ("torch.tensor(3, requires_grad=True)",
                  "RuntimeError: Only Tensors of floating point and complex dtype can "
                  "require gradients"),
}
INFO = {"finite-difference": " uses=backward", "backward": " uses=backward"}
"""Words the answer fence carries beside `answer=ID`."""
DECK = ("---\nmarp: true\nsetup: |\n  import torch\n---\n\n<!-- _class: exercise -->\n"
        "<!-- _header: 確認 -->\n\n規則の確認\n\n---\n\n<!-- _class: answer -->\n\n"
        + "".join(f"```python answer={ident}{INFO.get(ident, '')}\n{code}  # -> {shown}\n"
                  f"```\n\n" for ident, (code, shown) in ANSWERS.items()))
LABEL = {ident: f"確認 ({n})" for n, ident in enumerate(ANSWERS, start=1)}
GRAD_8 = "x = torch.tensor(3.0, requires_grad=True)\n(x**2 + 2*x + 1).backward()\n"
STUDENTS = {
    "many": "n = 100\nprint(list(range(-n, n)))",
    "linspace": "n = 201\nprint(torch.linspace(0, 10, n))",
    "label": "a = torch.tensor(2.0, requires_grad=True)\n(a**3).backward()\n"
             "print('d(x**3)/dx at x=2:', a.grad)",
    "grad-fn": "x = torch.tensor([1.0, 2.0], requires_grad=True)\nprint('y:', x * 2)",
    "typed-tensor": "print('tensor(3., requires_grad=True)')",
    "typed-number": 'print("8.0")',
    "two-vectors": "a, b = [1.0, 2.0], torch.tensor([3.0, 4.0])\nprint(b)\nprint(a)",
    "own-order": "a, b = torch.tensor([2.0, 1.0]), torch.tensor([3.0, 4.0])\nprint(a)\n"
                 "print(b)",
    "overlap": "n = 2\nprint(n - 1, n, n)",
    "none": "x = torch.tensor(3.0, requires_grad=True)\nprint(x.grad)",
    "none-shown": "x = torch.tensor(3.0, requires_grad=True)\nx.grad",
    "error-numbers": "try:\n    torch.zeros(3)[5]\nexcept IndexError as e:\n"
                     "    print('エラー:', e)",
    "warning": GRAD_8 + "import warnings\nwarnings.warn(f'{10 * 3} steps, {2 ** 10} samples')"
               "\nprint(x.grad.item())",
    "tensor-values": "t = torch.tensor([3.0, 4.0, 6.0], requires_grad=True)\nprint(t)",
    "tensor-shape": "t = torch.tensor([[3.0], [4.0], [5.0]], requires_grad=True)\nprint(t)",
    "tensor-flag": "t = torch.tensor([2.0, 4.0, 6.0])\nprint(t)",
    "error-label-type": "try:\n    torch.tensor(3, requires_grad=True)\nexcept Exception as e:\n"
                        "    print('エラー:', type(e).__name__, e)",
    "stopped": "x = torch.tensor(3.0)\n(x**2).backward()\nprint(x.grad.item())",
    "syntax": "print(x.grad.item()",
    "no-error": "try:\n    x = torch.tensor(3.0, requires_grad=True)\nexcept Exception as e:\n"
                "    print(type(e).__name__, e)",
    "print-number": "print(8)",
    "print-arithmetic": "print(2*3+2)",
    "bare-number": "8.0",
    "module-call": "import math\nprint(math.sqrt(64), torch.tensor(8.))",
    "vector": "x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)\n(x**2).sum().backward()\n"
              "print(*x.grad.tolist()[:2])",
    "finite-difference": "f = lambda x: x**2 + 2*x + 1\nh = 0.01\n"
                         "print((f(3 + h) - f(3 - h)) / (2 * h))",
    "backward": GRAD_8 + "print('d/dx:', x.grad)",
    "then-error": GRAD_8 + "print(x.grad.item())\nprint(y_undefined)",
    "swallowed": "try:\n    torch.tensor(3, requires_grad=True)\nexcept:\n    pass",
}
RIGHT = "✅ {label}: 正解です！\n"
WRONG = ("❌ {label}: まだ正解ではありません（確かめる値 {total} 個のうち、"
         "見つかったのは {matched} 個です）。\n")
WRONG_ONE = "❌ {label}: まだ正解ではありません（確かめる値が見つかりません）。\n"
WRONG_NONE = ("❌ {label}: まだ正解ではありません（確かめる値 {total} 個が、"
              "どれもまだ見つかりません）。\n")
TYPED_EXPR = ("  ・数だけで書いた式の値（print(8) や print(2*3+2) など）は答えになりません："
              "値は変数を使って計算して表示してください\n")
EXTRA = ("❌ {label}: 値は合っていますが、ほかに余分な数が {n} 個表示されています。\n"
         "  ・余分な数：{which}\n"
         "  ・答えの値だけを表示してください（説明の文字は自由です）\n")
TYPED = "  ・文字列の中に書いた値は答えになりません：値はコードで計算して表示してください\n"
NONE = ("  ・None が表示されました：数やテンソルが入るはずの値が None です"
        "（たとえば .grad は backward() を呼ぶまで None です）\n")
ONE_NUMBER = "  ・見つからない値：数が一つ（小数第 1 位まで比べます）\n"

def first_line(cell) -> str:
    """The answer cell's own first line (`# 演習1 (1): ...`), which a student writes below:
    without cell ids it is how the check knows the cell run last is that answer cell."""
    return cell.source.split("\n", 1)[0] + "\n"


def wrong(ident: str, total: int, matched: int) -> str:
    """The first line of a wrong answer's feedback (the answer cell keeps its first line,
    so the check knows it is that answer even without cell ids)."""
    form = WRONG if matched else WRONG_NONE if total > 1 else WRONG_ONE
    return form.format(label=LABEL[ident], total=total, matched=matched)


def right(ident: str) -> str:
    return RIGHT.format(label=LABEL[ident])


@pytest.fixture(scope="module")
def checked() -> dict[str, str]:
    """Each self-check's text after a student ran every answer above in one kernel."""
    return run_answers(STUDENTS)


def run_answers(answers: dict[str, str]) -> dict[str, str]:
    """Each self-check's text after the notebook ran top to bottom with `answers` (by answer
    id) in its student cells."""
    nb = copy.deepcopy(exercises_notebook(parse_deck(DECK, HERE)))
    for cell in nb.cells:
        if STUDENT in cell.metadata.get("tags", []):
            cell.source = first_line(cell) + answers[cell.metadata.lecturekit.answer]
    with venv_kernel() as km:
        NotebookClient(nb, km=km, kernel_name=KERNEL, timeout=120,
                       allow_errors=True).execute()
    return {c.metadata.lecturekit.answer: "".join(o.get("text", "") for o in c.outputs)
            for c in nb.cells if SELF_CHECK in c.metadata.get("tags", [])}


def test_official_answers_pass():
    official = {ident: "import torch\n" + GRAD_8 + "a = torch.tensor([1.0, 2.0])\n"
                "b = torch.tensor([3.0, 4.0])\n"
                "y = torch.tensor([1.0, 2.0], requires_grad=True) * 2\n"
                + code
                for ident, (code, _) in ANSWERS.items()}
    official["typed-tensor"] = "x = torch.tensor(3.0, requires_grad=True)\nprint(x)"
    official["label"] = ("a = torch.tensor(2.0, requires_grad=True)\n(a**3).backward()\n"
                         "print(a.grad)")
    official["vector"] = ("x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)\n"
                          "(x**2).sum().backward()\nprint(*x.grad.tolist())")
    assert run_answers(official) == {ident: right(ident) for ident in ANSWERS}


def test_every_number_shown_must_belong_to_an_expected_value(checked: dict[str, str]):
    assert checked["many"] == EXTRA.format(
        label=LABEL["many"], n=199,
        which="-100, -99, -98, -97, -96, …（「[-100, -99, -98, -97, -96, -95, -94, -93, -92, "
              "-91, -90, -8…」の行）")
    assert checked["linspace"].startswith(
        f"❌ {LABEL['linspace']}: 値は合っていますが、ほかに余分な数が 200 個表示されています。\n"
        "  ・余分な数：0.0000, 0.0500, 0.1000, 0.1500, 0.2000, …（「tensor([ 0.0000, "), \
        checked["linspace"]


def test_labels_flags_and_diagnostics_are_not_numbers(checked: dict[str, str]):
    assert checked["label"] == right("label")                  # `x**3`, `x=2` typed: labels
    assert checked["grad-fn"] == right("grad-fn")              # grad_fn=<MulBackward0>
    assert checked["error-numbers"] == right("error-numbers")  # the message's own numbers
    assert checked["warning"] == right("warning")              # stderr: file, line, numbers
    assert checked["error-label-type"] == right("error-label-type")   # エラー: Type message


def test_a_wrong_tensor_is_told_which_part_is_wrong(checked: dict[str, str]):
    assert checked["tensor-values"] == (
        wrong("tensor-values", 1, 0)
        + "  ・テンソルの値が違います（形は合っています。小数第 4 位まで比べます）\n")
    assert checked["tensor-shape"] == (
        wrong("tensor-shape", 1, 0)
        + "  ・テンソルの形が違います（1×3 ではなく 3×1 が表示されました）\n")
    assert checked["tensor-flag"] == (
        wrong("tensor-flag", 1, 0) + "  ・requires_grad=True の指定がありません\n")


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
        + "  ・見つからない値：この順に並んだ数 2 個（小数第 4 位まで比べます）\n"
        + "  ・2 個の数は表示されていますが、順番が違います：値どうしはどの順でも"
          "かまいませんが、ひとつのベクトルの成分は順番どおりに表示してください\n")


def test_a_value_shown_by_an_expression_that_reads_no_variable_is_no_answer(
        checked: dict[str, str]):
    for ident in ("print-number", "print-arithmetic", "bare-number", "module-call"):
        assert checked[ident] == wrong(ident, 1, 0) + ONE_NUMBER + TYPED_EXPR, ident


def test_a_missing_vector_is_counted_as_the_one_value_it_is(checked: dict[str, str]):
    assert checked["vector"] == (
        wrong("vector", 1, 0)
        + "  ・見つからない値：この順に並んだ数 3 個（小数第 1 位まで比べます）\n")
    assert "1 個のうち 0 個" not in checked["vector"]


def test_right_values_without_the_function_the_exercise_asks_for_are_not_accepted(
        checked: dict[str, str]):
    assert checked["finite-difference"] == (
        f"❌ {LABEL['finite-difference']}: 値は合っていますが、この演習では backward() を"
        "使って計算してください（すぐ上のセルは backward() を呼んでいません）。\n")
    assert checked["backward"] == right("backward")


def test_right_values_then_an_error_are_not_accepted(checked: dict[str, str]):
    assert checked["then-error"] == (
        f"❌ {LABEL['then-error']}: 値は合っていますが、すぐ上のセルはエラーで止まりました："
        "NameError: name 'y_undefined' is not defined。エラーを直して、もう一度実行して"
        "から、このセルを実行してください。\n")


def test_an_error_caught_and_shown_nothing_is_told_so(checked: dict[str, str]):
    assert checked["swallowed"] == (
        f"❌ {LABEL['swallowed']}: エラーは except で捕まえられたようですが、表示されて"
        "いません。except の中でエラーを表示してください"
        "（except Exception as e: と書いて print(type(e).__name__, e)）。\n")


ORDER_DECK = ("---\nmarp: true\nsetup: |\n  import torch\n---\n\n```python\nbase = 3.0\n```"
              "\n\n---\n\n<!-- _class: exercise -->\n<!-- _header: 順番 -->\n\n確認\n\n---"
              "\n\n<!-- _class: answer -->\n\n```python answer=order\n"
              "x = torch.tensor(base)\nprint(x.item() + 5)  # -> 8.0\n```\n")


def test_a_slides_cell_run_between_an_answer_and_its_check_is_not_what_it_checks():
    nb = exercises_notebook(parse_deck(ORDER_DECK, HERE))
    ids = [c.get("id") for c in nb.cells]
    context = nb.cells.pop(next(i for i, c in enumerate(nb.cells)
                                if "context" in c.metadata.get("tags", [])))
    student = next(i for i, c in enumerate(nb.cells) if STUDENT in c.metadata.get("tags", []))
    nb.cells[student].source = "base = 3.0\nx = torch.tensor(base)\nprint(x.item() + 5)"
    nb.cells.insert(student + 1, context)   # answer, 📎 context cell, check
    assert [c.get("id") for c in nb.cells] != ids
    with venv_kernel() as km:
        NotebookClient(nb, km=km, kernel_name=KERNEL, timeout=120,
                       allow_errors=True).execute()
    checks = ["".join(o.get("text", "") for o in c.outputs)
              for c in nb.cells if SELF_CHECK in c.metadata.get("tags", [])]
    assert checks == ["✅ 順番: 正解です！\n"]


def test_none_where_a_number_is_expected_says_so(checked: dict[str, str]):
    assert checked["none"] == wrong("none", 1, 0) + ONE_NUMBER + NONE
    assert checked["none-shown"] == wrong("none-shown", 1, 0) + ONE_NUMBER + NONE


def test_a_cell_that_stopped_with_an_error_is_told_so_first(checked: dict[str, str]):
    assert checked["stopped"] == (
        WRONG_ONE.format(label=LABEL["stopped"])   # an error: not taken for a scratch cell
        + "  ・すぐ上のセルはエラーで止まりました：RuntimeError: element 0 of tensors does not "
          "require grad and does not have a grad_fn（先にエラーを直しましょう）\n" + ONE_NUMBER)
    head, stopped, rest = checked["syntax"].partition(
        "  ・すぐ上のセルはエラーで止まりました：SyntaxError: ")
    assert head == WRONG_ONE.format(label=LABEL["syntax"]) and stopped, checked["syntax"]
    assert rest.endswith("（先にエラーを直しましょう）\n" + ONE_NUMBER), rest


def test_an_error_answer_whose_code_raised_nothing_is_told_no_error_occurred(
        checked: dict[str, str]):
    assert checked["no-error"] == (
        f"❌ {LABEL['no-error']}: すぐ上のセルではエラーが起きませんでした"
        "（何も表示されていません）。この問題の答えはエラーです："
        "エラーが起きるコードを try の中に書いて実行してから、"
        "このセルを実行してください。\n")


@contextlib.contextmanager
def english() -> Iterator[None]:
    saved = kernel._LK_LANG, kernel._LK_SALT, dict(kernel._LK_ANSWERS), kernel._LK_STATE.copy()
    cells = dict(kernel._LK_CELLS)
    kernel._LK_LANG, kernel._LK_SALT = "en", "salt"
    try:
        yield
    finally:
        kernel._LK_CELLS.clear()
        kernel._LK_CELLS.update(cells)
        kernel._LK_LANG, kernel._LK_SALT = saved[0], saved[1]
        kernel._LK_ANSWERS.clear()
        kernel._LK_ANSWERS.update(saved[2])
        kernel._LK_STATE.clear()
        kernel._LK_STATE.update(saved[3])


def check_in_english(expected: str | list[str], printed: str, source: str,
                     aside: str = "", uses: tuple[str, ...] = (), typed: bool = False,
                     error: tuple[str, str] | None = None) -> str:
    """What `check` says of a cell that printed `printed` (and `aside` on stderr; `typed`:
    by a `print` that reads no variable) and raised `error`, where the answer must call
    one of `uses`."""
    texts = [expected] if isinstance(expected, str) else expected
    with english():
        key = kernel._lk_key("salt", "Task")
        kernel._LK_ANSWERS["Task"] = [i for t in texts for i in kernel._lk_expected(key, t)]
        if uses:
            kernel._LK_ANSWERS["Task"].append({"kind": "uses", "names": list(uses)})
        chunks = [(printed, False, typed)] + ([(aside, True)] if aside else [])
        record = kernel._LkRecord(chunks, error, source)
        record.cell_id = kernel._LK_CELLS["Task"] = "answer-task"   # a frontend with ids
        kernel._LK_STATE["record"] = record
        kernel._LK_STATE["records"] = {"answer-task": record}
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


def test_extra_numbers_after_right_values_are_said_in_one_line():
    assert check_in_english("8.0", "[-1, 0, 1, 2, 8.0]\n", "print([-1, 0, 1, 2, x])") == (
        "❌ Task: the values are right, but 4 extra number(s) are shown too.\n"
        "  - the extra numbers: -1, 0, 1, 2 (on the line “[-1, 0, 1, 2, 8.0]”)\n"
        "  - print only the answer's values (labels and other text are fine)\n")


TENSOR = "tensor([[3., 4., 5.],\n        [6., 7., 8.]], requires_grad=True)"


@pytest.mark.parametrize("printed, feedback", [
    ("tensor([[3., 4., 5.],\n        [6., 7., 9.]], requires_grad=True)\n",
     "  - the tensor's values are wrong (its shape is right; compared at 4 decimal "
     "place(s))\n"),
    ("tensor([[3., 6.],\n        [4., 7.],\n        [5., 8.]], requires_grad=True)\n",
     "  - the tensor's shape is wrong (3×2 shown, not 2×3)\n"),
    ("tensor([[3., 4., 5.],\n        [6., 7., 8.]])\n",
     "  - requires_grad=True is missing\n"),
    ("tensor([3., 4., 5.])\n",
     "  - the tensor's shape is wrong (a vector of 3 shown, not 2×3)\n"
     "  - requires_grad=True is missing\n"),
    ("[[3.0, 4.0, 5.0], [6.0, 7.0, 8.0]]\n",
     "  - not found: a tensor with flags such as requires_grad (shape and flags compared "
     "too)\n"
     "  - the values are right, but not shown as a tensor: show the tensor itself, so that "
     "its flags such as requires_grad show too\n"),
], ids=["values", "shape", "flag", "shape-and-flag", "no-tensor"])
def test_a_wrong_tensor_in_english(printed: str, feedback: str):
    assert check_in_english(TENSOR, printed, "print(M)") == (
        "❌ Task: not right yet (the value checked was not found).\n" + feedback)


@pytest.mark.parametrize("lang, other", [
    ("en", "❔ Task 2: the cell run just before was already checked as the answer of Task. "
           "Run your answer cell for Task 2 first, then run this one.\n"),
    ("ja", "❔ Task 2: すぐ上で実行されたセルは、Task の答えとして確かめ済みです。"
           "先に Task 2 の答えのセルを実行してから、このセルを実行してください。\n"),
])
def test_a_record_belongs_to_the_first_check_that_reads_it(lang: str, other: str):
    with english():
        kernel._LK_LANG = lang
        for label in ("Task", "Task 2"):
            key = kernel._lk_key("salt", label)
            kernel._LK_ANSWERS[label] = kernel._lk_expected(key, "8.0")
        kernel._LK_STATE["record"] = kernel._LkRecord([("8.0\n", False)], None, "print(y)")
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            kernel.check("Task")
            kernel.check("Task")    # the same check again: still this exercise's answer
            kernel.check("Task 2")  # another exercise's check: not its answer
        right = {"en": "✅ Task: correct!\n", "ja": "✅ Task: 正解です！\n"}[lang]
        assert out.getvalue() == right + right + other


def test_a_cell_that_showed_nothing_belongs_to_no_check():
    """A helper cell (`run_slides`) shows nothing: every check says so, none claims it."""
    with english():
        for label in ("Task", "Task 2"):
            key = kernel._lk_key("salt", label)
            kernel._LK_ANSWERS[label] = kernel._lk_expected(key, "8.0")
        kernel._LK_STATE["record"] = kernel._LkRecord([], None, "run_slides('Task')")
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            kernel.check("Task")
            kernel.check("Task 2")
    assert out.getvalue() == "".join(
        f"❔ {label}: the cell just above showed nothing. Print your answer, run that cell, "
        "then run this one.\n" for label in ("Task", "Task 2"))


@pytest.mark.parametrize("printed, source, feedback", [
    ("8.0\n", "print('8.0')",
     "  - not found: a number (compared at 1 decimal place(s))\n"
     "  - a value written inside a string literal is no answer: compute the value and "
     "print it\n"),
    ("None\n", "print(x.grad)",
     "  - not found: a number (compared at 1 decimal place(s))\n"
     "  - None was shown: the value is None where a number or tensor is expected (for "
     "example .grad stays None until backward() has run)\n"),
], ids=["typed", "none"])
def test_feedback_in_english(printed: str, source: str, feedback: str):
    assert check_in_english("8.0", printed, source) == (
        "❌ Task: not right yet (the value checked was not found).\n" + feedback)


def test_a_failed_cell_and_an_error_answer_without_error_in_english():
    with english():
        for label, text in (("Task", "8.0"), ("Raise", "ValueError: no")):
            kernel._LK_ANSWERS[label] = kernel._lk_expected(kernel._lk_key("salt", label), text)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            kernel._LK_STATE["record"] = kernel._LkRecord(
                [("\nNameError: name 'y' is not defined", True)],
                ("NameError", "name 'y' is not defined"), "print(y)")
            kernel.check("Task")
            kernel._LK_STATE["record"] = kernel._LkRecord(
                [], None, "try:\n    int('3')\nexcept Exception as e:\n    print(e)\n")
            kernel.check("Raise")
            kernel._LK_STATE["record"] = kernel._LkRecord(   # the skeleton as built
                [], None, "try:\n    # your code here\n    pass\nexcept Exception as e:\n"
                "    print(type(e).__name__, e)\n")
            kernel.check("Raise")
    assert out.getvalue() == (
        "❌ Task: not right yet (the value checked was not found).\n"
        "  - the cell just above stopped with an error: NameError: name 'y' is not defined "
        "(fix it first)\n"
        "  - not found: a number (compared at 1 decimal place(s))\n"
        "  * the cell run last was taken as your answer (if you ran another cell after it, "
        "run your answer cell again)\n"   # no cell ids, no first line: the cell run last
        "❌ Raise: the cell just above raised no error (and showed nothing). The answer here "
        "is an error: write code that raises it inside the try, run that cell, then run this "
        "one.\n"
        "❔ Raise: the cell just above showed nothing (and raised no error). Write your code "
        "inside the try, run that cell, then run this one.\n")


def test_the_new_feedback_in_english():
    assert check_in_english("8.0", "8\n", "print(8)", typed=True) == (
        "❌ Task: not right yet (the value checked was not found).\n"
        "  - not found: a number (compared at 1 decimal place(s))\n"
        "  - a value written with numbers only (print(8), print(2*3+2)) is no answer: "
        "compute it from your variables and print it\n")
    assert check_in_english(["8.0", "2.0 4.0 6.0"], "7.0\n", "print(y)") == (
        "❌ Task: not right yet (none of the 2 values checked was found yet).\n"
        "  - not found: a number (compared at 1 decimal place(s))\n"
        "  - not found: 3 numbers in this order (compared at 1 decimal place(s))\n")
    assert check_in_english(["8.0", "2.0 4.0 6.0"], "8.0\n", "print(y)") == (
        "❌ Task: not right yet (1 of the 2 values checked were found).\n"
        "  - not found: 3 numbers in this order (compared at 1 decimal place(s))\n")
    assert check_in_english("8.0", "8.0\n", "print(x.grad.item())",
                            error=("NameError", "name 'z' is not defined")) == (
        "❌ Task: the values are right, but the cell just above stopped with an error: "
        "NameError: name 'z' is not defined. Fix it, run that cell again, then run this "
        "one.\n")


@pytest.mark.parametrize("source, feedback", [
    ("(g,) = torch.autograd.grad(f(x), x)\nprint(g.item())", "✅ Task: correct!\n"),
    ("y = f(x)\ny.backward()\nprint(x.grad.item())", "✅ Task: correct!\n"),
    ("h = 1e-3\nprint((f(x + h) - f(x - h)) / (2 * h))",
     "❌ Task: the values are right, but this exercise asks to compute them with backward() "
     "or grad() (the cell just above does not call it).\n"),
    ("print(grad)  # x.grad read, not called: print(x.backward)",
     "❌ Task: the values are right, but this exercise asks to compute them with backward() "
     "or grad() (the cell just above does not call it).\n"),
], ids=["grad", "backward", "finite-difference", "named-not-called"])
def test_an_answer_must_call_one_of_the_names_its_exercise_uses(source: str, feedback: str):
    assert check_in_english("8.0", "8.0\n", source, uses=("backward", "grad")) == feedback


@pytest.mark.parametrize("handler", ["except:\n    pass", "except Exception:\n    pass",
                                     "except Exception as e:\n    caught = e"])
def test_an_expected_error_caught_and_not_shown_is_told_so_in_english(handler: str):
    source = f"try:\n    int('x')\n{handler}\n"
    assert check_in_english("ValueError: no", "", source) == (
        "❌ Task: the error seems to be caught by except but not shown. Print it inside "
        "except (write except Exception as e: and print(type(e).__name__, e)).\n")
    assert check_in_english("ValueError: no", "done\n", source + "print('done')") == (
        "❌ Task: not right yet (the value checked was not found).\n"
        "  - not found: the error's type and message\n"
        "  - the error seems to be caught by except but not shown: print it there with "
        "print(type(e).__name__, e)\n")


IDS_DECK = ("---\nmarp: true\nsetup: |\n  import torch\n---\n\n<!-- _class: exercise -->\n"
            "<!-- _header: 実行 -->\n\n確認\n\n"
            "```python\nw = torch.ones(2)\nprint(w.sum().item())\n```\n\n"
            "---\n\n<!-- _class: answer -->\n\n"
            "```python answer=grad uses=backward,grad\n" + GRAD_8
            + "print(x.grad.item())  # -> 8.0\n```\n\n"
            "```python answer=vec\nx = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)\n"
            "(x**2).sum().backward()\nprint(*x.grad.tolist())  # -> 2.0 4.0 6.0\n```\n\n"
            "```python answer=leaf\nM = torch.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]], "
            "requires_grad=True)\nprint(M)  # -> tensor([[0., 1., 2.], [3., 4., 5.]], "
            "requires_grad=True)\n```\n\n"
            "```python answer=raise\ntorch.tensor(3, requires_grad=True)  # -> RuntimeError: "
            "Only Tensors of floating point and complex dtype can require gradients\n```\n\n"
            "```python answer=digits\nv = -0.421341\nprint(f'{v:.5f}')  # -> -0.42134\n```\n")
IDS_LABEL = {ident: f"実行 ({n})"
             for n, ident in enumerate(["grad", "vec", "leaf", "raise", "digits"], start=1)}
VEC = "x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)\n(x**2).sum().backward()\n"
ERROR = "Only Tensors of floating point and complex dtype can require gradients"


class Frontend:
    """A kernel driven as JupyterLab drives it: each execute request carries its cell's
    id (`cellId`), unless `ids` is off (a frontend that sends none)."""

    def __init__(self, km: object, ids: bool) -> None:
        km.start_kernel()  # type: ignore[attr-defined]
        self.kc = km.client()  # type: ignore[attr-defined]
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=60)
        self.ids = ids
        nb = exercises_notebook(parse_deck(IDS_DECK, HERE))
        self.setup = next(c.source for c in nb.cells if c.id == "setup")
        self.task = next(c for c in nb.cells if c.id.startswith("task-"))   # the slide's code
        self.run(self.setup, "setup")

    def run(self, code: str, cell_id: str) -> str:
        msg = self.kc.session.msg("execute_request", {
            "code": code, "silent": False, "store_history": True, "user_expressions": {},
            "allow_stdin": False, "stop_on_error": True})
        if self.ids:
            msg["metadata"]["cellId"] = cell_id
        self.kc.shell_channel.send(msg)
        out = []
        while True:
            reply = self.kc.get_iopub_msg(timeout=60)
            if reply["parent_header"].get("msg_id") != msg["header"]["msg_id"]:
                continue
            kind, content = reply["msg_type"], reply["content"]
            if kind == "stream":
                out.append(content["text"])
            elif kind == "status" and content["execution_state"] == "idle":
                return "".join(out)

    def answer(self, ident: str, code: str, *scratch: str) -> str:
        """What the check of `ident` says after its answer cell ran `code`, then scratch
        cells of their own ran `scratch`."""
        self.run(code, f"answer-{ident}")
        for n, text in enumerate(scratch):
            self.run(text, f"scratch-{n}")
        return self.run(f"check({IDS_LABEL[ident]!r})", f"answer-{ident}-check")


@pytest.fixture(scope="module")
def lab() -> Iterator[Frontend]:
    with venv_kernel() as km:
        frontend = Frontend(km, ids=True)
        yield frontend
        frontend.kc.stop_channels()


def ids_right(ident: str) -> str:
    return RIGHT.format(label=IDS_LABEL[ident])


def ids_wrong(ident: str) -> str:
    return WRONG_ONE.format(label=IDS_LABEL[ident])


def test_with_cell_ids_a_scratch_cell_run_after_the_answer_is_not_what_is_checked(
        lab: Frontend):
    assert lab.answer("grad", GRAD_8 + "print(x.grad.item())", "1 + 1",
                      "print('scratch')") == ids_right("grad")


TAKEN_LAST = ("  ※ 最後に実行したセルを答えとみなしました（あとで別のセルを実行したなら、"
              "答えのセルを実行し直してください）\n")
TENFOLD = ("  ・表示された値が、ちょうど 10 倍になっています：同じものが 10 回足し合わされて"
           "いないか、確かめましょう\n")


@pytest.fixture(scope="module")
def colab() -> Iterator[Frontend]:
    """A frontend that sends no cell ids (nbclient; probably Colab)."""
    with venv_kernel() as km:
        frontend = Frontend(km, ids=False)
        yield frontend
        frontend.kc.stop_channels()


def test_without_cell_ids_an_answer_cell_that_lost_its_first_line_is_judged_with_hints(
        colab: Frontend):
    """The student ran the answer cell last, but deleted its `# 実行 (1): ...` line: a wrong
    answer is told what is wrong (not "run the answer cell again", which sends the
    student round in circles), and one line says the cell run last was taken as the
    answer."""
    assert colab.answer("grad", GRAD_8 + "print(x.grad.item() * 10)") == (
        ids_wrong("grad") + ONE_NUMBER + TENFOLD + TAKEN_LAST)
    assert colab.answer("grad", "x = torch.tensor(3.0, requires_grad=True)\nprint(x.grad)") == (
        ids_wrong("grad") + ONE_NUMBER + NONE + TAKEN_LAST)
    assert colab.answer("digits", "v = torch.tensor(-0.421341)\nprint(v)") == (
        ids_wrong("digits") + "  ・見つからない値：数が一つ（小数第 5 位まで比べます）\n"
        "  ・小数第 5 位まで比べますが、それより少ない桁で表示された数があります（-0.4213）："
        "すべての桁を表示してください（テンソルの値なら、Python の数にしてから表示するなど）\n"
        + TAKEN_LAST)
    assert colab.answer("grad", 'print("8.0")') == (
        ids_wrong("grad") + ONE_NUMBER + TYPED + TAKEN_LAST)
    assert colab.answer("vec", VEC + "print(*x.grad.tolist(), 5)") == (
        f"❌ {IDS_LABEL['vec']}: 値は合っていますが、ほかに余分な数が 1 個表示されています。\n"
        "  ・余分な数：5（「2.0 4.0 6.0 5」の行）\n"
        "  ・答えの値だけを表示してください（説明の文字は自由です）\n" + TAKEN_LAST)
    assert colab.answer("grad", GRAD_8 + "print(x.grad.item())") == ids_right("grad")


def test_without_cell_ids_a_scratch_cell_run_after_the_answer_is_judged_saying_so(
        colab: Frontend):
    """A scratch cell run between the answer and its check is what a check without cell
    ids reads: its verdict ends saying the cell run last was taken as the answer, so the
    student knows to run the answer cell again; then the answer passes."""
    said = colab.answer("grad", GRAD_8 + "print(x.grad.item())", "1 + 1")
    assert said == ids_wrong("grad") + ONE_NUMBER + TAKEN_LAST
    tenfold = colab.answer("grad", GRAD_8 + "print(x.grad.item())", "print(x.grad.item() * 10)")
    assert tenfold == ids_wrong("grad") + ONE_NUMBER + TENFOLD + TAKEN_LAST
    assert colab.answer("grad", GRAD_8 + "print(x.grad.item())") == ids_right("grad")


def test_without_cell_ids_a_wrong_answer_in_its_answer_cell_is_wrong_not_unjudged(
        colab: Frontend):
    """The answer cell keeps its first line (`# 実行 (1): ...`): a wrong value there is a
    wrong answer, without the line about the cell run last; another exercise's answer
    cell run last is named as such, and left to its own check."""
    label = IDS_LABEL["grad"]
    first = f"# {label}: この行は消さずに、下に答えのコードを書いて実行してください。\n"
    said = colab.answer("grad", first + GRAD_8 + "print(x.grad.item() - 1)")
    assert said == ids_wrong("grad") + ONE_NUMBER
    other = f"# {IDS_LABEL['vec']}: この行は消さずに…\n" + VEC + "print(*x.grad.tolist())"
    colab.run(other, "answer-vec")
    assert colab.run(f"check({label!r})", "answer-grad-check") == (
        f"❔ {label}: 最後に実行したセルは {IDS_LABEL['vec']} の答えのセルです。"
        f"先に {label} の答えのセルを実行してから、このセルを実行してください。\n")
    assert colab.run(f"check({IDS_LABEL['vec']!r})", "answer-vec-check") == ids_right("vec")


def test_with_cell_ids_an_answer_cell_that_lost_its_first_line_is_judged_as_before(
        lab: Frontend):
    """JupyterLab sends cell ids: the answer cell is known whatever its first line, and its
    verdict says nothing about the cell run last."""
    assert lab.answer("grad", GRAD_8 + "print(x.grad.item() * 10)", "print('scratch')") == (
        ids_wrong("grad") + ONE_NUMBER + TENFOLD)
    assert lab.answer("grad", GRAD_8 + "print(x.grad.item())", "print(7)") == ids_right("grad")


def test_with_cell_ids_an_answer_in_a_cell_the_student_added_is_judged_saying_so():
    """JupyterLab, the answer cell never run (or showing nothing): a cell the student added
    (inserted, pasted) and ran last is judged as the answer, a wrong one ending with a line
    that says it stood in for the answer cell; a copy of the answer cell (its first line
    kept) is judged as the answer cell itself, a copy of another exercise's answer cell is
    named as such, and a cell of the notebook's own (a slide's code) is never an answer."""
    with venv_kernel() as km:
        lab = Frontend(km, ids=True)
        vec = IDS_LABEL["vec"]
        check = f"check({vec!r})"
        lab.run(lab.task.source, lab.task.id)   # the task slide's code, run last
        assert lab.run(check, "answer-vec-check") == (
            f"❔ {vec}: {vec} の答えのセルが、まだ実行されていません。"
            "答えを書いて実行してから、このセルを実行してください。\n")
        wrong = VEC + "print(*(2 * x.grad).tolist())"
        told = (ids_wrong("vec") + "  ・見つからない値：この順に並んだ数 3 個"
                "（小数第 1 位まで比べます）\n"
                "  ・表示された値が、ちょうど 2 倍になっています：同じものが 2 回足し合わされて"
                "いないか、確かめましょう\n")
        lab.run(wrong, "7f3e2a10-inserted")
        assert lab.run(check, "answer-vec-check") == told + (
            f"  ※ {vec} の答えのセルはまだ実行されていないので、最後に実行したセル"
            "（あなたが追加したセル）を答えとみなしました\n")
        first = f"# {vec}: この行は消さずに、下に答えのコードを書いて実行してください。\n"
        lab.run(first + wrong, "0b9c4d21-copy")   # the answer cell duplicated
        assert lab.run(check, "answer-vec-check") == told
        grad_copy = f"# {IDS_LABEL['grad']}: この行は消さずに…\n" + GRAD_8 + "print(x.grad.item())"
        lab.run(grad_copy, "5d1e8f02-copy")
        assert lab.run(check, "answer-vec-check") == (
            f"❔ {vec}: 最後に実行したセルは {IDS_LABEL['grad']} の答えのセルです。"
            f"先に {vec} の答えのセルを実行してから、このセルを実行してください。\n")
        lab.run("x = 1", "answer-vec")   # the answer cell, showing nothing
        lab.run(wrong, "7f3e2a10-inserted")
        assert lab.run(check, "answer-vec-check") == told + (
            f"  ※ {vec} の答えのセルは何も表示していないので、最後に実行したセル"
            "（あなたが追加したセル）を答えとみなしました\n")
        lab.run(VEC + "print(*x.grad.tolist())", "7f3e2a10-inserted")
        assert lab.run(check, "answer-vec-check") == ids_right("vec")
        lab.kc.stop_channels()


def test_what_display_shows_is_recorded_as_printed(lab: Frontend):
    assert lab.answer("grad", GRAD_8 + "display(x.grad)") == ids_right("grad")
    lab.run(lab.setup, "setup")   # run again: display() is still recorded once, not twice
    assert lab.answer("grad", GRAD_8 + "display(x.grad)") == ids_right("grad")
    assert lab.answer("grad", GRAD_8 + "display(x.grad.item())") == ids_right("grad")
    assert lab.answer("grad", GRAD_8 + "display(8.0)") == (
        ids_wrong("grad") + ONE_NUMBER + TYPED_EXPR)


def test_extra_numbers_are_named_with_their_line(lab: Frontend):
    assert lab.answer("grad", GRAD_8 + "n = 10\nprint(n, x.grad.item())") == EXTRA.format(
        label=IDS_LABEL["grad"], n=1, which="10（「10 8.0」の行）")
    timed = lab.answer("grad", "%%time\n" + GRAD_8 + "print(x.grad.item())")
    assert timed.startswith(
        f"❌ {IDS_LABEL['grad']}: 値は合っていますが、ほかに余分な数が 4 個表示されています。\n"
        "  ・余分な数："), timed
    assert "（「CPU times: " in timed, timed


@pytest.mark.parametrize("code, hint", [
    ("for i, g in enumerate(x.grad):\n    print(i, g.item())",
     "  ・3 個の数は表示されていますが、あいだにほかの数がはさまっています：ひとつのベクトルの"
     "成分は、その値だけを一行に、順番どおりに表示してください\n"),
    ("print(x.grad[2].item(), x.grad[0].item(), x.grad[1].item())",
     "  ・3 個の数は表示されていますが、順番が違います：値どうしはどの順でもかまいませんが、"
     "ひとつのベクトルの成分は順番どおりに表示してください\n"),
], ids=["interleaved", "reordered"])
def test_a_vector_shown_with_numbers_between_or_out_of_order_is_told_so(
        lab: Frontend, code: str, hint: str):
    assert lab.answer("vec", VEC + code) == (
        ids_wrong("vec")
        + "  ・見つからない値：この順に並んだ数 3 個（小数第 1 位まで比べます）\n" + hint)


def test_a_value_exactly_k_times_or_with_too_few_digits_is_hinted(lab: Frontend):
    twice = GRAD_8 + "(x**2 + 2*x + 1).backward()\nprint(x.grad.item())"
    assert lab.answer("grad", twice) == (
        ids_wrong("grad") + ONE_NUMBER + "  ・表示された値が、ちょうど 2 倍になっています："
        "同じものが 2 回足し合わされていないか、確かめましょう\n")
    assert lab.answer("digits", "v = torch.tensor(-0.421341)\nprint(v)") == (
        ids_wrong("digits") + "  ・見つからない値：数が一つ（小数第 5 位まで比べます）\n"
        "  ・小数第 5 位まで比べますが、それより少ない桁で表示された数があります（-0.4213）："
        "すべての桁を表示してください（テンソルの値なら、Python の数にしてから表示するなど）\n")


def test_an_expected_error_typed_in_a_string_is_no_answer_but_a_raised_one_is(lab: Frontend):
    assert lab.answer("raise", f"print('RuntimeError: {ERROR}')") == (
        ids_wrong("raise") + "  ・見つからない値：エラーの種類とメッセージ\n" + TYPED)
    raised = (f"try:\n    raise RuntimeError('{ERROR}')\nexcept Exception as e:\n"
              "    print(type(e).__name__, e)")
    assert lab.answer("raise", raised) == ids_right("raise")


def test_an_answer_may_call_any_name_its_exercise_uses_and_is_told_them_all(lab: Frontend):
    assert lab.answer("grad", "x = torch.tensor(3.0, requires_grad=True)\n"
                      "(g,) = torch.autograd.grad(x**2 + 2*x + 1, x)\nprint(g)") == (
        ids_right("grad"))
    assert lab.answer("grad", "f = lambda x: x**2 + 2*x + 1\nh = 0.01\n"
                      "print((f(3 + h) - f(3 - h)) / (2 * h))") == (
        f"❌ {IDS_LABEL['grad']}: 値は合っていますが、この演習では backward() か grad() を"
        "使って計算してください（すぐ上のセルは backward() か grad() を呼んでいません）。\n")


def test_a_tensor_computed_from_one_that_requires_grad_or_shown_as_a_list_is_told_so(
        lab: Frontend):
    code = "M = torch.arange(6.0, requires_grad=True).reshape(2, 3)\nprint(M)"
    assert lab.answer("leaf", code) == (
        ids_wrong("leaf") + "  ・表示されたテンソルは、requires_grad=True のテンソルから"
        "計算された結果です（grad_fn がついています）：計算の結果ではなく、requires_grad=True"
        " をつけたテンソルそのものを答えにしてください\n")
    listed = ("M = torch.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]], requires_grad=True)\n"
              "print(M.tolist())")
    assert lab.answer("leaf", listed) == (
        ids_wrong("leaf") + "  ・見つからない値：requires_grad などの指定つきのテンソル"
        "（形と指定も比べます）\n  ・値は合っていますが、テンソルとして表示されていません："
        "requires_grad などの指定も見えるように、テンソルそのものを表示してください\n")
