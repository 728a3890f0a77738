"""One deck's kernel: its namespace, seeding, setup code and in-order execution of blocks.

Blocks run in deck order in one namespace, each at most once; asking for
block N first runs the blocks before it that have not run yet.  `run_deck`
is the API other stages use to see what the checker saw.
"""

from __future__ import annotations

import builtins
import contextlib
import os
import platform
import re
import sys
import traceback
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from lecturekit.check.execute import (
    LineTaggedOutput,
    Outcome,
    SlideTimeout,
    Statement,
    TimeLimits,
    compile_block,
    compile_interactive,
    compile_script,
    deck_frames,
    exception_only,
    run,
)
from lecturekit.check.expectations import (
    ExpectedError,
    InlineComment,
    OutputFence,
    Transcript,
    attach,
    find_inline_comments,
    find_transcript,
    output_fences,
)
from lecturekit.check.report import Problem, describe
from lecturekit.check.rewrite import Edit
from lecturekit.deck import Deck, DeckError, Fence

Unchecked = Literal["error", "warn", "ignore"]
SEED = 0

_SEEDERS: dict[str, Callable[[object], object]] = {
    "random": lambda m: m.seed(SEED),  # type: ignore[attr-defined]
    "numpy": lambda m: m.random.seed(SEED),  # type: ignore[attr-defined]
    "torch": lambda m: m.manual_seed(SEED),  # type: ignore[attr-defined]
}


@dataclass
class BlockResult:
    fence: Fence
    stdout: str
    outcome: Literal["passed", "failed", "skipped"]
    message: str
    line: int | None = None
    """Deck line of the first problem (failed blocks)."""
    checked: bool = False
    """The block has at least one expected output."""
    edits: list[Edit] = field(default_factory=list)
    """With update=True: edits that bring the deck's expectations up to date."""
    unchecked: list[tuple[int, str]] = field(default_factory=list)
    """(line, text) of printed output no expectation checks (when it is not an error)."""


