"""Runs inside the student's kernel (standard library only): record a cell, check an answer.

The exercises notebook packs this file's source into its setup cell, then
defines `_LK_ANSWERS`, `_LK_SALT`, `_LK_LANG`, `_LK_CELLS` and calls
`_lk_install()`.  Each cell's printed text (stdout and stderr), what it shows
with `display(...)`, its displayed value and exception are recorded;
`check("演習1 (1)")` compares a record with what the official answer shows:
with IPython's `cell_id` (IPython 8 and a frontend that sends it), the latest
record of that exercise's answer cell (`_LK_CELLS`), so scratch cells run after
it change nothing (when that cell never ran, or showed nothing: the cell run
last, judged like an answer when the student added it, with a line saying it
stood in for the answer cell, and answered "the answer cell has not run" when
it is one of the notebook's own, `_LK_GIVEN`); without ids, the
record of the cell run just before the check, whatever it is, judged with every
hint: the student most likely ran the answer cell last, and a check that
refuses to judge an answer cell that lost its first line (`# 演習1 (1): ...`)
sends the student round in circles.  Only when that first line is gone does
a verdict other than ✅ end with one line saying the cell run last was taken as
the answer (a scratch cell run in between: run the answer cell again); a cell
that starts with another exercise's first line is that exercise's answer cell,
not judged here.  Helper cells (`check(...)`, `run_slides(...)`) are not
recorded: a 📎 context cell run between an answer cell and its check leaves the
answer cell's record in place.  A record that shows something
belongs to the first check that reads it: the same check may run again,
another exercise's check says to run its own answer cell first.  ONE rule decides (README,
"Exercises"; the notebook's first cell states its main points as a short list, the
rest folded):

- every expected output line (one `# -> ...` comment, one shown result) is a
  value; the values may appear in any order, a value of several numbers
  (`2.0 4.0 6.0`) keeps its own order; each value is found in a part of the
  output of its own (the best of all ways to place them is taken, so `2` and
  `1 2` are both found in `1 2 2`);
- numbers are compared at the precision the slide shows: the student's number
  rounded half up to the slide's last digit must equal it (so `7.9` is not
  `8.0`, `7.96` is); integers exactly; a tensor torch prints as `3.` is shown
  at torch's 4 decimals, so its values are compared at 4 decimals;
- every number shown must belong to an expected value: `print(list(range(-100,
  100)))` does not answer `8.0` (feedback, when every value was found: the
  values are right, how many numbers are extra, the first few of them and the
  line they are on).  Text
  is free, and so are: digits inside a word or name (`x2`, `float64`,
  `MulBackward0`: no numbers), a tensor's flags (`requires_grad=True`,
  `device='cuda:0'`), numbers on stderr (warnings, tracebacks: they may
  answer, never count as extra), numbers on the lines an expected error or
  text was found on (an error message's own numbers), typed numbers (below);
- a number or tensor must be computed: a number shown inside the text of a
  string literal of the checked cell (`print('tensor(3., requires_grad=True)')`,
  `print("8.0")`) answers nothing (feedback: compute it); such text is a
  label, so `print("d(x**3)/dx:", x.grad)` is fine.  So does what a
  `print(...)` of the cell's own top-level code shows when none of its
  arguments reads a variable (one that does makes the whole line computed),
  and the cell's bare last expression when it reads none: only literals, operators, builtins and
  names bound to modules (`print(8)`, `print(2*3+2)`, `8.0`,
  `print(math.sqrt(64))`, `torch.tensor(8.)`), judged on the cell's AST
  against the namespace when it runs (`print` is wrapped while a cell is
  recorded; a name whose value is a module is no variable; a name the
  expression binds itself, as a comprehension's, neither; `display(...)` is
  judged as `print`).  An expected error shown on a line that was typed (a
  `print` of literals only, or a line whose whole text is in a string literal
  of a cell that raises nothing) does not match; a raised one is computed, and
  printing it caught counts.  Errors and text
  answers are not concerned (an exercise may ask to raise `ValueError("...")`);
- an answer whose model answer says `uses=backward` (the fence's info string;
  in the answers table as a `uses` entry) must call one of those names, as a
  function or a method (`y.backward()`; `torch.autograd.grad(...)` for
  `grad`): right values without such a call are not accepted (feedback: the
  values are right, compute them with `backward()` or `grad()`: every name);
- right values and then an error the answer does not expect (a NameError
  after the print) are not accepted: the error is named, to fix and run again;
- the container and dtype are ignored where the value is the question: an
  expected tensor without flags is its numbers, shown any way (a float64
  tensor, a list, bare numbers); a tensor shown with `requires_grad=True` or a
  `dtype=` asks for a tensor: same shape, carrying those flags; when none
  shown is it, the closest computed tensor is told what is wrong: its values
  (same shape), its shape (which, and which is asked for: `2×3`, found from
  the number of values), `requires_grad=True` or the dtype missing (a tensor
  shown with `grad_fn=`: that it was computed from one that requires grad, and
  the answer is that tensor itself; its values shown as numbers or a list: to
  show the tensor itself);
- an expected error matches by type and message, raised or caught and printed:
  the message alone or after a label (`print(e)`, `print('エラー:', e)`), or
  the type's name then the message after any label or none
  (`print(type(e).__name__, e)`, `print('エラー:', type(e).__name__, e)`,
  `print(repr(e))`, `print(type(e), e)`, a traceback); a line that names
  another type does not match;
- a wrong answer is told which kinds of value are missing, and that the value
  is None when a number or tensor was expected and None shows
  (`print(x.grad)`, or `x.grad` alone, before backward()); when a value was
  expected and the cell stopped with an error, that error is named first; an
  empty record says nothing was shown (for an error answer: that no error was
  raised, and, when the cell had code of its own, that the answer is an error;
  but when a `try` of the cell has a handler that calls nothing, `except:
  pass`, that the error seems caught and not shown, and to print it); the
  count in the first line is of the expected values, each named by what it is
  (one value may be several numbers: `2.0 4.0 6.0` is one value, told as "3
  numbers in this order"); a missing value of numbers is hinted at when the
  output tells why: its numbers shown with others between them, or out of
  order (one vector keeps its order), every number exactly k times the
  expected one (k = 2..10), a number shown with fewer digits than compared
  (`-0.4213` for `-0.42134`);
- anything else is compared as text, whitespace ignored.

Every accepted value is stored as a salted sha256 (salt per notebook and per
exercise) of the value counted in units of the slide's last digit.
`_lk_expected` builds those entries when the notebook is made; the same code
checks in the kernel.
"""

from __future__ import annotations

import ast
import bisect
import hashlib
import io
import re
import sys
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

