"""A deck's Python blocks as notebook code cells, each line mapped back to the deck.

A transcript (`>>>`) becomes plain code: prompts stripped, only input lines
kept, cut into one cell per shown output.  A script block whose expected
output is an exception is cut after the statement that raises, so the
notebook runs on past it as the checker does; the cut-off piece is tagged
`raises-exception` (nbclient's convention).  With `show_values`, a script
block is also cut after each bare expression whose value the slide shows
(`x + 2  # -> tensor(4.)`) before its last statement: a notebook displays
only a cell's last value, so each checked value gets a cell that ends on it;
and the `# -> value` (`#> value`) comments are taken out of the cells' code,
since the value now shows once, as the cell's output.  Other comments stay.
"""

from __future__ import annotations

import ast
import importlib.util
from dataclasses import dataclass, field

from lecturekit.check.expectations import (
    ExpectedError,
    attach,
    find_inline_comments,
    find_transcript,
)
from lecturekit.deck import Fence

RAISES = "raises-exception"
SKIP = "skip-execution"



@dataclass
class CodePiece:
    """One code cell's source, with the deck line of each of its lines."""

    fence: Fence
    source: str
    lines: list[int]
    tags: list[str] = field(default_factory=list)


def code_pieces(fence: Fence, show_values: bool = False) -> list[CodePiece]:
    pieces = (_transcript_pieces(fence) if fence.is_transcript
              else _script_pieces(fence, show_values))
    if fence.has("skip") or _missing_module(fence.value("importorskip")):
        for piece in pieces:
            piece.tags.append(SKIP)
    elif fence.has("xfail"):
        for piece in pieces:
            if RAISES not in piece.tags:
                piece.tags.append(RAISES)
    return pieces


def _missing_module(name: str | None) -> bool:
    """`importorskip=NAME` and NAME does not import here (the kernel is this interpreter)."""
    if not name:
        return False
    try:
        return importlib.util.find_spec(name) is None
    except (ImportError, ValueError):
        return True


def _script_pieces(fence: Fence, show_values: bool = False) -> list[CodePiece]:
    code: list[str | None] = list(fence.code.rstrip("\n").split("\n"))
    errors = _cuts_after_expected_errors(fence)
    values = _cuts_after_shown_values(fence) if show_values else []
    if show_values:
        code = without_expectations(fence)
    cuts = sorted({*errors, *values})
    pieces, start = [], 0
    for cut in [*cuts, len(code)]:
        kept = [n for n in range(start, cut) if code[n] is not None]
        if kept:
            tags = [RAISES] if cut in errors else []
            pieces.append(CodePiece(fence, "\n".join(code[n] or "" for n in kept),
                                    [fence.body_lines[n] for n in kept], tags))
        start = cut
    return pieces or [CodePiece(fence, "", [])]


def without_expectations(fence: Fence) -> list[str | None]:
    """The block's code lines with each `# -> value` / `#> value` comment taken out: a
    comment after code is cut off the line, a comment line (and each continuation line)
    becomes None.  Line indices stay those of `fence.code`."""
    lines: list[str | None] = list(fence.code.rstrip("\n").split("\n"))
    for comment in find_inline_comments(fence):
        first = comment.comment[0]
        if comment.standalone:
            lines[first.index] = None
        else:
            lines[first.index] = (lines[first.index] or "")[:first.col].rstrip()
        for more in comment.comment[1:]:
            lines[more.index] = None
    return lines


def _cuts_after_expected_errors(fence: Fence) -> list[int]:
    """Code line counts after each top-level statement expected to raise (checker's reading)."""
    found = _attached([c for c in find_inline_comments(fence) if isinstance(c, ExpectedError)],
                      fence)
    if found is None:
        return []
    _, ends, by_statement = found
    return sorted(_cut_after(index, ends, by_statement) for index in by_statement)


def _cuts_after_shown_values(fence: Fence) -> list[int]:
    """Code line counts after each bare expression (not the last statement, not a `print`)
    that carries a `# -> value` comment."""
    found = _attached([c for c in find_inline_comments(fence)
                       if not isinstance(c, ExpectedError)], fence)
    if found is None:
        return []
    body, ends, by_statement = found
    cuts = []
    for index in by_statement:
        statement = body[index]
        if index == len(body) - 1 or not isinstance(statement, ast.Expr):
            continue
        call = statement.value
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) \
                and call.func.id == "print":
            continue
        cuts.append(_cut_after(index, ends, by_statement))
    return sorted(cuts)


def _attached(comments: list, fence: Fence) -> tuple[list[ast.stmt], list[int], dict] | None:
    """The block's top-level statements, the code line each ends on, and `comments` tied to
    them as the checker ties them (`attach`); None without comments or for code that does
    not parse (the checker reports that)."""
    if not comments:
        return None
    try:
        tree = ast.parse(fence.code)
    except SyntaxError:
        return None
    ends = [s.end_lineno or s.lineno for s in tree.body]
    spans = [(fence.body_lines[s.lineno - 1], fence.body_lines[end - 1])
             for s, end in zip(tree.body, ends, strict=True)]
    return tree.body, ends, attach(comments, spans).by_statement


def _cut_after(index: int, ends: list[int], by_statement: dict) -> int:
    """After statement `index`, or after its expectation when that is written below it."""
    return max(ends[index], max(c.comment[-1].index for c in by_statement[index]) + 1)


def _transcript_pieces(fence: Fence) -> list[CodePiece]:
    """The examples' input lines (doctest's reading), a cell ending at each shown output.

    IPython displays only a cell's last expression, so a cell ends after every
    example that has an expected output (its echo then shows as the prompt
    showed it); one that expects a traceback is tagged `raises-exception`.
    """
    pieces: list[CodePiece] = []
    source: list[str] = []
    lines: list[int] = []
    for item in find_transcript(fence):
        example = item.example
        count = example.source.count("\n")
        source.append(example.source.rstrip("\n"))
        lines.extend(fence.body_lines[example.lineno:example.lineno + count])
        if example.want or example.exc_msg is not None:
            tags = [RAISES] if example.exc_msg is not None else []
            pieces.append(CodePiece(fence, "\n".join(source), lines, tags))
            source, lines = [], []
    if source:
        pieces.append(CodePiece(fence, "\n".join(source), lines))
    return pieces