class DeckSession:
    """Runs one deck's Python blocks in order, in one namespace, each once."""

    def __init__(self, deck: Deck, *, timeout: float = 60.0, unchecked: Unchecked = "warn",
                 update: bool = False, filename: str | None = None) -> None:
        self.deck = deck
        self.blocks = deck.code_blocks
        self.timeout = timeout
        self.unchecked = unchecked
        self.update = update
        self.filename = filename or str(Path(deck.path).resolve())
        self.directory = Path(self.filename).parent
        self._directory_name = str(self.directory)
        self.outputs, stray = output_fences(deck)
        if stray:
            raise DeckError(deck.path, stray[0].line, "an `output` fence must directly follow "
                                                      "the Python block whose output it shows",
                            slide=stray[0].slide_number)
        self.results: list[BlockResult] = []
        self._main = types.ModuleType("__main__")
        self.namespace: dict[str, object] = self._main.__dict__
        self._unseeded: list[str] = list(_SEEDERS)
        self._setup_problem: Problem | None = None
        self._started = False
        self._limits = TimeLimits()
        self._output = LineTaggedOutput(self.filename)

    def result(self, index: int) -> BlockResult:
        """The result of block `index`, running it (and any earlier block not yet run) once.

        Slide code runs as a notebook beside the deck would: from the deck's
        folder, with its namespace as the `__main__` module (so classes defined
        on a slide pickle, and dataclasses and `typing` find them).
        """
        results = self.results
        if len(results) <= index:
            opened = not self._limits.installed
            if opened:
                self.open()
            previous = os.getcwd()
            if previous != self._directory_name:
                os.chdir(self.directory)
            main = sys.modules.get("__main__")
            try:
                while len(results) <= index:
                    results.append(self._run_block(self.blocks[len(results)]))
                    if self._limits.interrupted:
                        self._limits.interrupted = False
                        raise KeyboardInterrupt
            finally:
                if main is not None:
                    sys.modules["__main__"] = main
                if os.getcwd() != previous:
                    os.chdir(previous)
                if opened:
                    self.close()
        return results[index]

    def open(self) -> None:
        """Install the time-limit handler for a run of several `result()` calls."""
        self._limits.install()

    def close(self) -> None:
        self._limits.uninstall()

    def run_all(self) -> list[BlockResult]:
        if self.blocks:
            self.result(len(self.blocks) - 1)
        return list(self.results)

    # -- namespace -------------------------------------------------------------

    def _fresh_namespace(self) -> None:
        self._main = types.ModuleType("__main__")
        self._main.__builtins__ = builtins  # type: ignore[attr-defined]
        self.namespace = self._main.__dict__
        sys.modules["__main__"] = self._main
        self._unseeded = list(_SEEDERS)
        self._setup_problem = None
        self._started = True
        self._seed_imported()
        setup = self.deck.setup_code
        if not setup.strip():
            return
        try:
            statements = compile_script(setup, self.filename, self._setup_line())
        except SyntaxError as exc:
            self._setup_problem = Problem(exc.lineno or 1, f"setup code: {exception_only(exc)}")
            return
        for statement in statements:
            outcome = run(statement.code, self.namespace, limits=self._limits,
                          seconds=self.timeout)
            self._seed_imported()
            if outcome.error is not None:
                self._setup_problem = Problem(statement.first_line, "the front matter's setup "
                                              "code failed", error=outcome.error)
                return

    def _setup_line(self) -> int:
        """Deck line of the setup code's first line (front matter `setup: |`)."""
        for number, line in enumerate(self.deck.text.splitlines()[:200], start=1):
            match = re.match(r"setup\s*:\s*([|>][-+0-9]*)?\s*$", line)
            if match:
                return number + 1 if match.group(1) else number
            if re.match(r"setup\s*:", line):
                return number
        return 1

    def _seed_imported(self) -> None:
        """Seed random, numpy and torch once each per namespace, as soon as they are imported.

        Seeding right after the import that loads a library is equivalent to
        seeding before the first block (nothing can draw from it earlier) and
        spares decks that never use torch its import time.
        """
        for name in self._unseeded:
            module = sys.modules.get(name)
            if module is not None:
                self._unseeded = [n for n in self._unseeded if n != name]
                with contextlib.suppress(Exception):
                    _SEEDERS[name](module)

    # -- blocks ----------------------------------------------------------------

    def _run_block(self, fence: Fence) -> BlockResult:
        sys.modules["__main__"] = self._main
        if fence.annotations or not self._started or self._setup_problem is not None:
            early = self._prepare(fence)
            if early is not None:
                return early
        limit = float(fence.value("timeout") or self.timeout) if fence.annotations else self.timeout
        unchecked: list[tuple[int, str]] = []
        if fence.is_transcript:
            stdout, problems, checked = self._run_transcript(fence, limit)
        else:
            stdout, problems, checked, unchecked = self._run_script(fence, limit)
        return self._finish(fence, stdout, problems, checked, unchecked)

    def _prepare(self, fence: Fence) -> BlockResult | None:
        """Namespace, setup code and skip annotations; a result if the block must not run."""
        if fence.has("fresh") or not self._started:
            self._fresh_namespace()
        if self._setup_problem is not None:
            problem, self._setup_problem = self._setup_problem, None
            return self._failed(fence, "", [problem])
        try:
            reason = self._skip_reason(fence)
        except Exception as exc:  # noqa: BLE001 - a bad skip-if expression fails its block
            ann = fence.annotations.get("skip-if")
            line = ann.line if ann else fence.line
            return self._failed(fence, "", [Problem(line, f"cannot evaluate skip-if: "
                                                          f"{exception_only(exc)}")])
        if reason is not None:
            return BlockResult(fence, "", "skipped", reason)
        return None

    def _finish(self, fence: Fence, stdout: str, problems: list[Problem], checked: bool,
                unchecked: list[tuple[int, str]]) -> BlockResult:
        if unchecked and self.unchecked != "warn":
            if self.unchecked == "error":
                problems += [Problem(line, "printed output that no expectation on the slide "
                                           "checks", actual=text) for line, text in unchecked]
            unchecked = []
        edits: list[Edit] = []
        if self.update and problems:
            edits = [e for p in problems for e in p.edits]
            problems = [p for p in problems if not p.edits]
        if problems:
            result = self._failed(fence, stdout, problems)
            result.checked, result.edits = checked, edits
            return result
        return BlockResult(fence, stdout, "passed", "", checked=checked, edits=edits,
                           unchecked=unchecked)

    def _failed(self, fence: Fence, stdout: str, problems: list[Problem]) -> BlockResult:
        message = describe(self.deck, fence, problems, self.filename)
        return BlockResult(fence, stdout, "failed", message, line=problems[0].line)

    def _skip_reason(self, fence: Fence) -> str | None:
        if fence.has("skip"):
            return _reason_text(fence.value("skip")) or "skip annotation"
        module = fence.value("importorskip")
        if module:
            try:
                __import__(module)
            except ImportError as exc:
                return f"could not import {module!r}: {exc}"
        condition = fence.value("skip-if")
        if condition:
            env = {"sys": sys, "os": os, "platform": platform, "__builtins__": builtins,
                   "_skip_if": lambda cond, reason="": (cond, reason)}
            cond, reason = eval(f"_skip_if({condition})", env, dict(self.namespace))
            if isinstance(cond, str):
                cond = eval(cond, env, dict(self.namespace))
            if cond:
                return reason or f"skip-if: {condition}"
        return None

    def _run_script(self, fence: Fence, limit: float
                    ) -> tuple[str, list[Problem], bool, list[tuple[int, str]]]:
        if "->" not in fence.code:
            return self._run_whole_script(fence, limit)
        first_line = fence.line + 1
        try:
            statements = compile_script(fence.code, self.filename, first_line)
        except SyntaxError as exc:
            line = exc.lineno or first_line
            return "", [Problem(line, f"SyntaxError: {exc.msg}")], False, []
        expectations = attach(find_inline_comments(fence),
                              [(s.first_line, s.last_line) for s in statements])
        output_fence = self.outputs.get(id(fence))
        checked = bool(expectations.by_statement) or output_fence is not None
        problems = [Problem(c.line, "this `# ->` comment is not directly below a statement, "
                                    "so it checks nothing") for c in expectations.orphans]
        printed: list[str] = []
        unchecked: list[tuple[int, str]] = []
        current = statements[0] if statements else None
        self._limits.arm(limit)
        try:
            for number, statement in enumerate(statements):
                current = statement
                outcome = run(statement.code, self.namespace, statement.is_expression)
                self._seed_imported()
                printed.append(outcome.stdout)
                comments = expectations.by_statement.get(number)
                if comments:
                    problem = self._check_statement(statement, outcome, comments)
                    if problem is not None:
                        problems.append(problem)
                    if outcome.error is not None and not _expects_error(comments, outcome):
                        break
                    continue
                if outcome.error is not None:
                    problems.append(self._error_problem(fence, statement.first_line,
                                                        outcome.error))
                    break
                if outcome.stdout and output_fence is None:
                    unchecked.append((statement.first_line, outcome.stdout))
        except SlideTimeout as exc:
            line = current.first_line if current else fence.line
            problems.append(self._error_problem(fence, line, exc))
        finally:
            self._limits.disarm()
        stdout = "".join(printed)
        if output_fence is not None:
            problems += self._check_output_fence(output_fence, stdout)
        return stdout, problems, checked, unchecked

    def _run_whole_script(self, fence: Fence, limit: float
                          ) -> tuple[str, list[Problem], bool, list[tuple[int, str]]]:
        """A block without `# ->` comments runs as one piece (the common, fast case)."""
        try:
            code = compile_block(fence.code, self.filename, fence.line + 1)
        except SyntaxError as exc:
            return "", [Problem(exc.lineno or fence.line, f"SyntaxError: {exc.msg}")], False, []
        output = self._output
        output.reset()
        outcome = run(code, self.namespace, buffer=output, limits=self._limits, seconds=limit)
        self._seed_imported()
        problems = []
        if outcome.error is not None:
            problems.append(self._error_problem(fence, fence.line + 1, outcome.error))
        output_fence = self.outputs.get(id(fence))
        if output_fence is None:
            unchecked = _pieces(output, fence) if output.pieces else []
            return outcome.stdout, problems, False, unchecked
        problems += self._check_output_fence(output_fence, outcome.stdout)
        return outcome.stdout, problems, True, []

    def _check_output_fence(self, fence: Fence, stdout: str) -> list[Problem]:
        expected = OutputFence(fence)
        if expected.matches(stdout):
            return []
        return [Problem(expected.first_difference(stdout),
                        "the block's output differs from its `output` fence",
                        expected.expected, stdout, edits=expected.edits(stdout, self.deck))]

    def _check_statement(self, statement: Statement, outcome: Outcome,
                         comments: list[InlineComment]) -> Problem | None:
        first = comments[0]
        error = outcome.error
        if error is not None:
            if isinstance(first, ExpectedError) and not isinstance(error, SlideTimeout):
                return self._check_error(first, error)
            return self._error_problem(first.fence, statement.first_line, error)
        try:
            actual = _statement_output(statement, outcome)
        except Exception as exc:  # noqa: BLE001 - a failing __repr__ is the slide's fault
            return Problem(first.line, "the value's repr() failed", error=exc)
        if _split_matches(comments, actual):
            return None
        summary = ("expected this line to raise, but it did not"
                   if isinstance(first, ExpectedError) else "output differs from the slide")
        return Problem(first.line, summary, "\n".join(c.expected for c in comments),
                       _without_continuation_indent(actual),
                       edits=_split_edits(comments, actual, self.deck))

    def _check_error(self, expected: ExpectedError, error: BaseException) -> Problem | None:
        actual = expected.as_written(error, exception_only(error))
        lines = {f.lineno for f in deck_frames(error, self.filename)}
        if expected.matches(actual) and (expected.standalone or expected.line in lines):
            return None
        if expected.matches(actual):
            return Problem(expected.line, f"{type(error).__name__} was raised, but not by "
                                          f"this line", error=error)
        return Problem(expected.line, "a different error was raised", expected.expected,
                       actual, error=error, edits=expected.edits(actual, self.deck))

    def _error_problem(self, fence: Fence, fallback_line: int, error: BaseException) -> Problem:
        line = _line_in_block(fence, fallback_line, deck_frames(error, self.filename))
        if isinstance(error, SlideTimeout):
            return Problem(line, f"{error} (stopped here; set a longer limit with "
                                 f"timeout=SECONDS on the fence or --slide-timeout)", error=error)
        if isinstance(error, SystemExit):
            return Problem(line, f"the block called sys.exit({error.code!r}); slide code "
                                 f"must not exit the interpreter", error=error)
        return Problem(line, f"{type(error).__name__} raised", error=error)

    def _run_transcript(self, fence: Fence, limit: float) -> tuple[str, list[Problem], bool]:
        problems: list[Problem] = []
        echoed: list[str] = []
        examples = find_transcript(fence)
        self._limits.arm(limit)
        try:
            for example in examples:
                problem, echo = self._run_example(example)
                echoed.append(echo)
                if problem is not None:
                    problems.append(problem)
                    if isinstance(problem.error, SlideTimeout):
                        break
        except SlideTimeout as exc:
            problems.append(Problem(fence.line, str(exc)))
        finally:
            self._limits.disarm()
        checked = any(t.example.want or t.example.exc_msg for t in examples)
        return "".join(echoed), problems, checked

    def _run_example(self, transcript: Transcript) -> tuple[Problem | None, str]:
        example = transcript.example
        try:
            code = compile_interactive(example.source, self.filename, transcript.line)
        except SyntaxError as exc:
            return Problem(transcript.line, f"SyntaxError: {exc.msg}"), ""
        outcome = run(code, self.namespace)
        self._seed_imported()
        got = outcome.stdout
        error = outcome.error
        if error is None:
            if transcript.matches(got):
                return None, got
            return Problem(transcript.line, "output differs from the transcript",
                           example.want, got,
                           edits=transcript.edits(got, self.deck)), got
        exc_msg = "".join(traceback.format_exception_only(type(error), error))
        echo = got + "Traceback (most recent call last):\n  ...\n" + exc_msg
        if isinstance(error, SlideTimeout):
            return Problem(transcript.line, str(error), error=error), echo
        if example.exc_msg is None:
            return Problem(transcript.line, f"{type(error).__name__} raised", error=error), echo
        if transcript.error_matches(exc_msg):
            return None, echo
        new_want = transcript.new_want(got, exc_msg)
        return Problem(transcript.line, "a different error was raised", example.want,
                       new_want, error=error, edits=transcript.edits(new_want, self.deck)), echo