_LK_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w])")
_LK_ERROR = re.compile(r"^\s*([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt))\b(?::|$)")
_LK_ERROR_NAME = r"([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning))"
_LK_ERROR_AT = re.compile(rf"(?<![A-Za-z0-9_.]){_LK_ERROR_NAME}(?:'>)?")
"""An error's type name anywhere in a line, after any label (`<class 'X'>` too)."""
_LK_ERROR_AFTER = (
    re.compile(r"^[:：]\s*(.*)$"),                # RuntimeError: msg
    re.compile(r"^\((['\"])(.*)\1,?\)$"),         # RuntimeError('msg')
    re.compile(r"^\s+(.*)$"),                     # RuntimeError msg
    re.compile(r"^()$"),                          # RuntimeError (no message)
)
_LK_ERROR_LABEL = re.compile(r"^[^:：]{1,40}[:：]\s*(.+)$")   # エラー: msg (any label)
_LK_HELPER_CALL = re.compile(r"^\s*(?:check|run_slides)\(", re.M)
"""A helper cell's line (`check(...)`, `run_slides(...)`): such a cell is not recorded."""
_LK_TENSOR_PRECISION = -4
"""torch prints 4 decimals by default; tensor values are compared at that precision."""
_LK_FLAGS = re.compile(r"\b(requires_grad=True|dtype=[\w.]+)")
_LK_NONE = re.compile(r"(?<![\w.])None(?![\w])")
_LK_TRACEBACK = "Traceback (most recent call last):"
_LK_BUDGET = 20000
"""How many partial assignments of values to the output one check tries at most."""
_LK_ANSWERS: dict[str, list[dict[str, object]]] = {}
_LK_SALT = ""
_LK_LANG = "ja"
_LK_STATE: dict[str, object] = {"record": None, "streams": None, "tees": None, "records": {}}
_LK_CELLS: dict[str, str] = {}
"""Each exercise's answer cell id (known when the notebook is made): with IPython's
`cell_id` (IPython 8 and a frontend that sends it), a check reads that cell's latest
record, whatever ran after it."""
_LK_GIVEN: set[str] = set()
"""The ids of the notebook's own code cells that are no answer cell (setup, the slides'
code): what one of them shows is never taken as an answer.  A cell with an id of
neither kind was added by the student (inserted, pasted, duplicated in JupyterLab)."""
_LK_MESSAGES = {
    "ja": {
        "unknown": "{label} は見つかりません（{names} のどれか）",
        "empty": "❔ {label}: すぐ上のセルが何も表示していません。"
                 "答えを print して実行してから、このセルを実行してください。",
        "empty_error": "❔ {label}: すぐ上のセルが何も表示していません（エラーも起きていません）。"
                       "try の中に答えのコードを書いて実行してから、このセルを実行してください。",
        "no_error": "❌ {label}: すぐ上のセルではエラーが起きませんでした"
                    "（何も表示されていません）。この問題の答えはエラーです："
                    "エラーが起きるコードを try の中に書いて"
                    "実行してから、このセルを実行してください。",
        "other": "❔ {label}: すぐ上で実行されたセルは、{other} の答えとして確かめ済みです。"
                 "先に {label} の答えのセルを実行してから、このセルを実行してください。",
        "right": "✅ {label}: 正解です！",
        "wrong": "❌ {label}: まだ正解ではありません（確かめる値 {total} 個のうち、"
                 "見つかったのは {matched} 個です）。",
        "wrong_none": "❌ {label}: まだ正解ではありません（確かめる値 {total} 個が、"
                      "どれもまだ見つかりません）。",
        "wrong_one": "❌ {label}: まだ正解ではありません（確かめる値が見つかりません）。",
        "missing_number": "  ・見つからない値：数が一つ（{precision}まで比べます）",
        "missing_numbers": "  ・見つからない値：この順に並んだ数 {n} 個（{precision}まで比べます）",
        "missing_tensor": "  ・見つからない値：requires_grad などの指定つきのテンソル"
                          "（形と指定も比べます）",
        "missing_error": "  ・見つからない値：エラーの種類とメッセージ",
        "missing_text": "  ・見つからない値：{n} 行の文（空白の違いは問いません）",
        "stopped": "  ・すぐ上のセルはエラーで止まりました：{error}（先にエラーを直しましょう）",
        "extra": "❌ {label}: 値は合っていますが、ほかに余分な数が {n} 個表示されています。",
        "extra_fix": "  ・答えの値だけを表示してください（説明の文字は自由です）",
        "tensor_shape": "  ・テンソルの形が違います{detail}",
        "shape_detail": "（{expected} ではなく {shown} が表示されました）",
        "shown_detail": "（表示されたのは {shown}）",
        "scalar": "スカラー",
        "vector": "長さ {n} のベクトル",
        "tensor_values": "  ・テンソルの値が違います（形は合っています。{precision}まで比べます）",
        "tensor_flag": "  ・{flag} の指定がありません",
        "tensor_dtype": "  ・dtype の指定が違います",
        "typed": "  ・文字列の中に書いた値は答えになりません：値はコードで計算して"
                 "表示してください",
        "typed_expr": "  ・数だけで書いた式の値（print(8) や print(2*3+2) など）は答えに"
                      "なりません：値は変数を使って計算して表示してください",
        "uses": "❌ {label}: 値は合っていますが、この演習では {names} を使って計算してください"
                "（すぐ上のセルは {names} を呼んでいません）。",
        "uses_or": " か ",
        "stopped_right": "❌ {label}: 値は合っていますが、すぐ上のセルはエラーで止まりました："
                         "{error}。エラーを直して、もう一度実行してから、このセルを実行して"
                         "ください。",
        "swallowed": "❌ {label}: エラーは except で捕まえられたようですが、表示されていません。"
                     "except の中でエラーを表示してください"
                     "（except Exception as e: と書いて print(type(e).__name__, e)）。",
        "swallowed_line": "  ・エラーは except で捕まえられたようですが、表示されていません："
                          "except の中で print(type(e).__name__, e) と表示してください",
        "none": "  ・None が表示されました：数やテンソルが入るはずの値が None です"
                "（たとえば .grad は backward() を呼ぶまで None です）",
        "not_run": "❔ {label}: {label} の答えのセルが、まだ実行されていません。"
                   "答えを書いて実行してから、このセルを実行してください。",
        "taken_last": "  ※ 最後に実行したセルを答えとみなしました（あとで別のセルを実行したなら、"
                      "答えのセルを実行し直してください）",
        "taken_unrun": "  ※ {label} の答えのセルはまだ実行されていないので、最後に実行したセル"
                       "（あなたが追加したセル）を答えとみなしました",
        "taken_silent": "  ※ {label} の答えのセルは何も表示していないので、最後に実行したセル"
                        "（あなたが追加したセル）を答えとみなしました",
        "other_cell": "❔ {label}: 最後に実行したセルは {other} の答えのセルです。"
                      "先に {label} の答えのセルを実行してから、このセルを実行してください。",
        "extra_which": "  ・余分な数：{numbers}（「{line}」の行{more}）",
        "extra_more": "など",
        "interleaved": "  ・{n} 個の数は表示されていますが、あいだにほかの数がはさまっています："
                       "ひとつのベクトルの成分は、その値だけを一行に、順番どおりに表示してください",
        "order": "  ・{n} 個の数は表示されていますが、順番が違います：値どうしはどの順でも"
                 "かまいませんが、ひとつのベクトルの成分は順番どおりに表示してください",
        "times": "  ・表示された値が、ちょうど {k} 倍になっています：同じものが {k} 回"
                 "足し合わされていないか、確かめましょう",
        "digits": "  ・{precision}まで比べますが、それより少ない桁で表示された数があります"
                  "（{shown}）：すべての桁を表示してください（テンソルの値なら、Python の数に"
                  "してから表示するなど）",
        "not_tensor": "  ・値は合っていますが、テンソルとして表示されていません："
                      "requires_grad などの指定も見えるように、テンソルそのものを表示して"
                      "ください",
        "grad_fn": "  ・表示されたテンソルは、requires_grad=True のテンソルから計算された結果です"
                   "（grad_fn がついています）：計算の結果ではなく、requires_grad=True を"
                   "つけたテンソルそのものを答えにしてください",
        "integer": "整数",
        "decimals": "小数第 {d} 位",
        "units": "{unit} の位",
    },
    "en": {
        "unknown": "{label} is not an exercise of this notebook (one of {names})",
        "empty": "❔ {label}: the cell just above showed nothing. Print your answer, run "
                 "that cell, then run this one.",
        "empty_error": "❔ {label}: the cell just above showed nothing (and raised no error). "
                       "Write your code inside the try, run that cell, then run this one.",
        "no_error": "❌ {label}: the cell just above raised no error (and showed nothing). "
                    "The answer here is an error: write code that raises it inside the try, "
                    "run that cell, then run this one.",
        "other": "❔ {label}: the cell run just before was already checked as the answer of "
                 "{other}. Run your answer cell for {label} first, then run this one.",
        "right": "✅ {label}: correct!",
        "wrong": "❌ {label}: not right yet ({matched} of the {total} values checked were "
                 "found).",
        "wrong_none": "❌ {label}: not right yet (none of the {total} values checked was "
                      "found yet).",
        "wrong_one": "❌ {label}: not right yet (the value checked was not found).",
        "missing_number": "  - not found: a number (compared at {precision})",
        "missing_numbers": "  - not found: {n} numbers in this order (compared at {precision})",
        "missing_tensor": "  - not found: a tensor with flags such as requires_grad (shape "
                          "and flags compared too)",
        "missing_error": "  - not found: the error's type and message",
        "missing_text": "  - not found: {n} line(s) of text (spacing ignored)",
        "stopped": "  - the cell just above stopped with an error: {error} (fix it first)",
        "extra": "❌ {label}: the values are right, but {n} extra number(s) are shown too.",
        "extra_fix": "  - print only the answer's values (labels and other text are fine)",
        "tensor_shape": "  - the tensor's shape is wrong{detail}",
        "shape_detail": " ({shown} shown, not {expected})",
        "shown_detail": " ({shown} shown)",
        "scalar": "a scalar",
        "vector": "a vector of {n}",
        "tensor_values": "  - the tensor's values are wrong (its shape is right; compared at "
                         "{precision})",
        "tensor_flag": "  - {flag} is missing",
        "tensor_dtype": "  - the dtype is not the one asked for",
        "typed": "  - a value written inside a string literal is no answer: compute the "
                 "value and print it",
        "typed_expr": "  - a value written with numbers only (print(8), print(2*3+2)) is no "
                      "answer: compute it from your variables and print it",
        "uses": "❌ {label}: the values are right, but this exercise asks to compute them "
                "with {names} (the cell just above does not call it).",
        "uses_or": " or ",
        "stopped_right": "❌ {label}: the values are right, but the cell just above stopped "
                         "with an error: {error}. Fix it, run that cell again, then run this "
                         "one.",
        "swallowed": "❌ {label}: the error seems to be caught by except but not shown. Print "
                     "it inside except (write except Exception as e: and "
                     "print(type(e).__name__, e)).",
        "swallowed_line": "  - the error seems to be caught by except but not shown: print it "
                          "there with print(type(e).__name__, e)",
        "none": "  - None was shown: the value is None where a number or tensor is "
                "expected (for example .grad stays None until backward() has run)",
        "not_run": "❔ {label}: the answer cell of {label} has not been run yet. Write your "
                   "answer there, run it, then run this one.",
        "taken_last": "  * the cell run last was taken as your answer (if you ran another cell "
                      "after it, run your answer cell again)",
        "taken_unrun": "  * the answer cell of {label} has not been run, so the cell run last "
                       "(one you added) was taken as your answer",
        "taken_silent": "  * the answer cell of {label} shows nothing, so the cell run last "
                        "(one you added) was taken as your answer",
        "other_cell": "❔ {label}: the cell run last is the answer cell of {other}. Run your "
                      "answer cell for {label} first, then run this one.",
        "extra_which": "  - the extra numbers: {numbers} (on the line “{line}”{more})",
        "extra_more": " and others",
        "interleaved": "  - the {n} numbers are shown, but other numbers come between them: "
                       "show one vector's components alone, on one line, in order",
        "order": "  - the {n} numbers are shown, but not in order: values may come in any "
                 "order, but one vector's components must keep theirs",
        "times": "  - the value shown is exactly {k} times the one asked for: check whether "
                 "something was added {k} times",
        "digits": "  - numbers are compared at {precision}, but a number is shown with fewer "
                  "digits ({shown}): show all its digits (a tensor's value, for example, as a "
                  "Python number)",
        "not_tensor": "  - the values are right, but not shown as a tensor: show the tensor "
                      "itself, so that its flags such as requires_grad show too",
        "grad_fn": "  - the tensor shown was computed from one that requires grad (it has a "
                   "grad_fn): make the answer the tensor created with requires_grad=True "
                   "itself, not a result computed from it",
        "integer": "whole numbers",
        "decimals": "{d} decimal place(s)",
        "units": "the nearest {unit}",
    },
}


