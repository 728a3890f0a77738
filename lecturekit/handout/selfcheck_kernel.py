"""Runs inside the student's kernel (standard library only): record a cell, check an answer.

The exercises notebook packs this file's source into its setup cell, then
defines `_LK_ANSWERS`, `_LK_SALT`, `_LK_LANG` and calls `_lk_install()`.
Each cell's printed text (stdout and stderr), displayed value and exception
are recorded; `check("演習1 (1)")` compares the record of the cell run just
before it with what the official answer shows.  ONE rule decides (README,
"Exercises"; the notebook's first cell says it in one sentence):

- every expected output line (one `# -> ...` comment, one shown result) is a
  value; the values may appear in any order, a value of several numbers
  (`2.0 4.0 6.0`) keeps its own order;
- numbers are compared at the precision the slide shows: the student's number
  rounded half up to the slide's last digit must equal it (so `7.9` is not
  `8.0`, `7.96` is); integers exactly; a tensor torch prints as `3.` is shown
  at torch's 4 decimals, so its values are compared at 4 decimals;
- the container and dtype are ignored where the value is the question: an
  expected tensor without flags is its numbers, shown any way (a float64
  tensor, a list, bare numbers); a tensor shown with `requires_grad=True` or a
  `dtype=` asks for a tensor: same shape, carrying those flags;
- an expected error matches by type and message, raised or caught and printed
  (`print(e)`, `print(type(e).__name__, e)`, `print(repr(e))`, `print('エラー:', e)`,
  a traceback); a wrong answer is told which kinds of value are missing;
- anything else is compared as text, whitespace ignored.

Every accepted value is stored as a salted sha256 (salt per notebook and per
exercise) of the value counted in units of the slide's last digit.
`_lk_expected` builds those entries when the notebook is made; the same code
checks in the kernel.
"""

from __future__ import annotations

import hashlib
import io
import re
import sys
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

_LK_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w])")
_LK_ERROR = re.compile(r"^\s*([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt))\b(?::|$)")
_LK_ERROR_NAME = r"([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning))"
_LK_ERROR_FORMS = (
    re.compile(rf"^{_LK_ERROR_NAME}:\s*(.*)$"),                   # RuntimeError: msg
    re.compile(rf"^{_LK_ERROR_NAME}\((['\"])(.*)\2,?\)$"),       # RuntimeError('msg')
    re.compile(rf"^{_LK_ERROR_NAME}\s+(.*)$"),                     # RuntimeError msg
    re.compile(r"^()[^:：]{1,40}[:：]\s*(.+)$"),                   # エラー: msg (any label)
)
_LK_CHECK_CALL = re.compile(r"^\s*check\(", re.M)
_LK_TENSOR_PRECISION = -4
"""torch prints 4 decimals by default; tensor values are compared at that precision."""
_LK_FLAGS = re.compile(r"\b(requires_grad=True|dtype=[\w.]+)")
_LK_ANSWERS: dict[str, list[dict[str, object]]] = {}
_LK_SALT = ""
_LK_LANG = "ja"
_LK_STATE: dict[str, object] = {"record": None, "streams": None, "tees": None}
_LK_MESSAGES = {
    "ja": {
        "unknown": "{label} は見つかりません（{names} のどれか）",
        "empty": "❔ {label}: すぐ上のセルが何も表示していません。"
                 "答えを print して実行してから、このセルを実行してください。",
        "right": "✅ {label}: 正解です！",
        "wrong": "❌ {label}: まだ正解ではありません（確かめる値 {total} 個のうち "
                 "{matched} 個が一致）。",
        "missing_number": "  ・見つからない値：数が一つ（{precision}まで比べます）",
        "missing_numbers": "  ・見つからない値：この順に並んだ数 {n} 個（{precision}まで比べます）",
        "missing_tensor": "  ・見つからない値：requires_grad などの指定つきのテンソル"
                          "（形と指定も比べます）",
        "missing_error": "  ・見つからない値：エラーの種類とメッセージ",
        "missing_text": "  ・見つからない値：{n} 行の文（空白の違いは問いません）",
        "integer": "整数",
        "decimals": "小数第 {d} 位",
        "units": "{unit} の位",
    },
    "en": {
        "unknown": "{label} is not an exercise of this notebook (one of {names})",
        "empty": "❔ {label}: the cell just above showed nothing. Print your answer, run "
                 "that cell, then run this one.",
        "right": "✅ {label}: correct!",
        "wrong": "❌ {label}: not right yet ({matched} of the {total} values checked match).",
        "missing_number": "  - not found: a number (compared at {precision})",
        "missing_numbers": "  - not found: {n} numbers in this order (compared at {precision})",
        "missing_tensor": "  - not found: a tensor with flags such as requires_grad (shape "
                          "and flags compared too)",
        "missing_error": "  - not found: the error's type and message",
        "missing_text": "  - not found: {n} line(s) of text (spacing ignored)",
        "integer": "whole numbers",
        "decimals": "{d} decimal place(s)",
        "units": "the nearest {unit}",
    },
}