def run_deck(deck: Deck, *, timeout: float = 60.0, unchecked: Unchecked = "warn"
             ) -> list[BlockResult]:
    """Run every Python block of `deck` in order; one result per block, in deck order."""
    return DeckSession(deck, timeout=timeout, unchecked=unchecked).run_all()


def _statement_output(statement: Statement, outcome: Outcome) -> str:
    """What a statement shows: its printed text, and for an expression its value's repr."""
    text = outcome.stdout
    if not statement.is_expression:
        return text
    if outcome.value is not None:
        return text + ("" if not text or text.endswith("\n") else "\n") + repr(outcome.value)
    return text or "None"


def _without_continuation_indent(text: str) -> str:
    """As `# ->` comments are compared (and shown in diffs): later lines without indentation."""
    first, *rest = text.split("\n")
    return "\n".join([first, *(line.lstrip() for line in rest)])


def _reason_text(value: str | None) -> str | None:
    """`reason="why"` (pytest.mark.skip's spelling) -> `why`; a plain reason stays."""
    match = re.fullmatch(r"""\s*reason\s*=\s*(["'])(.*)\1\s*""", value or "", re.S)
    return match.group(2) if match else value


def _pieces(output: LineTaggedOutput, fence: Fence) -> list[tuple[int, str]]:
    return [(line or fence.line, text) for line, text in output.pieces if text]