def _lk_say(key: str, **values: object) -> None:
    print(_lk_table()[key].format(**values))


def _lk_key(salt: str, label: str) -> str:
    """What every hash of one exercise is salted with."""
    return f"{salt}|{label}"


def _lk_hash(key: str, payload: str) -> str:
    return hashlib.sha256(f"{key}|{payload}".encode()).hexdigest()[:24]


def _lk_tensor_spans(text: str) -> list[tuple[int, int, int, int, str, list[str]]]:
    """Each `tensor(...)` repr in `text`: (start, data start, data end, end, shape
    skeleton, flags); the data is what comes before the first top-level comma."""
    found = []
    for match in re.finditer(r"\btensor\(", text):
        depth, end = 0, None
        for index in range(match.end() - 1, len(text)):
            if text[index] in "([":
                depth += 1
            elif text[index] in ")]":
                depth -= 1
                if depth == 0:
                    end = index
                    break
        if end is None:
            continue
        inner = text[match.end():end]
        data_end, depth = len(inner), 0
        for index, char in enumerate(inner):
            depth += char in "(["
            depth -= char in ")]"
            if char == "," and depth == 0:
                data_end = index
                break
        data = inner[:data_end]
        flags = sorted(_LK_FLAGS.findall(inner[data_end:]))
        shape = re.sub(r"\s+", "", _LK_NUMBER.sub("#", data))
        found.append((match.start(), match.end(), match.end() + data_end, end, shape, flags))
    return found


def _lk_tensors(text: str) -> list[tuple[str, list[str], list[str]]]:
    """Each `tensor(...)` repr in `text`: (shape skeleton, value strings, flags)."""
    return [(shape, _LK_NUMBER.findall(text[data:data_end]), flags)
            for _, data, data_end, _, shape, flags in _lk_tensor_spans(text)]


def _lk_units(number: str, exponent: int) -> int | None:
    """`number` rounded half up to a multiple of 10**exponent, counted in those units."""
    try:
        return int(Decimal(number).scaleb(-exponent).to_integral_value(ROUND_HALF_UP))
    except (InvalidOperation, ValueError, OverflowError):
        return None


def _lk_number_entry(key: str, number: str, tensor: bool) -> dict[str, object]:
    exponent = int(Decimal(number).as_tuple().exponent)
    exact = not tensor and "." not in number and "e" not in number.lower()
    if tensor:
        exponent = min(exponent, _LK_TENSOR_PRECISION)
    return {"q": exponent, "exact": exact,
            "h": _lk_hash(key, str(_lk_units(number, exponent)))}


def _lk_number_matches(key: str, entry: dict[str, object], number: str) -> bool:
    if entry["exact"]:
        try:
            value = Decimal(number)
        except InvalidOperation:
            return False
        if not value.is_finite() or value != value.to_integral_value():
            return False
    units = _lk_units(number, int(entry["q"]))  # type: ignore[arg-type]
    return units is not None and _lk_hash(key, str(units)) == entry["h"]


def _lk_lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.split("\n") if line.strip()]


def _lk_message(text: str) -> str:
    return " ".join(text.split())


def _lk_expected(key: str, text: str) -> list[dict[str, object]]:
    """What the notebook stores about one expected output (made when the notebook is
    made); `key` is `_lk_key(salt, label)`."""
    error = _LK_ERROR.match(text.strip().split("\n")[-1])
    if error:
        last = text.strip().split("\n")[-1].strip()
        message = last[len(error[1]):].lstrip(":").strip()
        return [{"kind": "error", "type": _lk_hash(key, error[1].rsplit(".", 1)[-1]),
                 "msg": _lk_hash(key, _lk_message(message))}]
    tensors = _lk_tensors(text)
    if tensors:
        items: list[dict[str, object]] = []
        for shape, values, flags in tensors:
            entries = [_lk_number_entry(key, n, True) for n in values]
            if flags:
                items.append({"kind": "tensor", "shape": _lk_hash(key, shape),
                              "flags": [_lk_hash(key, f) for f in flags], "values": entries})
            else:
                items.append({"kind": "numbers", "values": entries})
        return items
    numbers = _LK_NUMBER.findall(text)
    if numbers:
        return [{"kind": "numbers", "values": [_lk_number_entry(key, n, False)
                                               for n in numbers]}]
    lines = _lk_lines(text)
    return [{"kind": "text", "n": len(lines), "h": _lk_hash(key, "\n".join(lines))}]