def _lk_say(key: str, **values: object) -> None:
    table = _LK_MESSAGES.get(_LK_LANG, _LK_MESSAGES["en"])
    print(table[key].format(**values))


def _lk_key(salt: str, label: str) -> str:
    """What every hash of one exercise is salted with."""
    return f"{salt}|{label}"


def _lk_hash(key: str, payload: str) -> str:
    return hashlib.sha256(f"{key}|{payload}".encode()).hexdigest()[:24]


def _lk_tensors(text: str) -> list[tuple[str, list[str], list[str]]]:
    """Each `tensor(...)` repr in `text`: (shape skeleton, value strings, flags)."""
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
        found.append((shape, _LK_NUMBER.findall(data), flags))
    return found


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


class _LkRecord:
    """What one cell showed: its text (printed, displayed value, error) and its error."""

    def __init__(self, text: str, error: tuple[str, str] | None) -> None:
        self.text = text
        self.error = error
        self.tensors = _lk_tensors(text)
        self.numbers = _LK_NUMBER.findall(text)
        self.lines = _lk_lines(text)

    def errors(self) -> list[tuple[str | None, str]]:
        """(type or None, message) of the error raised and of every printed line that
        reads like one (`Type: msg`, `Type('msg')`, `Type msg`, or a bare message)."""
        found: list[tuple[str | None, str]] = []
        if self.error:
            found.append(self.error)
        for line in self.lines:
            for form in _LK_ERROR_FORMS:  # the first form that reads the line
                match = form.match(line)
                if match:  # a label that is no error's name (`エラー:`) checks no type
                    found.append((match[1].rsplit(".", 1)[-1] or None,
                                  match[match.lastindex or 2]))
                    break
            found.append((None, line))
        return found


def _lk_window(key: str, values: list[dict[str, object]], numbers: list[str],
               used: set[int]) -> list[int] | None:
    """Indices of the first run of unused numbers matching `values` in order."""
    size = len(values)
    for first in range(len(numbers) - size + 1):
        span = list(range(first, first + size))
        if used.intersection(span):
            continue
        if all(_lk_number_matches(key, e, numbers[i])
               for e, i in zip(values, span, strict=True)):
            return span
    return None


def _lk_item_found(key: str, item: dict[str, object], record: _LkRecord,
                   used: dict[str, set[int]]) -> bool:
    """Whether `item` is shown in a part of `record` no other item used (marked on success)."""
    kind = str(item["kind"])
    taken = used.setdefault(kind, set())
    if kind == "error":
        for name, message in record.errors():
            if (_lk_hash(key, _lk_message(message)) == item["msg"]
                    and (name is None or _lk_hash(key, name) == item["type"])):
                return True
        return False
    if kind == "tensor":
        values = item["values"]
        for index, (shape, numbers, flags) in enumerate(record.tensors):
            hashed = {_lk_hash(key, f) for f in flags}
            if (index not in taken and _lk_hash(key, shape) == item["shape"]
                    and set(item["flags"]) <= hashed  # type: ignore[arg-type]
                    and len(numbers) == len(values)  # type: ignore[arg-type]
                    and all(_lk_number_matches(key, e, n)
                            for e, n in zip(values, numbers, strict=True))):  # type: ignore[arg-type]
                taken.add(index)
                return True
        return False
    if kind == "numbers":
        span = _lk_window(key, item["values"], record.numbers, taken)  # type: ignore[arg-type]
        if span is None:
            return False
        taken.update(span)
        return True
    size = int(item["n"])  # type: ignore[arg-type]
    for first in range(len(record.lines) - size + 1):
        span = set(range(first, first + size))
        if not taken & span and _lk_hash(key, "\n".join(
                record.lines[first:first + size])) == item["h"]:
            taken.update(span)
            return True
    return False