def _expects_error(comments: list[InlineComment], outcome: Outcome) -> bool:
    return isinstance(comments[0], ExpectedError) and not isinstance(outcome.error, SlideTimeout)


def _split_matches(comments: list[InlineComment], actual: str) -> bool:
    return all(c.matches(part) for c, part in zip(comments, _split(comments, actual),
                                                  strict=True))


def _split(comments: list[InlineComment], actual: str) -> list[str]:
    """Share a statement's output among its comments by their line counts, in order."""
    lines = actual.rstrip("\n").split("\n")
    parts = []
    for number, comment in enumerate(comments):
        if number == len(comments) - 1:
            parts.append("\n".join(lines))
        else:
            count = len(comment.comment)
            parts.append("\n".join(lines[:count]))
            lines = lines[count:]
    return parts


def _split_edits(comments: list[InlineComment], actual: str, deck: Deck) -> list[Edit]:
    if len(comments) == 1:
        return comments[0].edits(actual, deck)
    return [e for c, part in zip(comments, _split(comments, actual), strict=True)
            for e in c.edits(part, deck)]


def _line_in_block(fence: Fence, fallback: int, frames: list) -> int:
    """The deepest traceback line inside this block, else `fallback`."""
    inside = [f.lineno for f in frames if f.lineno and fence.line < f.lineno < fence.end_line]
    return inside[-1] if inside else fallback