def _lk_literals(source: str) -> list[str]:
    """The text of every string literal in `source` (f-strings: their constant parts, not
    their format specs), whitespace collapsed; what a student typed rather than computed."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    specs = {id(node.format_spec) for node in ast.walk(tree)
             if isinstance(node, ast.FormattedValue) and node.format_spec is not None}
    skip = {id(part) for node in ast.walk(tree) if id(node) in specs
            for part in ast.walk(node)}
    texts = {" ".join(node.value.split()) for node in ast.walk(tree)
             if isinstance(node, ast.Constant) and isinstance(node.value, str)
             and id(node) not in skip}
    return sorted(t for t in texts if t)


def _lk_parse(source: str) -> ast.Module | None:
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError):
        return None


def _lk_free_names(node: ast.AST) -> set[str]:
    """The names an expression reads, less those it binds itself (a comprehension's
    targets, a lambda's arguments, `:=`)."""
    bound = {sub.arg for sub in ast.walk(node) if isinstance(sub, ast.arg)}
    bound |= {sub.id for sub in ast.walk(node)
              if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store)}
    return {sub.id for sub in ast.walk(node)
            if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load)} - bound


def _lk_reads_variable(names: set[str], namespace: dict[str, object]) -> bool:
    """Whether one of `names` is a variable of `namespace`: neither bound to a module
    (`torch`, `math`) nor a builtin (`float`, `round`); an unknown name counts (the
    expression cannot be called typed)."""
    import builtins
    import types
    for name in names:
        if name in namespace:
            if not isinstance(namespace[name], types.ModuleType):
                return True
        elif not hasattr(builtins, name):
            return True
    return False


def _lk_print_lines(source: str) -> dict[int, list[set[str]]]:
    """Per line of the cell, the names each `print(...)`/`display(...)` call on it reads (its
    shown arguments, `sep=`/`end=`/`file=` aside): which lines may print a typed value."""
    tree = _lk_parse(source)
    found: dict[int, list[set[str]]] = {}
    if tree is None:
        return found
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in ("print", "display") and node.args):
            names: set[str] = set()
            for arg in node.args:
                names |= _lk_free_names(arg)
            for line in range(node.lineno, (node.end_lineno or node.lineno) + 1):
                found.setdefault(line, []).append(names)
    return found


def _lk_typed_value(source: str, namespace: dict[str, object]) -> bool:
    """Whether the cell's last line is a bare expression that reads no variable (`8.0`,
    `torch.tensor(8.)`): its displayed value was typed, not computed."""
    tree = _lk_parse(source)
    if tree is None or not tree.body or not isinstance(tree.body[-1], ast.Expr):
        return False
    return not _lk_reads_variable(_lk_free_names(tree.body[-1].value), namespace)


def _lk_calls(source: str, names: list[str]) -> bool:
    """Whether the cell calls a function or method of one of `names` (`y.backward()`,
    `torch.autograd.grad(...)` for `grad`)."""
    tree = _lk_parse(source)
    if tree is None:
        return bool(re.search(rf"\b(?:{'|'.join(map(re.escape, names))})\s*\(", source))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = (func.id if isinstance(func, ast.Name) else
                    func.attr if isinstance(func, ast.Attribute) else None)
            if name in names:
                return True
    return False


def _lk_swallowed(source: str) -> bool:
    """Whether a `try` of the cell has a handler that shows nothing (no call, no
    `raise` in its body: `except: pass`), so an error raised there vanishes."""
    tree = _lk_parse(source)
    if tree is None:
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.Try):
            for handler in node.handlers:
                if not any(isinstance(sub, (ast.Call, ast.Raise))
                           for part in handler.body for sub in ast.walk(part)):
                    return True
    return False


def _lk_shows_none(source: str) -> bool:
    """Whether the cell ends with a bare expression (no call, no `;`, not the helper
    cells' `call() if ... else print(...)`), so that a displayed value of None means that
    expression was None (`x.grad` before backward())."""
    try:
        body = ast.parse(source).body
    except (SyntaxError, ValueError):
        return False
    return (bool(body) and isinstance(body[-1], ast.Expr)
            and not isinstance(body[-1].value, (ast.Call, ast.IfExp))
            and not source.rstrip().endswith(";"))


def _lk_has_code(source: str) -> bool:
    """Whether a cell has code of its own: a statement besides `pass`, a bare string and the
    answer skeleton's `except` (helper cells are never recorded: `_LK_HELPER_CALL`)."""
    try:
        body = ast.parse(source).body
    except (SyntaxError, ValueError):
        return bool(source.strip())

    def real(statements: list[ast.stmt]) -> bool:
        for node in statements:
            if isinstance(node, ast.Try):
                if real(node.body) or real(node.orelse) or real(node.finalbody):
                    return True
            elif not isinstance(node, ast.Pass) and not (
                    isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):
                return True
        return False

    return real(body)


def _lk_stopped(record: _LkRecord) -> str:
    """The error a cell stopped with, as one short line."""
    name, message = record.error  # type: ignore[misc]
    first = message.strip().split("\n")[0] if message.strip() else ""
    if len(first) > 120:
        first = first[:119] + "…"
    return f"{name}: {first}" if first else name