def _lk_missing(label: str, record: _LkRecord) -> list[dict[str, object]]:
    """The answer's expected values the record does not show (matched in any order)."""
    used: dict[str, set[int]] = {}
    key = _lk_key(_LK_SALT, label)
    return [item for item in _LK_ANSWERS[label]
            if not _lk_item_found(key, item, record, used)]


def _lk_describe(item: dict[str, object]) -> str:
    """What kind of value is missing, and how it is compared, without giving it away."""
    table = _LK_MESSAGES.get(_LK_LANG, _LK_MESSAGES["en"])
    kind = str(item["kind"])
    if kind == "numbers":
        values: list[dict[str, object]] = item["values"]  # type: ignore[assignment]
        first = values[0] if values else {"q": 0, "exact": True}
        q = int(first["q"])  # type: ignore[arg-type]
        precision = (table["integer"] if first["exact"] else
                     table["decimals"].format(d=-q) if q < 0 else
                     table["units"].format(unit=10 ** q))
        which = "missing_number" if len(values) == 1 else "missing_numbers"
        return table[which].format(n=len(values), precision=precision)
    if kind == "text":
        return table["missing_text"].format(n=item["n"])
    return table[f"missing_{kind}"]


class _LkTee(io.TextIOBase):
    def __init__(self, stream: object, parts: list[str]) -> None:
        self._stream = stream
        self.parts = parts

    def write(self, text: str) -> int:
        self.parts.append(text)
        return self._stream.write(text)  # type: ignore[attr-defined]

    def flush(self) -> None:
        self._stream.flush()  # type: ignore[attr-defined]


def _lk_pre_run(info: object) -> None:
    if _LK_CHECK_CALL.search(getattr(info, "raw_cell", "") or ""):
        return
    parts: list[str] = []
    _LK_STATE.update(streams=(sys.stdout, sys.stderr), parts=parts)
    sys.stdout, sys.stderr = _LkTee(sys.stdout, parts), _LkTee(sys.stderr, parts)


def _lk_post_run(result: object) -> None:
    streams = _LK_STATE.get("streams")
    if streams is None:
        return
    sys.stdout, sys.stderr = streams  # type: ignore[misc]
    text = "".join(_LK_STATE["parts"])  # type: ignore[arg-type]
    _LK_STATE.update(streams=None, parts=None)
    value = getattr(result, "result", None)
    if value is not None:
        text += "\n" + repr(value)
    error = getattr(result, "error_in_exec", None) or getattr(result, "error_before_exec", None)
    raised = None
    if error is not None:
        raised = (type(error).__name__, str(error))
        text += f"\n{type(error).__name__}: {error}"
    _LK_STATE["record"] = _LkRecord(text, raised)


def _lk_install() -> None:
    shell = get_ipython()  # type: ignore[name-defined]  # noqa: F821 - IPython builtin
    for event, hook in (("pre_run_cell", _lk_pre_run), ("post_run_cell", _lk_post_run)):
        for old in [h for h in shell.events.callbacks[event]
                    if getattr(h, "__name__", None) == hook.__name__]:
            shell.events.unregister(event, old)
        shell.events.register(event, hook)


def check(label: str) -> None:
    """Tell whether the cell run just before this one showed the expected answer."""
    if label not in _LK_ANSWERS:
        _lk_say("unknown", label=label, names=", ".join(_LK_ANSWERS))
        return
    record = _LK_STATE.get("record")
    if record is None or not record.lines:  # type: ignore[attr-defined]
        _lk_say("empty", label=label)
        return
    total = len(_LK_ANSWERS[label])
    missing = _lk_missing(label, record)  # type: ignore[arg-type]
    _lk_say("right" if not missing else "wrong", label=label, total=total,
            matched=total - len(missing))
    for item in missing:
        print(_lk_describe(item))
