"""Runs inside the student's kernel (standard library only): record a cell, check an answer.

The exercises notebook embeds this file's source in a hidden first cell, then
defines `_LK_ANSWERS` and `_LK_SALT` and calls `_lk_install()`.  Each cell's
printed text, displayed value and exception are recorded; the self-check
cell `check("演習1 (1)")` compares the record of the cell run just before it
with what the official answer shows, by VALUE, not by layout:

- a tensor (`tensor([3., 4.], requires_grad=True)`) must come back as a
  tensor of the same shape and flags with close values; a bare number does
  not pass for it;
- numbers (`1.5`, `0.25 -3.0`) must appear, in order, among the numbers
  the student printed or returned, each within one unit of the last digit
  the slide shows (integers exactly);
- an expected exception must be raised (or printed) with the same type;
- anything else is compared as text, whitespace ignored.

Nothing readable is stored: every accepted value is a salted sha256 (salt
per notebook and per exercise) of the value counted in units of the slide's
last digit, so recovering an answer means guessing and hashing, not decoding.
`_lk_expected` builds those entries at build time; the same code checks.
"""

from __future__ import annotations

import hashlib
import io
import re
import sys
from decimal import Decimal, InvalidOperation

_LK_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w])")
_LK_ERROR = re.compile(r"^\s*([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt))\b(?::|$)")
_LK_CHECK_CALL = re.compile(r"^\s*check\(")
_LK_TENSOR_PRECISION = -4
"""torch prints 4 decimals by default; tensor values are compared at that precision."""
_LK_FLAGS = re.compile(r"\b(requires_grad=True|dtype=[\w.]+)")
_LK_ANSWERS: dict[str, list[dict[str, object]]] = {}
_LK_SALT = ""
_LK_STATE: dict[str, object] = {"record": None, "stream": None, "buffer": None}


def _lk_key(salt: str, label: str) -> str:
    """What every hash of one exercise is salted with."""
    return f"{salt}|{label}"


def _lk_hash(key: str, payload: str) -> str:
    return hashlib.sha256(f"{key}|{payload}".encode()).hexdigest()[:24]


def _lk_tensors(text: str) -> list[tuple[str, list[str]]]:
    """Each `tensor(...)` repr in `text`: (shape-and-flags skeleton, value strings)."""
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
        found.append((shape + "|" + ",".join(flags), _LK_NUMBER.findall(data)))
    return found


def _lk_units(number: str, exponent: int) -> int | None:
    """`number` counted in units of 10**exponent, rounded half to even."""
    try:
        return int(Decimal(number).scaleb(-exponent).to_integral_value())
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
    units = _lk_units(number, int(entry["q"]))  # type: ignore[arg-type]
    if units is None:
        return False
    near = [units] if entry["exact"] else [units - 1, units, units + 1]
    return any(_lk_hash(key, str(u)) == entry["h"] for u in near)


def _lk_lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.split("\n") if line.strip()]


def _lk_expected(key: str, text: str) -> list[dict[str, object]]:
    """What the notebook stores about one expected output (built at handout build time);
    `key` is `_lk_key(salt, label)`."""
    error = _LK_ERROR.match(text.strip().split("\n")[-1])
    if error:
        return [{"kind": "error", "type": _lk_hash(key, error[1].rsplit(".", 1)[-1])}]
    tensors = _lk_tensors(text)
    if tensors:
        return [{"kind": "tensor", "shape": _lk_hash(key, shape),
                 "values": [_lk_number_entry(key, n, True) for n in values]}
                for shape, values in tensors]
    numbers = _LK_NUMBER.findall(text)
    if numbers:
        return [{"kind": "numbers", "values": [_lk_number_entry(key, n, False)
                                               for n in numbers]}]
    lines = _lk_lines(text)
    return [{"kind": "text", "n": len(lines), "h": _lk_hash(key, "\n".join(lines))}]


class _LkRecord:
    """What one cell showed: its text (printed, displayed value, error) and its error type."""

    def __init__(self, text: str, error_type: str | None) -> None:
        self.text = text
        self.error_type = error_type
        self.tensors = _lk_tensors(text)
        self.numbers = _LK_NUMBER.findall(text)
        self.lines = _lk_lines(text)