class _LkRecord:
    """What one cell showed, line by line: printed text, displayed value, error.

    `chunks` are (text, aside) in the order shown; aside text (stderr, the error raised)
    is diagnostics: its numbers may answer but are never counted as extra.  `source` is
    the cell's code: a number shown inside the text of one of its string literals was
    typed, not computed.
    """

    def __init__(self, chunks: list[tuple[str, bool] | tuple[str, bool, bool]],
                 error: tuple[str, str] | None, source: str = "") -> None:
        raw, aside, typed_line = [""], [True], [True]
        for text, side, *typed in chunks:
            for index, piece in enumerate(text.split("\n")):
                if index:
                    raw.append("")
                    aside.append(True)
                    typed_line.append(True)
                raw[-1] += piece
                aside[-1] = aside[-1] and (side or not piece.strip())
                typed_line[-1] = typed_line[-1] and (bool(typed and typed[0])
                                                     or not piece.strip())
        kept = [(" ".join(line.split()), side, whole)
                for line, side, whole in zip(raw, aside, typed_line, strict=True)
                if line.strip()]
        self.lines = [line for line, _, _ in kept]
        self.aside = [side for _, side, _ in kept]
        self.typed_lines = {index for index, (_, _, whole) in enumerate(kept) if whole}
        """Lines shown by an expression that reads no variable (`print(8)`): typed."""
        self.error = error
        self.source = source
        self.tail = len(_lk_lines(f"{error[0]}: {error[1]}")) if error else 0
        shown = "\n".join(self.lines)
        starts, offset = [], 0
        for line in self.lines:
            starts.append(offset)
            offset += len(line) + 1
        typed = self._typed_spans(shown.replace("\n", " "), _lk_literals(source))
        tensors = _lk_tensor_spans(shown)
        flagged = [(data_end, end) for _, _, data_end, end, _, _ in tensors]
        self.tokens: list[tuple[str, int, bool]] = []   # (number, line, typed)
        self.in_literals: set[int] = set()   # the typed numbers a string literal holds
        spans: list[int] = []   # where each number starts
        for match in _LK_NUMBER.finditer(shown):
            last = bisect.bisect_right(flagged, (match.start(), len(shown))) - 1
            if last >= 0 and match.start() < flagged[last][1]:
                continue   # inside a tensor's flags (`device='cuda:0'`): no number
            line = bisect.bisect_right(starts, match.start()) - 1
            literal = any(a <= match.start() and match.end() <= b for a, b in typed)
            if literal:
                self.in_literals.add(len(self.tokens))
            self.tokens.append((match[0], line, literal or line in self.typed_lines))
            spans.append(match.start())
        self.tensors: list[tuple[str, list[int], list[str], bool]] = []
        for start, data, data_end, _, shape, flags in tensors:
            inside = list(range(bisect.bisect_left(spans, data),
                                bisect.bisect_left(spans, data_end)))
            self.tensors.append((shape, inside, flags, any(a <= start < b for a, b in typed)
                                 or any(self.tokens[i][2] for i in inside)))
        self.owner: str | None = None   # the label of the first check that read it
        self.cell_id: str | None = None  # the cell's id, when the frontend sends it
        self.grad_fn = ["grad_fn=" in shown[data_end:end]
                        for _, _, data_end, end, _, _ in tensors]
        """Per tensor: whether it was computed from one that requires grad (`grad_fn=`)."""
        tree = _lk_parse(source)
        raises = tree is not None and any(isinstance(n, ast.Raise) for n in ast.walk(tree))
        literals = [] if raises else _lk_literals(source)
        self.literal_lines = {index for index, line in enumerate(self.lines)
                              if any(line in literal for literal in literals)}
        """Lines whose whole text is inside a string literal of the cell: typed (unless the
        cell raises: `raise ValueError("...")` computes its message's line)."""
        self.by_line: dict[int, list[int]] = {}
        for index, (_, line, _) in enumerate(self.tokens):
            self.by_line.setdefault(line, []).append(index)

    @staticmethod
    def _typed_spans(flat: str, literals: list[str]) -> list[tuple[int, int]]:
        spans = []
        for literal in literals:
            if not re.search(r"\d", literal):
                continue
            at = flat.find(literal)
            while at >= 0:
                spans.append((at, at + len(literal)))
                at = flat.find(literal, at + 1)
        return spans

    def errors(self, typed_ok: bool = True) -> list[tuple[str | None, str, frozenset[int]]]:
        """(type or None, message, lines) of the error raised and of every shown line that
        reads like one: `Type: msg`, `Type('msg')`, `Type msg` after any label or none
        (`エラー: Type msg`, `<class 'Type'> msg`), else `label: msg` (no type to check), or
        a bare message; a traceback's lines before its last belong to that last line.
        Unless `typed_ok`, a shown line that was typed (a `print` of literals only, or text
        inside a string literal of the cell) is no error: only a raised one is computed."""
        found: list[tuple[str | None, str, frozenset[int]]] = []
        if self.error:
            found.append((*self.error,
                          frozenset(range(len(self.lines) - self.tail, len(self.lines)))))
        opened = None
        for index, line in enumerate(self.lines):
            if line == _LK_TRACEBACK:
                opened = index
            if not typed_ok and not self.aside[index] and (
                    index in self.literal_lines or index in self.typed_lines):
                continue
            lines = frozenset(range(index if opened is None else opened, index + 1))
            typed = False
            for name in _LK_ERROR_AT.finditer(line):   # every type name, any label before
                for form in _LK_ERROR_AFTER:
                    match = form.match(line[name.end():])
                    if match:
                        found.append((name[1].rsplit(".", 1)[-1],
                                      match[match.lastindex or 1], lines))
                        typed = True
                        break
            label = None if typed else _LK_ERROR_LABEL.match(line)
            if label:   # a label that names no error type (`エラー:`) checks no type
                found.append((None, label[1], lines))
            found.append((None, line, lines))
            if _LK_ERROR.match(line):
                opened = None
        return found

    def typed_kinds(self) -> set[str]:
        """How the typed numbers shown were typed: `typed` (inside a string literal),
        `typed_expr` (shown by an expression that reads no variable)."""
        return {"typed" if index in self.in_literals else "typed_expr"
                for index, (_, _, typed) in enumerate(self.tokens) if typed}

    def numbers(self, typed_ok: bool) -> list[int]:
        """Indices of the numbers that may answer, in the order shown."""
        return [i for i, (_, _, typed) in enumerate(self.tokens) if typed_ok or not typed]

    def counted(self) -> set[int]:
        """The numbers that must each belong to an expected value: computed, not aside."""
        return {i for i, (_, line, typed) in enumerate(self.tokens)
                if not typed and not self.aside[line]}

    def on_lines(self, lines: frozenset[int]) -> frozenset[int]:
        return frozenset(i for line in lines for i in self.by_line.get(line, []))


_LkUse = tuple[frozenset[int], frozenset[int]]
"""What one expected value takes of a record: (number indices, line indices)."""


def _lk_candidates(key: str, item: dict[str, object], record: _LkRecord,
                   typed_ok: bool) -> list[_LkUse]:
    """Every part of `record` that shows `item`."""
    kind = str(item["kind"])
    found: list[_LkUse] = []
    if kind == "error":
        for name, message, lines in record.errors(typed_ok):
            if (_lk_hash(key, _lk_message(message)) == item["msg"]
                    and (name is None or _lk_hash(key, name) == item["type"])):
                found.append((record.on_lines(lines), lines))
        return found
    if kind == "tensor":
        values: list[dict[str, object]] = item["values"]  # type: ignore[assignment]
        for shape, inside, flags, typed in record.tensors:
            hashed = {_lk_hash(key, f) for f in flags}
            if ((typed_ok or not typed) and _lk_hash(key, shape) == item["shape"]
                    and set(item["flags"]) <= hashed  # type: ignore[arg-type]
                    and len(inside) == len(values)
                    and all(_lk_number_matches(key, e, record.tokens[i][0])
                            for e, i in zip(values, inside, strict=True))):
                found.append((frozenset(inside), frozenset()))
        return found
    if kind == "numbers":
        values = item["values"]  # type: ignore[assignment]
        order = record.numbers(typed_ok)
        for first in range(len(order) - len(values) + 1):
            span = order[first:first + len(values)]
            if all(_lk_number_matches(key, e, record.tokens[i][0])
                   for e, i in zip(values, span, strict=True)):
                found.append((frozenset(span), frozenset()))
        return found
    size = int(item["n"])  # type: ignore[arg-type]
    for first in range(len(record.lines) - size + 1):
        if _lk_hash(key, "\n".join(record.lines[first:first + size])) == item["h"]:
            lines = frozenset(range(first, first + size))
            found.append((record.on_lines(lines), lines))
    return found


def _lk_assign(options: list[list[_LkUse]],
               counted: set[int]) -> tuple[list[int], int, frozenset[int]]:
    """The items to leave unmatched, the extra numbers and the numbers the matched items
    take, for the best assignment of disjoint parts to items: most items matched, then
    fewest counted numbers left over."""
    order = sorted(range(len(options)), key=lambda i: len(options[i]))
    worth = [[len(taken & counted) for taken, _ in choices] for choices in options]
    best: dict[str, object] = {"score": None, "missing": list(order), "extra": len(counted),
                               "taken": frozenset()}
    budget = [_LK_BUDGET]

    def walk(k: int, numbers: frozenset[int], lines: frozenset[int], covered: int,
             missing: list[int]) -> None:
        score = best["score"]
        if budget[0] <= 0 or (score is not None and len(missing) > -score[0]):  # type: ignore[index]
            return
        budget[0] -= 1
        if k == len(order):
            extra = len(counted) - covered
            if score is None or (-len(missing), -extra) > score:  # type: ignore[operator]
                best.update(score=(-len(missing), -extra), missing=list(missing),
                            extra=extra, taken=numbers)
            return
        item = order[k]
        for (taken, shown), gain in zip(options[item], worth[item], strict=True):
            if not taken & numbers and not shown & lines:
                walk(k + 1, numbers | taken, lines | shown, covered + gain, missing)
                if best["score"] == (0, 0):
                    return
        walk(k + 1, numbers, lines, covered, [*missing, item])

    walk(0, frozenset(), frozenset(), 0, [])
    return (sorted(best["missing"]), int(best["extra"]),  # type: ignore[arg-type, call-overload]
            best["taken"])  # type: ignore[return-value]


def _lk_judge(label: str, record: _LkRecord, typed_ok: bool = False
              ) -> tuple[list[dict[str, object]], int, frozenset[int]]:
    """The answer's expected values the record does not show (matched in any order, each
    in a part of its own), how many shown numbers belong to none of them, and the numbers
    the values found take."""
    key = _lk_key(_LK_SALT, label)
    items = _lk_items(label)
    options = [_lk_candidates(key, item, record, typed_ok) for item in items]
    missing, extra, taken = _lk_assign(options, record.counted())
    return [items[i] for i in missing], extra, taken


