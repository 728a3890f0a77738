"""Failure text a lecturer can act on: where, what was expected, what happened."""

from __future__ import annotations

from dataclasses import dataclass, field

from lecturekit.check.execute import SlideTimeout, deck_frames, exception_only
from lecturekit.check.rewrite import Edit
from lecturekit.deck import Deck, Fence

_WINDOW = 6


@dataclass
class Problem:
    """One thing wrong with a block, at one deck line."""

    line: int
    summary: str
    expected: str | None = None
    actual: str | None = None
    error: BaseException | None = None
    edits: list[Edit] = field(default_factory=list)
    """Edits that make the deck's expectation say `actual` (for --update-outputs)."""


def describe(deck: Deck, fence: Fence, problems: list[Problem], filename: str) -> str:
    """The whole failure message of a block: one section per problem."""
    return "\n\n".join(_section(deck, fence, p, filename) for p in problems)


def slide_label(deck: Deck, fence: Fence) -> str:
    slide = deck.slides[fence.slide_number - 1] if fence.slide_number else None
    if slide is None:
        return ""
    return f"slide {slide.number}" + (f" \u201c{slide.title}\u201d" if slide.title else "")


def _section(deck: Deck, fence: Fence, problem: Problem, filename: str) -> str:
    parts = [f"{deck.path}:{problem.line}: {problem.summary} ({slide_label(deck, fence)})",
             _listing(deck, fence, problem.line)]
    if problem.expected is not None and problem.actual is not None:
        parts.append(_diff(problem.expected, problem.actual))
    elif problem.actual:
        parts.append("printed:\n" + _indent(problem.actual.rstrip("\n")))
    if problem.error is not None and not isinstance(problem.error, SlideTimeout):
        parts.append(_traceback(deck, problem.error, filename))
    return "\n".join(parts)


def _listing(deck: Deck, fence: Fence, mark: int) -> str:
    """The block's lines, the problem line marked `>` (an `output` fence below included)."""
    lines = deck.lines
    first, last = fence.line, min(fence.end_line, len(lines))
    if fence.end_line < mark <= len(lines):
        output_fence = next((f for f in _slide_fences(deck, fence)
                             if f.line < mark <= f.end_line), None)
        last = output_fence.end_line if output_fence else mark
    if last - first > 2 * _WINDOW + 4 and first <= mark <= last:
        first, last = max(first, mark - _WINDOW), min(last, mark + _WINDOW)
    width = len(str(last))
    return "\n".join(f"{'>' if n == mark else ' '} {n:>{width}} | {lines[n - 1]}"
                     for n in range(first, last + 1))


def _slide_fences(deck: Deck, fence: Fence) -> list[Fence]:
    """The fences of `fence`'s slide (its `output` fence is on the same slide)."""
    if 0 < fence.slide_number <= len(deck.slides):
        return deck.slides[fence.slide_number - 1].fences
    return deck.fences


def _diff(expected: str, actual: str) -> str:
    import difflib  # a failing block's only: not imported by a check that passes

    diff = difflib.unified_diff(expected.rstrip("\n").split("\n"),
                                actual.rstrip("\n").split("\n"),
                                "expected (slide)", "actual (ran)", lineterm="", n=3)
    return "\n".join(diff)


def _traceback(deck: Deck, exc: BaseException, filename: str) -> str:
    lines = deck.lines
    frames = deck_frames(exc, filename)
    out = ["Traceback (frames in the deck):"]
    for frame in frames:
        out.append(f'  File "{deck.path}", line {frame.lineno}, in {frame.name}')
        if frame.lineno and 0 < frame.lineno <= len(lines):
            out.append("    " + lines[frame.lineno - 1].strip())
    total = _frame_count(exc)
    if total > len(frames):
        out.append(f"  ... {total - len(frames)} more frame(s) in library code")
    out.append(exception_only(exc))
    return "\n".join(out)


def _frame_count(exc: BaseException) -> int:
    count, tb = 0, exc.__traceback__
    while tb is not None:
        count, tb = count + 1, tb.tb_next
    return count


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.split("\n"))
