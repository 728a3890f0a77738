"""What every block evaluator gets from the deck session, and what it hands back.

The session owns the namespace, seeding, setup code, skips and time-limit
handler; an evaluator runs one kind of block in that namespace and turns
what happened into problems.  A new kind of block is a new evaluator
(registered in `lecturekit.check.evaluators`), not a change to the session.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from lecturekit.check.execute import LineTaggedOutput, SlideTimeout, TimeLimits, deck_frames
from lecturekit.check.report import Problem
from lecturekit.deck import Deck, Fence


@dataclass(slots=True)
class Context:
    deck: Deck
    filename: str
    """The file name slide code is compiled with (tracebacks point into the deck)."""
    limits: TimeLimits
    output: LineTaggedOutput
    """A reusable stdout buffer that tags what is printed with its deck line."""
    outputs: dict[int, Fence]
    """`output` fences by `id()` of the block they follow."""
    after_run: Callable[[], None]
    """Called after each piece of slide code runs (seeds newly imported libraries)."""
    chained: frozenset[int] = frozenset()
    """`id()`s of blocks whose output an `output` fence further down checks: the fence
    after the last block of their `cont` chain (pytest-codeblocks merges the chain)."""
    before: str = ""
    """What the earlier blocks of this block's `cont` chain printed (for its `output` fence)."""


@dataclass(slots=True)
class BlockOutcome:
    stdout: str
    problems: list[Problem]
    checked: bool
    """The block has at least one expected output."""
    unchecked: list[tuple[int, str]] = field(default_factory=list)
    """(line, text) of printed output no expectation checks."""


class Evaluator(Protocol):
    def accepts(self, fence: Fence) -> bool: ...

    def evaluate(self, fence: Fence, namespace: dict[str, object], context: Context,
                 seconds: float) -> BlockOutcome:
        """Run `fence` in `namespace` within `seconds` and check its expectations."""
        ...


def error_problem(fence: Fence, fallback_line: int, error: BaseException,
                  filename: str) -> Problem:
    """The problem for an exception no expectation asked for."""
    line = _line_in_block(fence, fallback_line, deck_frames(error, filename))
    if isinstance(error, SlideTimeout):
        return Problem(line, f"{error} (stopped here; set a longer limit with "
                             f"timeout=SECONDS on the fence or --slide-timeout)", error=error)
    if isinstance(error, SystemExit):
        return Problem(line, f"the block called sys.exit({error.code!r}); slide code "
                             f"must not exit the interpreter", error=error)
    return Problem(line, f"{type(error).__name__} raised", error=error)


def _line_in_block(fence: Fence, fallback: int, frames: list) -> int:
    """The deepest traceback line inside this block, else `fallback`."""
    inside = [f.lineno for f in frames if f.lineno and fence.line < f.lineno < fence.end_line]
    return inside[-1] if inside else fallback