def _lk_table() -> dict[str, str]:
    return _LK_MESSAGES.get(_LK_LANG, _LK_MESSAGES["en"])


def _lk_precision(values: list[dict[str, object]]) -> str:
    """How the numbers of a value are compared, in words."""
    table = _lk_table()
    first = values[0] if values else {"q": 0, "exact": True}
    q = int(first["q"])  # type: ignore[arg-type]
    return (table["integer"] if first["exact"] else
            table["decimals"].format(d=-q) if q < 0 else
            table["units"].format(unit=10 ** q))


def _lk_describe(item: dict[str, object]) -> str:
    """What kind of value is missing, and how it is compared, without giving it away."""
    table = _lk_table()
    kind = str(item["kind"])
    if kind == "numbers":
        values: list[dict[str, object]] = item["values"]  # type: ignore[assignment]
        which = "missing_number" if len(values) == 1 else "missing_numbers"
        return table[which].format(n=len(values), precision=_lk_precision(values))
    if kind == "text":
        return table["missing_text"].format(n=item["n"])
    return table[f"missing_{kind}"]


def _lk_skeleton(dims: tuple[int, ...]) -> str:
    """The shape skeleton torch's repr of a tensor of `dims` has (`[[#,#],[#,#]]`)."""
    if not dims:
        return "#"
    return "[" + ",".join([_lk_skeleton(dims[1:])] * dims[0]) + "]"


def _lk_dims(skeleton: str) -> tuple[int, ...] | None:
    """The dimensions of a shape skeleton; None when torch abbreviated it (`...`)."""
    def walk(at: int) -> tuple[tuple[int, ...], int]:
        if skeleton.startswith("#", at):
            return (), at + 1
        if not skeleton.startswith("[", at):
            raise ValueError(at)
        if skeleton.startswith("]", at + 1):
            return (0,), at + 2
        inner, count = None, 0
        while True:
            dims, at = walk(at + 1)
            if inner is not None and dims != inner:
                raise ValueError(at)
            inner, count = dims, count + 1
            if skeleton.startswith("]", at):
                return (count, *inner), at + 1
            if not skeleton.startswith(",", at):
                raise ValueError(at)

    try:
        dims, end = walk(0)
    except (ValueError, RecursionError):
        return None
    return dims if end == len(skeleton) else None


