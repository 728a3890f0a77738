"""The one place that edits deck files: apply expected-output edits in place.

Edits address the deck as the model numbers it (1-based lines, character
columns).  Everything outside the edited spans stays byte-for-byte: the BOM,
each line's own ending (CRLF or LF), other comments.  A file is written to a
temporary name beside it and renamed over the original, so a deck is never
half-written; an edit whose old text is no longer in the file is refused.
"""

from __future__ import annotations

import functools
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
"""One line with its ending; U+2028 and other separators stay inside (as in the model)."""

END = -1
"""Column meaning "the end of the line, before its line ending"."""


@dataclass(frozen=True)
class Edit:
    """Replace deck text from (line, col) to (end_line, end_col) by `text`.

    `text` separates lines with "\\n"; each becomes the ending the file uses.
    `old` is the text the span must still hold, so a stale edit is refused.
    """

    path: str
    line: int
    col: int
    end_line: int
    end_col: int
    text: str
    old: str

    def as_list(self) -> list[object]:
        return [self.path, self.line, self.col, self.end_line, self.end_col, self.text, self.old]

    @classmethod
    def from_list(cls, data: list[object]) -> Edit:
        path, line, col, end_line, end_col, text, old = data
        return cls(str(path), int(line), int(col), int(end_line), int(end_col),  # type: ignore[arg-type]
                   str(text), str(old))


class RewriteError(Exception):
    pass


def apply_edits(path: Path | str, edits: Iterable[Edit]) -> int:
    """Apply edits to one deck file; return how many changed it (0: file untouched)."""
    path = Path(path)
    data = path.read_bytes()
    bom = data.startswith(b"\xef\xbb\xbf")
    text = data[3:].decode("utf-8") if bom else data.decode("utf-8")
    lines = _Lines(text, path)
    spans = sorted({lines.span(e): e for e in edits}.items(), reverse=True)
    previous_start = len(text) + 1
    for (start, end), edit in spans:
        if end > previous_start:
            raise RewriteError(f"{path}:{edit.line}: overlapping output edits; file left as it was")
        previous_start = start
        if text[start:end] != edit.old:
            raise RewriteError(f"{path}:{edit.line}: the deck changed since it was checked "
                               f"(expected {edit.old!r} there); file left as it was")
    new = text
    changed = 0
    for (start, end), edit in spans:
        replacement = edit.text.replace("\n", lines.ending(edit.line))
        if new[start:end] != replacement:
            changed += 1
        new = new[:start] + replacement + new[end:]
    if new == text:
        return 0
    _write_atomically(path, (b"\xef\xbb\xbf" if bom else b"") + new.encode("utf-8"))
    return changed


def span_text(text: str, line: int, col: int, end_line: int, end_col: int) -> str:
    """The text an edit of this span would replace (for `Edit.old`)."""
    start, end = _indexed(text).span(Edit("", line, col, end_line, end_col, "", ""))
    return text[start:end]


@functools.lru_cache(maxsize=8)
def _indexed(text: str) -> _Lines:
    """A deck text's line offsets, computed once per text, not once per failing expectation
    (which made a deck of N failing blocks cost O(N²))."""
    return _Lines(text, Path("<deck>"))


class _Lines:
    """A text's lines as the deck model numbers them (CRLF, CR, LF), with offsets."""

    def __init__(self, text: str, path: Path) -> None:
        self.path = path
        self.lines = [line for line in _LINE.findall(text) if line]
        self.content = [line.rstrip("\r\n") for line in self.lines]
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))
        self.dominant = _dominant_ending(self.lines)

    def span(self, edit: Edit) -> tuple[int, int]:
        return self.offset(edit.line, edit.col), self.offset(edit.end_line, edit.end_col)

    def offset(self, line: int, col: int) -> int:
        if not 1 <= line <= len(self.lines):
            raise RewriteError(f"{self.path}:{line}: no such line; file left as it was")
        content = self.lines[line - 1].rstrip("\r\n")
        if col == END:
            col = len(content)
        if not 0 <= col <= len(content):
            raise RewriteError(f"{self.path}:{line}: no column {col}; file left as it was")
        return self.starts[line - 1] + col

    def ending(self, line: int) -> str:
        own = self.lines[line - 1][len(self.lines[line - 1].rstrip("\r\n")):]
        return own or self.dominant


def _dominant_ending(lines: list[str]) -> str:
    crlf = sum(1 for ln in lines if ln.endswith("\r\n"))
    lf = sum(1 for ln in lines if ln.endswith("\n") and not ln.endswith("\r\n"))
    return "\r\n" if crlf > lf else "\n"


def _write_atomically(path: Path, data: bytes) -> None:
    mode = path.stat().st_mode & 0o7777
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
