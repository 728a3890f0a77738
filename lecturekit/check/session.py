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
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from lecturekit.check.evaluator import (
    BlockOutcome,
    Context,
    DeckLoop,
    notebook_input,
    shown_lines,
    stdin_for,
)
from lecturekit.check.evaluators import evaluator_for
from lecturekit.check.execute import (
    LineTaggedOutput,
    TimeLimits,
    compile_script,
    exception_only,
    run,
)
from lecturekit.check.expectations import output_fences
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
    error: BaseException | None = None
    """The exception of the first problem, if it was one (for `xfail(raises=...)`)."""


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
        self.held: dict[int, str] = {}
        """Blocks that must not run (`xfail(run=False)`), by index, with the reason."""
        self._main = types.ModuleType("__main__")
        self.namespace: dict[str, object] = self._main.__dict__
        self._unseeded: list[str] = list(_SEEDERS)
        self._setup_problem: Problem | None = None
        self._started = False
        self._limits = TimeLimits()
        self._loop = DeckLoop()
        self._context = Context(deck, self.filename, self._limits,
                                LineTaggedOutput(self.filename), self.outputs,
                                self._seed_imported, _chained(self.blocks, self.outputs),
                                awaiter=self._loop.run)

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
                    held = self.held.get(len(results)) if self.held else None
                    fence = self.blocks[len(results)]
                    results.append(self._run_block(fence) if held is None
                                   else BlockResult(fence, "", "skipped", held))
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

    def shutdown(self) -> None:
        """After the deck's last block: close its event loop (if a block awaited)."""
        self._loop.close()

    def run_all(self) -> list[BlockResult]:
        if self.blocks:
            self.result(len(self.blocks) - 1)
        self.shutdown()
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
        for number, line in enumerate(self.deck.lines[:200], start=1):
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
        context = self._context
        if context.chained:
            context.before = context.before if fence.has("cont") else ""
        stdin, sys.stdin = sys.stdin, stdin_for(fence)
        builtin_input, builtins.input = builtins.input, notebook_input
        try:
            outcome = evaluator_for(fence).evaluate(fence, self.namespace, context, limit)
        finally:
            sys.stdin, builtins.input = stdin, builtin_input
        result = self._finish(fence, outcome)
        if context.chained:
            context.before += result.stdout
        return result

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

    def _finish(self, fence: Fence, outcome: BlockOutcome) -> BlockResult:
        stdout, problems, checked, unchecked = (outcome.stdout, outcome.problems,
                                                outcome.checked, outcome.unchecked)
        if unchecked and self.unchecked != "warn":
            if self.unchecked == "error":
                problems += [Problem(line, "printed output that no expectation on the slide "
                                           "checks", actual=shown_lines(text))
                             for line, text in unchecked]
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
        return BlockResult(fence, stdout, "failed", message, line=problems[0].line,
                           error=problems[0].error)

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


def run_deck(deck: Deck, *, timeout: float = 60.0, unchecked: Unchecked = "warn"
             ) -> list[BlockResult]:
    """Run every Python block of `deck` in order; one result per block, in deck order."""
    return DeckSession(deck, timeout=timeout, unchecked=unchecked).run_all()


def _chained(blocks: list[Fence], outputs: dict[int, Fence]) -> frozenset[int]:
    """Blocks of a `cont` chain whose last block has an `output` fence, but for that last one.

    pytest-codeblocks runs a chain as one block, so its expected output is
    what the whole chain printed.
    """
    chains: list[list[Fence]] = []
    for fence in blocks:
        if fence.has("cont") and chains:
            chains[-1].append(fence)
        else:
            chains.append([fence])
    return frozenset(id(f) for chain in chains if len(chain) > 1 and id(chain[-1]) in outputs
                     for f in chain[:-1])


def _reason_text(value: str | None) -> str | None:
    """`reason="why"` (pytest.mark.skip's spelling) -> `why`; a plain reason stays."""
    match = re.fullmatch(r"""\s*reason\s*=\s*(["'])(.*)\1\s*""", value or "", re.S)
    return match.group(2) if match else value