def _lk_shapes(n: int, depth: int = 4) -> list[tuple[int, ...]]:
    """Every shape of `n` values with at most `depth` dimensions."""
    found: list[tuple[int, ...]] = [()] if n == 1 else []
    if depth:
        small = [d for d in range(1, int(n ** 0.5) + 1) if n % d == 0]
        for size in sorted({*small, *(n // d for d in small)}):
            found += [(size, *rest) for rest in _lk_shapes(n // size, depth - 1)]
    return found


def _lk_dims_text(dims: tuple[int, ...]) -> str:
    table = _lk_table()
    if not dims:
        return table["scalar"]
    if len(dims) == 1:
        return table["vector"].format(n=dims[0])
    return "×".join(str(d) for d in dims)


def _lk_tensor_problems(key: str, item: dict[str, object], record: _LkRecord,
                        taken: frozenset[int]) -> list[str]:
    """What is wrong with the computed tensor shown closest to an expected tensor with
    flags: its shape (and which shape it should have), its values, or its flags; the kind
    of value missing when no such tensor is shown."""
    table = _lk_table()
    values: list[dict[str, object]] = item["values"]  # type: ignore[assignment]
    wanted: list[str] = item["flags"]  # type: ignore[assignment]
    best = None
    for index, (shape, inside, flags, typed) in enumerate(record.tensors):
        if typed or taken & set(inside):
            continue   # typed in a string, or another expected value's tensor
        hashed = {_lk_hash(key, f) for f in flags}
        shape_ok = _lk_hash(key, shape) == item["shape"]
        values_ok = shape_ok and all(_lk_number_matches(key, e, record.tokens[i][0])
                                     for e, i in zip(values, inside, strict=True))
        unflagged = [f for f in wanted if f not in hashed]
        cost = (0 if values_ok else 1 if shape_ok else 2) + bool(unflagged)
        if cost and (best is None or cost < best[0]):
            best = (cost, shape, shape_ok, values_ok, unflagged, record.grad_fn[index])
    if best is None:
        numbers = {"kind": "numbers", "values": values}
        if [use for use in _lk_candidates(key, numbers, record, False) if not use[0] & taken]:
            return [_lk_describe(item), table["not_tensor"]]   # `.item()`, `.tolist()`
        return [_lk_describe(item)]
    _, shape, shape_ok, values_ok, unflagged, computed = best
    lines = []
    if not shape_ok:
        shown = _lk_dims(shape)
        expected = next((d for d in _lk_shapes(len(values))
                         if _lk_hash(key, _lk_skeleton(d)) == item["shape"]), None)
        detail = ("" if shown is None else
                  table["shown_detail"].format(shown=_lk_dims_text(shown)) if expected is None
                  else table["shape_detail"].format(shown=_lk_dims_text(shown),
                                                    expected=_lk_dims_text(expected)))
        lines.append(table["tensor_shape"].format(detail=detail))
    elif not values_ok:
        lines.append(table["tensor_values"].format(precision=_lk_precision(values)))
    for flag in unflagged:
        if flag != _lk_hash(key, "requires_grad=True"):
            lines.append(table["tensor_dtype"])
        else:
            lines.append(table["grad_fn" if computed else "tensor_flag"].format(
                flag="requires_grad=True"))
    return lines


def _lk_times(key: str, entry: dict[str, object], number: str, k: int) -> bool:
    """Whether `number` is `k` times the expected value (not 0: every k-fold of 0 is 0)."""
    try:
        value = Decimal(number)
    except InvalidOperation:
        return False
    if not value.is_finite() or value == 0:
        return False
    return _lk_number_matches(key, entry, str(value / k))


def _lk_coarser(key: str, entry: dict[str, object], number: str) -> bool:
    """Whether `number` shows fewer digits than the expected value and is that value
    rounded to its own digits (`-0.4213` for `-0.42134`)."""
    if entry["exact"]:
        return False
    try:
        value = Decimal(number)
    except InvalidOperation:
        return False
    if not value.is_finite():
        return False
    shown, q = int(value.as_tuple().exponent), int(entry["q"])  # type: ignore[arg-type]
    if not 0 < shown - q <= 3:
        return False
    half = Decimal(5).scaleb(shown - 1)
    low = int(((value - half).scaleb(-q)).to_integral_value(ROUND_HALF_UP))
    high = int(((value + half).scaleb(-q)).to_integral_value(ROUND_HALF_UP))
    return any(_lk_hash(key, str(u)) == entry["h"] for u in range(low, high + 1))


def _lk_number_hints(key: str, item: dict[str, object], record: _LkRecord,
                     taken: frozenset[int]) -> list[str]:
    """Why a missing value of numbers may not have been found, when the output tells:
    its numbers shown with others between them or out of order, every number exactly k
    times the expected one, a number shown with fewer digits than compared."""
    table = _lk_table()
    values: list[dict[str, object]] = item["values"]  # type: ignore[assignment]
    free = [i for i in record.numbers(False) if i not in taken]
    shown = [record.tokens[i][0] for i in free]
    n = len(values)
    if n > 1:
        at = 0
        for number in shown:
            if at < n and _lk_number_matches(key, values[at], number):
                at += 1
        if at == n:
            return [table["interleaved"].format(n=n)]
        used: set[int] = set()
        for entry in values:
            found = next((j for j, number in enumerate(shown) if j not in used
                          and _lk_number_matches(key, entry, number)), None)
            if found is None:
                break
            used.add(found)
        else:
            return [table["order"].format(n=n)]
    for k in range(2, 11):
        for first in range(len(shown) - n + 1):
            if all(_lk_times(key, e, number, k)
                   for e, number in zip(values, shown[first:first + n], strict=True)):
                return [table["times"].format(k=k)]
    for number in shown:
        if any(_lk_coarser(key, e, number) for e in values):
            return [table["digits"].format(precision=_lk_precision(values), shown=number)]
    return []


def _lk_extra_line(record: _LkRecord, taken: frozenset[int]) -> str:
    """Which numbers are extra: the first few, and the first line they are on."""
    extra = sorted(record.counted() - taken)
    numbers = ", ".join(record.tokens[i][0] for i in extra[:5])
    line = record.lines[record.tokens[extra[0]][1]] if extra else ""
    if len(line) > 60:
        line = line[:59] + "…"
    table = _lk_table()
    return table["extra_which"].format(
        numbers=numbers + (", …" if len(extra) > 5 else ""), line=line,
        more=table["extra_more"] if len({record.tokens[i][1] for i in extra}) > 1 else "")


class _LkTee(io.TextIOBase):
    """Records what a cell writes to a stream and passes it on; anything else (ipykernel's
    `set_parent`, which ties output to the running cell) goes to the stream itself."""

    def __init__(self, stream: object, parts: list[tuple[str, bool, bool]],
                 aside: bool) -> None:
        self._stream = stream
        self.parts = parts
        self.aside = aside

    def write(self, text: str) -> int:
        self.parts.append((text, self.aside, bool(_LK_STATE.get("typed_now"))))
        return self._stream.write(text)  # type: ignore[attr-defined]

    def flush(self) -> None:
        self._stream.flush()  # type: ignore[attr-defined]

    def __getattr__(self, name: str) -> object:
        return getattr(self.__dict__.get("_stream"), name)


def _lk_unwrap(stream: object) -> object:
    """`stream` without our tees, those of an earlier run of the setup cell included (whose
    class is another object of the same name)."""
    while type(stream).__name__ == "_LkTee" and "_stream" in vars(stream):
        stream = vars(stream)["_stream"]
    return stream


def _lk_print(*args: object, **kwargs: object) -> None:
    """`print` while a cell is recorded: what a `print(...)` of the cell's own code shows
    is marked typed when every argument reads no variable (`print(8)`, `print(2*3+2)`,
    `print(torch.tensor(8.))`), judged against the namespace as it is at that moment."""
    original = _LK_STATE.get("print") or _lk_builtin_print()
    lines: dict[int, list[set[str]]] = _LK_STATE.get("prints") or {}  # type: ignore[assignment]
    typed = False
    if lines:
        frame = sys._getframe(1)
        shell_ns = getattr(_LK_STATE.get("shell"), "user_ns", None)
        if (frame.f_code.co_name == "<module>" and frame.f_globals is shell_ns
                and frame.f_lineno in lines):
            typed = not any(_lk_reads_variable(names, shell_ns)  # type: ignore[arg-type]
                            for names in lines[frame.f_lineno])
    outer = _LK_STATE.get("typed_now")
    _LK_STATE["typed_now"] = typed
    try:
        original(*args, **kwargs)  # type: ignore[operator]
    finally:
        _LK_STATE["typed_now"] = outer


def _lk_builtin_print() -> object:
    """The builtin `print`, without our wrapper (an earlier setup run's included)."""
    import builtins
    found = builtins.print
    while getattr(found, "__name__", "") == "_lk_print":
        inner = getattr(found, "_lk_original", None)
        if inner is None:
            break
        found = inner
    return found


def _lk_pre_run(info: object) -> None:
    raw = getattr(info, "raw_cell", "") or ""
    if _LK_HELPER_CALL.search(raw):
        return   # a check or a 📎 context cell: the record stays the answer cell's
    try:
        shell = get_ipython()  # type: ignore[name-defined]  # noqa: F821
        source = shell.transform_cell(raw)
    except Exception:  # noqa: BLE001 - no IPython, or a cell it cannot transform
        shell, source = None, raw
    parts: list[tuple[str, bool, bool]] = []
    sys.stdout, sys.stderr = _lk_unwrap(sys.stdout), _lk_unwrap(sys.stderr)  # type: ignore[assignment]
    _LK_STATE.update(streams=(sys.stdout, sys.stderr), parts=parts, source=source,
                     shell=shell, prints=_lk_print_lines(source), typed_now=False,
                     cell_id=getattr(info, "cell_id", None))
    _lk_wrap_display(shell, parts)
    sys.stdout = _LkTee(sys.stdout, parts, aside=False)
    sys.stderr = _LkTee(sys.stderr, parts, aside=True)
    import builtins
    original = _lk_builtin_print()
    _LK_STATE["print"] = original
    _lk_print._lk_original = original  # type: ignore[attr-defined]
    builtins.print = _lk_print


def _lk_typed_call(lines: dict[int, list[set[str]]]) -> bool:
    """Whether the call being made comes from a line of the cell's own top-level code
    whose `print(...)`/`display(...)` arguments read no variable: what it shows is typed."""
    shell_ns = getattr(_LK_STATE.get("shell"), "user_ns", None)
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_name == "<module>" and frame.f_globals is shell_ns:
            return frame.f_lineno in lines and not any(
                _lk_reads_variable(names, shell_ns)  # type: ignore[arg-type]
                for names in lines[frame.f_lineno])
        frame = frame.f_back  # type: ignore[assignment]
    return False


def _lk_wrap_display(shell: object, parts: list[tuple[str, bool, bool]]) -> None:
    """Record what `display(...)` shows while the cell runs (its plain text, when the
    output is no picture), as `print` is recorded."""
    publisher = getattr(shell, "display_pub", None)
    if publisher is None:
        return
    _lk_unwrap_display(shell)
    original = publisher.publish

    def _lk_publish(data: dict[str, object], *args: object, **kwargs: object) -> object:
        text = data.get("text/plain") if isinstance(data, dict) else None
        if isinstance(text, str) and not any(str(k).startswith("image/") for k in data):
            lines: dict[int, list[set[str]]] = _LK_STATE.get("prints") or {}  # type: ignore[assignment]
            parts.append(("\n" + text + "\n", False, bool(lines) and _lk_typed_call(lines)))
        return original(data, *args, **kwargs)

    _lk_publish._lk_original = original  # type: ignore[attr-defined]
    publisher.publish = _lk_publish


def _lk_unwrap_display(shell: object) -> None:
    """The display publisher without our wrapper (an earlier setup run's included)."""
    publisher = getattr(shell, "display_pub", None)
    if publisher is None:
        return
    found = vars(publisher).get("publish")
    while found is not None and getattr(found, "__name__", "") == "_lk_publish":
        found = getattr(found, "_lk_original", None)
    if "publish" in vars(publisher):
        del publisher.publish   # back to the class's method
        if found is not None and getattr(found, "__self__", None) is not publisher:
            publisher.publish = found


def _lk_post_run(result: object) -> None:
    streams = _LK_STATE.get("streams")
    if streams is None:
        return
    import builtins
    builtins.print = _lk_builtin_print()  # type: ignore[assignment]
    sys.stdout, sys.stderr = streams  # type: ignore[misc]
    _lk_unwrap_display(_LK_STATE.get("shell"))
    parts: list[tuple[str, bool, bool]] = _LK_STATE["parts"]  # type: ignore[assignment]
    source = str(_LK_STATE.get("source") or "")
    shell = _LK_STATE.get("shell")
    _LK_STATE.update(streams=None, parts=None, source=None, prints=None, typed_now=False)
    value = getattr(result, "result", None)
    error = getattr(result, "error_in_exec", None) or getattr(result, "error_before_exec", None)
    if value is not None:
        namespace = getattr(shell, "user_ns", None)
        typed = namespace is not None and _lk_typed_value(source, namespace)
        parts.append(("\n" + repr(value), False, typed))
    elif error is None and _lk_shows_none(source):
        parts.append(("\nNone", False, False))   # `x.grad` alone: Jupyter shows nothing for None
    raised = None
    if error is not None:
        raised = (type(error).__name__, str(error))
        parts.append((f"\n{type(error).__name__}: {error}", True, False))
    record = _LkRecord(parts, raised, source)
    record.cell_id = _LK_STATE.get("cell_id")  # type: ignore[assignment]
    _LK_STATE["record"] = record
    if record.cell_id:
        records: dict[str, _LkRecord] = _LK_STATE.setdefault("records", {})  # type: ignore[assignment]
        records[str(record.cell_id)] = record


def _lk_install() -> None:
    """Hooks the recorder into IPython; run again (the setup cell re-run), it first removes
    the earlier run's hooks and the tees its recorder put on sys.stdout and sys.stderr
    for the setup cell itself, so that output goes on reaching the cell that runs."""
    sys.stdout, sys.stderr = _lk_unwrap(sys.stdout), _lk_unwrap(sys.stderr)  # type: ignore[assignment]
    import builtins
    builtins.print = _lk_builtin_print()  # type: ignore[assignment]
    shell = get_ipython()  # type: ignore[name-defined]  # noqa: F821 - IPython builtin
    _lk_unwrap_display(shell)
    for event, hook in (("pre_run_cell", _lk_pre_run), ("post_run_cell", _lk_post_run)):
        for old in [h for h in shell.events.callbacks[event]
                    if getattr(h, "__name__", None) == hook.__name__]:
            shell.events.unregister(event, old)
        shell.events.register(event, hook)


def _lk_items(label: str) -> list[dict[str, object]]:
    """The values an exercise's answer must show (its `uses` entry aside)."""
    return [item for item in _LK_ANSWERS[label] if item["kind"] != "uses"]


def _lk_uses(label: str) -> list[str]:
    """The names an answer must call (the model answer's `uses=`), or none."""
    return [str(name) for item in _LK_ANSWERS[label] if item["kind"] == "uses"
            for name in item["names"]]  # type: ignore[attr-defined]


def _lk_answer_cell(source: str, label: str) -> bool:
    """Without cell ids: the cell still starts with its answer cell's first line
    (`# 演習1 (1): ...`, as the notebook gives it), so it is that answer for sure; a cell
    that does not is still judged, but may be a scratch cell run after the answer."""
    first = source.lstrip().split("\n", 1)[0]
    return first.startswith(f"# {label}:")


def _lk_other_answer_cell(source: str, label: str) -> str | None:
    """Without cell ids: the exercise (not `label`) whose answer cell this is, by its first
    line (`# 演習1 (2): ...`), or None."""
    return next((other for other in _LK_ANSWERS
                 if other != label and _lk_answer_cell(source, other)), None)


def _lk_record_for(label: str) -> tuple[_LkRecord | None, bool, str | None]:
    """The record a check reads, whether the cell ids said which cell that is, and why
    the cell run last stands in for the answer cell (`"unrun"`, `"silent"`), or None.

    With ids: the latest record of the exercise's own answer cell, whatever ran after it
    (a scratch cell); the cell run last when the answer cell was never run, or showed
    nothing while the cell run last (not another exercise's answer cell) showed something
    (an answer written in a cell of one's own).  Without ids: the cell run last."""
    latest: _LkRecord | None = _LK_STATE.get("record")  # type: ignore[assignment]
    cell = _LK_CELLS.get(label)
    if latest is None or latest.cell_id is None or cell is None:
        return latest, False, None
    records: dict[str, _LkRecord] = _LK_STATE.get("records") or {}  # type: ignore[assignment]
    own = records.get(cell)
    if own is None or (not own.lines and latest.lines
                       and latest.cell_id not in _LK_CELLS.values()):
        return latest, True, "unrun" if own is None else "silent"
    return own, True, None


def check(label: str) -> None:
    """Tell whether the answer cell of `label` (with cell ids; else the cell run just
    before this one) showed the expected answer.

    That cell's record, when it shows something, belongs to the first check that reads
    it: read by the check of another exercise, it is that exercise's answer, not this
    one's."""
    if label not in _LK_ANSWERS:
        _lk_say("unknown", label=label, names=", ".join(_LK_ANSWERS))
        return
    record, known, stand_in = _lk_record_for(label)
    if (known and record is not None and record.cell_id != _LK_CELLS.get(label)
            and record.cell_id in _LK_CELLS.values() and record.owner in (None, label)):
        _lk_say("not_run", label=label)   # another exercise's answer cell ran last
        return
    if record is not None and record.owner not in (None, label):
        _lk_say("other", label=label, other=record.owner)
        return
    other = (None if (known and not stand_in) or record is None or record.owner is not None
             else _lk_other_answer_cell(record.source, label))
    if other is not None:   # another exercise's answer cell (or a copy of it) ran last
        _lk_say("other_cell", label=label, other=other)
        return
    if stand_in and record is not None and record.cell_id in _LK_GIVEN:
        _lk_say("not_run", label=label)   # the setup or a slide's code ran last
        return
    items = _lk_items(label)
    raises = any(item["kind"] == "error" for item in items)
    if record is None or not record.lines:   # nothing shown: no answer to claim
        ran_code = record is not None and _lk_has_code(record.source)
        if raises and ran_code and _lk_swallowed(record.source):   # type: ignore[union-attr]
            _lk_say("swallowed", label=label)
            return
        _lk_say(("no_error" if ran_code else "empty_error") if raises else "empty",
                label=label)
        return
    record.owner = label
    missing, extra, taken = _lk_judge(label, record)
    uses = _lk_uses(label)
    if (not missing and not extra and (record.error is None or raises)
            and not (uses and not _lk_calls(record.source, uses))):
        _lk_say("right", label=label)
        return
    _lk_wrong(label, record, missing, extra, taken)
    if stand_in and not _lk_answer_cell(record.source, label):
        # with ids: the answer cell never ran (or showed nothing), and a cell the student
        # added (no answer cell, no cell of `_LK_GIVEN`: both answered above) was judged in
        # its place; a copy of the answer cell, its first line kept, is that cell itself
        _lk_say(f"taken_{stand_in}", label=label)
    elif not known and not _lk_answer_cell(record.source, label):
        # without ids, and the cell lost its `# 演習1 (1): ...` first line: the cell run
        # last was judged, which may be a scratch cell run after the answer
        _lk_say("taken_last")


def _lk_wrong(label: str, record: _LkRecord, missing: list[dict[str, object]], extra: int,
              taken: object) -> None:
    """What is wrong with an answer that is not right: its verdict, then one line per
    problem found (`_lk_judge` gave `missing`, `extra` and `taken`)."""
    items = _lk_items(label)
    raises = any(item["kind"] == "error" for item in items)
    if not missing and record.error is not None and not raises:
        _lk_say("stopped_right", label=label, error=_lk_stopped(record))
        return
    uses = _lk_uses(label)
    if not missing and not extra:   # right values, not computed as the exercise asks
        names = _lk_table()["uses_or"].join(f"{name}()" for name in uses)
        _lk_say("uses", label=label, names=names)
        return
    if not missing:
        _lk_say("extra", label=label, n=extra)
        print(_lk_extra_line(record, taken))
        _lk_say("extra_fix")
        return
    found = len(items) - len(missing)
    table = _lk_table()
    key = _lk_key(_LK_SALT, label)
    lines: list[str] = []   # what is missing, and what this output shows wrong
    for item in missing:
        said = (_lk_tensor_problems(key, item, record, taken) if item["kind"] == "tensor"
                else [_lk_describe(item)])
        hints = _lk_number_hints(key, item, record, taken) if item["kind"] == "numbers" else []
        lines += said + hints
    extra_lines = []
    if any(item["kind"] == "error" for item in missing) and _lk_swallowed(record.source):
        extra_lines.append(table["swallowed_line"])
    if len(_lk_judge(label, record, typed_ok=True)[0]) < len(missing):
        kinds = record.typed_kinds() or {"typed"}
        extra_lines += [table[kind] for kind in ("typed", "typed_expr") if kind in kinds]
    if (any(item["kind"] in ("numbers", "tensor") for item in missing)
            and any(_LK_NONE.search(line) for line in record.lines)):
        extra_lines.append(table["none"])
    _lk_say("wrong_one" if len(items) == 1 else "wrong" if found else "wrong_none",
            label=label, total=len(items), matched=found)
    if record.error is not None and not raises:   # a value was expected, the cell failed
        _lk_say("stopped", error=_lk_stopped(record))
    for line in lines + extra_lines:
        print(line)
