"""What every block evaluator gets from the deck session, and what it hands back.

The session owns the namespace, seeding, setup code, skips and time-limit
handler; an evaluator runs one kind of block in that namespace and turns
what happened into problems.  A new kind of block is a new evaluator
(registered in `lecturekit.check.evaluators`), not a change to the session.
"""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from lecturekit.check.execute import LineTaggedOutput, SlideTimeout, TimeLimits, deck_frames
from lecturekit.check.hints import add_hints
from lecturekit.check.report import Problem
from lecturekit.deck import Deck, Fence
from lecturekit.deck.annotations import stdin_text


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
    awaiter: Callable[[Any], object] | None = None
    """Runs a block's top-level `await` code on the deck's one event loop."""


class DeckLoop:
    """One asyncio event loop per deck, as a Jupyter kernel has: made at the first top-level
    `await`, so tasks and futures created by one block can be awaited by a later one.

    It is also the thread's current loop from then on, so `asyncio.ensure_future()` or
    `get_event_loop()` in a statement without `await` schedule on it too."""

    def __init__(self) -> None:
        self.loop: Any = None

    def run(self, coroutine: Any) -> object:
        import asyncio

        if self.loop is None or self.loop.is_closed():
            self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)
        return self.loop.run_until_complete(coroutine)

    def close(self) -> None:
        if self.loop is not None and not self.loop.is_closed():
            import asyncio

            self.loop.run_until_complete(self.loop.shutdown_asyncgens())
            self.loop.close()
            asyncio.set_event_loop(None)
        self.loop = None


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


class InputNotGiven(RuntimeError):
    """Slide code read stdin, but its fence says nothing to read (no `stdin=`)."""


class NoInput(io.TextIOBase):
    """stdin of a block without `stdin=`: reading fails at once, naming the annotation.

    Without it, input() would meet pytest's capture ("reading from stdin while
    output is captured") or, under `-s`, wait for a keyboard until the time limit.
    """

    encoding = "utf-8"

    def readable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def read(self, size: int | None = -1) -> str:
        raise InputNotGiven("the block reads input (input() or sys.stdin), but its fence gives "
                            "none: write what it should read as stdin=\"...\" after the "
                            "language, e.g. ```python stdin=\"3\\n4\"")

    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
        return self.read()


NO_INPUT = NoInput()


def notebook_input(prompt: object = "") -> str:
    """input() as in a Jupyter kernel: the prompt is not part of the block's output.

    It reads a line of `sys.stdin` (the fence's `stdin=`), without its newline;
    EOFError when there is none left, as input() at the end of a file.
    """
    line = sys.stdin.readline()
    if not line:
        raise EOFError("EOF when reading a line (the fence's stdin= has no more lines)")
    return line[:-1] if line.endswith("\n") else line


def stdin_for(fence: Fence) -> io.TextIOBase:
    """What the block reads as stdin: its `stdin="..."` text, else nothing (an error)."""
    text = stdin_text(fence) if fence.annotations else None
    return NO_INPUT if text is None else io.StringIO(text)


def error_problem(fence: Fence, fallback_line: int, error: BaseException,
                  filename: str, deck: Deck | None = None) -> Problem:
    """The problem for an exception no expectation asked for (with hints, given the deck)."""
    line = _line_in_block(fence, fallback_line, deck_frames(error, filename))
    if deck is not None:
        add_hints(error, deck, line)
    if isinstance(error, SlideTimeout):
        return Problem(line, f"{error} (stopped here; set a longer limit with "
                             f"timeout=SECONDS on the fence or --slide-timeout)", error=error)
    if isinstance(error, InputNotGiven):
        return Problem(line, f"input() has nothing to read: {error}")
    if isinstance(error, SystemExit):
        return Problem(line, f"the block called sys.exit({error.code!r}); slide code "
                             f"must not exit the interpreter", error=error)
    return Problem(line, f"{type(error).__name__} raised", error=error)


def syntax_problem(exc: SyntaxError, first_line: int, fallback: int) -> Problem:
    """A SyntaxError in code whose line 1 is deck line `first_line`, in deck lines only.

    `exc.lineno` is already a deck line; Python's message may name another
    line of the code ("... does not match opening parenthesis '[' on line 2"),
    counted from the block's first line: that one is shifted here.
    """
    message = _ON_LINE.sub(lambda m: f"{m[1]}{int(m[2]) + first_line - 1}", exc.msg or "")
    return Problem(exc.lineno or fallback, f"SyntaxError: {message}")


_ON_LINE = re.compile(r"(\bon line )(\d+)")


def shown_lines(text: str, limit: int = 10) -> str:
    """Printed output for a report: its first `limit` lines, then how many more there are."""
    lines = text.rstrip("\n").split("\n")
    if len(lines) <= limit:
        return "\n".join(lines)
    more = len(lines) - limit
    return "\n".join([*lines[:limit], f"\u2026 {more} more line{'s' if more > 1 else ''}"])


def _line_in_block(fence: Fence, fallback: int, frames: list) -> int:
    """The deepest traceback line inside this block, else `fallback`."""
    inside = [f.lineno for f in frames if f.lineno and fence.line < f.lineno < fence.end_line]
    return inside[-1] if inside else fallback