def _lk_item_found(key: str, item: dict[str, object], record: _LkRecord,
                   cursor: dict[str, int]) -> bool:
    """Whether `item` appears in `record` after the cursor of its kind (advanced on success)."""
    kind = str(item["kind"])
    start = cursor.get(kind, 0)
    if kind == "error":
        names = [record.error_type] if record.error_type else []
        names += [m[1].rsplit(".", 1)[-1] for m in map(_LK_ERROR.match, record.lines) if m]
        return any(_lk_hash(key, name) == item["type"] for name in names)
    if kind == "tensor":
        values = item["values"]
        for index in range(start, len(record.tensors)):
            shape, numbers = record.tensors[index]
            if (_lk_hash(key, shape) == item["shape"] and len(numbers) == len(values)
                    and all(_lk_number_matches(key, e, n)
                            for e, n in zip(values, numbers, strict=True))):  # type: ignore[arg-type]
                cursor[kind] = index + 1
                return True
        return False
    if kind == "numbers":
        values = item["values"]
        for first in range(start, len(record.numbers) - len(values) + 1):  # type: ignore[arg-type]
            window = record.numbers[first:first + len(values)]  # type: ignore[arg-type]
            if all(_lk_number_matches(key, e, n)
                   for e, n in zip(values, window, strict=True)):  # type: ignore[arg-type]
                cursor[kind] = first + len(values)  # type: ignore[arg-type]
                return True
        return False
    size = int(item["n"])  # type: ignore[arg-type]
    for first in range(start, len(record.lines) - size + 1):
        if _lk_hash(key, "\n".join(record.lines[first:first + size])) == item["h"]:
            cursor[kind] = first + size
            return True
    return False


def _lk_matches(label: str, record: _LkRecord) -> int:
    """How many of the answer's expected outputs the record shows, in order."""
    cursor: dict[str, int] = {}
    key = _lk_key(_LK_SALT, label)
    return sum(_lk_item_found(key, item, record, cursor) for item in _LK_ANSWERS[label])


class _LkTee(io.TextIOBase):
    def __init__(self, stream: object) -> None:
        self._stream = stream
        self.parts: list[str] = []

    def write(self, text: str) -> int:
        self.parts.append(text)
        return self._stream.write(text)  # type: ignore[attr-defined]

    def flush(self) -> None:
        self._stream.flush()  # type: ignore[attr-defined]


def _lk_pre_run(info: object) -> None:
    if _LK_CHECK_CALL.match(getattr(info, "raw_cell", "") or ""):
        return
    tee = _LkTee(sys.stdout)
    _LK_STATE.update(stream=sys.stdout, buffer=tee)
    sys.stdout = tee


def _lk_post_run(result: object) -> None:
    tee = _LK_STATE.get("buffer")
    if tee is None:
        return
    sys.stdout = _LK_STATE["stream"]
    _LK_STATE.update(stream=None, buffer=None)
    text = "".join(tee.parts)  # type: ignore[attr-defined]
    value = getattr(result, "result", None)
    if value is not None:
        text += "\n" + repr(value)
    error = getattr(result, "error_in_exec", None) or getattr(result, "error_before_exec", None)
    if error is not None:
        text += f"\n{type(error).__name__}: {error}"
    _LK_STATE["record"] = _LkRecord(text, type(error).__name__ if error is not None else None)


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
        print(f"{label} は見つかりません（{', '.join(_LK_ANSWERS)} のどれか）")
        return
    record = _LK_STATE.get("record")
    if record is None or not record.lines:  # type: ignore[attr-defined]
        print(f"❔ {label}: すぐ上のセルが何も表示していません。"
              f"答えを print して実行してから、このセルを実行してください。")
        return
    total = len(_LK_ANSWERS[label])
    matched = _lk_matches(label, record)  # type: ignore[arg-type]
    if matched == total:
        print(f"✅ {label}: 正解です！")
        return
    print(f"❌ {label}: まだ正解ではありません（確かめる値 {total} 個のうち "
          f"{matched} 個が一致）。")
