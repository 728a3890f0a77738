"""Runs inside the student's kernel (standard library only): capture a cell, check an answer.

The exercises notebook embeds this file's source in a hidden first cell, then
defines `_LK_ANSWERS` and calls `_lk_install()`.  Each IPython cell's printed
output, its displayed value and any exception are recorded; the self-check
cell `check("1-1")` compares the previous cell's record with the expected
outputs of the official answer, known only by their sha256 and by their
numbers (packed, for a tolerance check), never as readable text.
"""

from __future__ import annotations

import base64
import hashlib
import io
import math
import re
import struct
import sys

_LK_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")
_LK_CHECK_CALL = re.compile(r"^\s*check\(")
_LK_REL, _LK_ABS = 1e-3, 1e-4
_LK_ANSWERS: dict[str, list[dict[str, object]]] = {}
_LK_STATE: dict[str, object] = {"lines": None, "stream": None, "buffer": None}


def _lk_lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.split("\n") if line.strip()]


def _lk_digest(lines: list[str]) -> str:
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def _lk_numbers(text: str) -> list[float]:
    return [float(n) for n in _LK_NUMBER.findall(text)]


def _lk_pack(numbers: list[float]) -> str:
    return base64.b64encode(struct.pack(f"<{len(numbers)}d", *numbers)).decode("ascii")


def _lk_unpack(packed: str) -> list[float]:
    raw = base64.b64decode(packed)
    return list(struct.unpack(f"<{len(raw) // 8}d", raw))


def _lk_expected(text: str) -> dict[str, object]:
    """What the notebook stores about one expected output (built at handout build time)."""
    lines = _lk_lines(text)
    return {"n": len(lines), "sha256": _lk_digest(lines), "numbers": _lk_pack(_lk_numbers(text))}


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
    error = getattr(result, "error_in_exec", None)
    if error is not None:
        text += f"\n{type(error).__name__}: {error}"
    _LK_STATE["lines"] = _lk_lines(text)


def _lk_install() -> None:
    shell = get_ipython()  # type: ignore[name-defined]  # noqa: F821 - IPython builtin
    for event, hook in (("pre_run_cell", _lk_pre_run), ("post_run_cell", _lk_post_run)):
        for old in [h for h in shell.events.callbacks[event]
                    if getattr(h, "__name__", None) == hook.__name__]:
            shell.events.unregister(event, old)
        shell.events.register(event, hook)


def _lk_close(actual: list[float], expected: list[float]) -> bool:
    if len(actual) != len(expected):
        return False
    pairs = zip(actual, expected, strict=True)
    return all(math.isclose(a, e, rel_tol=_LK_REL, abs_tol=_LK_ABS) for a, e in pairs)


def _lk_find(item: dict[str, object], lines: list[str], start: int) -> int | None:
    """Index after the first window of `lines` (from `start`) that matches `item`."""
    size = int(item["n"])  # type: ignore[arg-type]
    numbers = _lk_unpack(str(item["numbers"]))
    for first in range(start, len(lines) - size + 1):
        if _lk_digest(lines[first:first + size]) == item["sha256"]:
            return first + size
    if not numbers:
        return None
    for first in range(start, len(lines)):
        found: list[float] = []
        for last in range(first, len(lines)):
            found += _lk_numbers(lines[last])
            if len(found) >= len(numbers):
                if _lk_close(found[:len(numbers)], numbers) and len(found) == len(numbers):
                    return last + 1
                break
    return None


def _lk_matches(answer_id: str, lines: list[str]) -> int:
    """How many of the answer's expected outputs appear, in order, in `lines`."""
    position, matched = 0, 0
    for item in _LK_ANSWERS[answer_id]:
        end = _lk_find(item, lines, position)
        if end is not None:
            position, matched = end, matched + 1
    return matched


def check(answer_id: str) -> None:
    """Tell whether the cell run just before this one printed the expected answer."""
    if answer_id not in _LK_ANSWERS:
        print(f"演習 {answer_id} は見つかりません（{', '.join(_LK_ANSWERS)} のどれか）")
        return
    lines = _LK_STATE.get("lines")
    if not lines:
        print(f"❔ 演習 {answer_id}: すぐ上のセルが何も表示していません。"
              f"答えを print して実行してから、このセルを実行してください。")
        return
    total = len(_LK_ANSWERS[answer_id])
    matched = _lk_matches(answer_id, lines)  # type: ignore[arg-type]
    if matched == total:
        print(f"✅ 演習 {answer_id}: 正解です！")
        return
    print(f"❌ 演習 {answer_id}: まだ正解ではありません（期待される出力 {total} 個のうち "
          f"{matched} 個が一致）。")
