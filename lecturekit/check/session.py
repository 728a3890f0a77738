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
import threading
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

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
    ROUTER,
    LateOutput,
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

if TYPE_CHECKING:
    from lecturekit.check.runner import WriteWatch

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
        self.blocks = [] if deck.skip_file else deck.code_blocks  # skipfile: run none
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
        self._guard: ProcessGuard | None = None
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
            # A module beside the deck imports, as from a notebook next to it (peers: issue 22)
            on_path = self._directory_name in sys.path
            if not on_path:
                sys.path.insert(0, self._directory_name)
            main = sys.modules.get("__main__")
            try:
                while len(results) <= index:
                    held = self.held.get(len(results)) if self.held else None
                    fence = self.blocks[len(results)]
                    results.append(self._guarded(len(results)) if held is None
                                   else BlockResult(fence, "", "skipped", held))
                    if self._limits.interrupted:
                        self._limits.interrupted = False
                        raise KeyboardInterrupt
            finally:
                if main is not None:
                    sys.modules["__main__"] = main
                if not on_path and self._directory_name in sys.path:
                    sys.path.remove(self._directory_name)
                if os.getcwd() != previous:
                    os.chdir(previous)
                if opened:
                    self.close()
        return results[index]

    def open(self) -> None:
        """Install the time-limit handler for a run of several `result()` calls."""
        self._limits.install()
        if self._guard is None:
            self._guard = ProcessGuard(self._limits, self.filename)

    def close(self) -> None:
        self._limits.uninstall()
        if self._guard is not None:
            self._guard.close()

    def take_late_output(self) -> list[tuple[int, int, str]]:
        """(block index, block line, text) that blocks' threads printed after their block ended.

        Collected while later blocks run; each piece is returned once.
        """
        return self._guard.take_late_output() if self._guard is not None else []

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

    def _guarded(self, index: int) -> BlockResult:
        """Run block `index`; what it did to process state fails it and is undone."""
        fence = self.blocks[index]
        guard = self._guard
        if guard is None:
            guard = self._guard = ProcessGuard(self._limits, self.filename)
        guard.enter()
        problems: list[Problem] = []
        try:
            result = self._run_block(fence)
        finally:
            problems = guard.exit(index, fence)
        if not problems:
            return result
        message = describe(self.deck, fence, problems, self.filename)
        if result.outcome == "failed":
            result.message += "\n\n" + message
            return result
        return BlockResult(fence, result.stdout, "failed", message, line=problems[0].line,
                           checked=result.checked, edits=result.edits)

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


_CANARY_MODULES = ("lecturekit.check.session", "_pytest.outcomes")
"""Checked by identity after each block: a replaced entry means sys.modules was tampered with."""


class ProcessGuard:
    """Keeps one block's changes to process-wide state inside that block.

    Slide code runs in the checker's own process, so it can change what the
    checker (and pytest) rely on.  The guard keeps private references to all
    of it when the deck starts and, after every block, checks and restores:
    `builtins` (`print` replaced, names added), `sys.stdout` / `stderr` /
    `stdin` (replaced or closed), the SIGALRM / SIGINT / SIGTERM handlers
    (the time limit, Ctrl-C, a SIGTERM sent to the checker's own process),
    `sys.modules` (emptied or pruned) and the process itself: a child forked
    by slide code leaves at the end of the block with `os._exit(0)`, silently,
    so only the parent goes on running pytest.  Each change is a problem of
    the block that made it; the next block starts with everything as it was.

    Cheap on the normal path: a few identity checks and one comparison of the
    builtins dict per block; `sys.modules` is copied again only when a block
    imported something.
    """

    def __init__(self, limits: TimeLimits, filename: str) -> None:
        self.limits = limits
        self.filename = filename
        self.pid = os.getpid()
        self.builtins = dict(builtins.__dict__)
        self.modules = dict(sys.modules)
        self.canaries = tuple((n, sys.modules[n]) for n in _CANARY_MODULES if n in sys.modules)
        self.foreign = set(threading.enumerate())
        self.late: list[LateOutput] = []
        self._streams: tuple[object, object, object] = (None, None, None)
        self.watch: WriteWatch | None = None
        """Set by the runner (`lecturekit.check.runner`): files of the project blocks change."""

    def enter(self) -> None:
        self._streams = (sys.stdout, sys.stderr, sys.stdin)
        ROUTER.slide_closed = False
        ROUTER.start_block()
        if self.watch is not None:
            self.watch.drain()
        self.limits.filename = self.filename
        self.limits.terminated = None
        self.limits.block_running = True

    def exit(self, index: int, fence: Fence) -> list[Problem]:
        """Restore what the block changed; one problem per kind of change."""
        if os.getpid() != self.pid:
            os._exit(0)  # a child forked by slide code: never back into pytest
        limits = self.limits
        limits.block_running = False
        problems: list[Problem] = []
        modules = sys.modules
        if len(modules) < len(self.modules) or self._canary_gone(modules):
            put_back = {n: m for n, m in self.modules.items() if sys.modules.get(n) is not m}
            sys.modules.update(put_back)
            names = ", ".join(sorted(put_back)[:3]) + (", ..." if len(put_back) > 3 else "")
            problems.append(Problem(_mention(fence, "sys.modules", "modules"),
                                    f"the block removed or replaced {len(put_back)} entries "
                                    f"of sys.modules ({names}); the checker put them back"))
        elif len(sys.modules) != len(self.modules):
            self.modules = dict(sys.modules)
        streams = (sys.stdout, sys.stderr, sys.stdin)
        if streams != self._streams:
            changed = [name for name, now, then in zip(("stdout", "stderr", "stdin"), streams,
                                                        self._streams, strict=True)
                       if now is not then]
            sys.stdout, sys.stderr, sys.stdin = self._streams  # type: ignore[assignment]
            problems.append(Problem(_mention(fence, *(f"sys.{n} =" for n in changed),
                                                     *(f"sys.{n}" for n in changed)),
                                    f"the block replaced sys.{'/'.join(changed)}; the "
                                    f"checker put the original back"))
        if ROUTER.slide_closed:
            ROUTER.slide_closed = False
            problems.append(Problem(_mention(fence, ".close(", "stdout"),
                                    "the block closed sys.stdout; it is open again for the "
                                    "next block"))
        if self._builtins_changed():
            problem = self._restore_builtins(fence)
            if problem is not None:
                problems.append(problem)
        replaced = limits.reinstall()
        if replaced:
            problems.append(Problem(_mention(fence, "signal.signal(", "signal("),
                                    f"the block replaced the checker's {'/'.join(replaced)} "
                                    f"handler (time limit, Ctrl-C, SIGTERM); the checker "
                                    f"restored it"))
        if limits.terminated is not None:
            problems.append(Problem(limits.terminated or _mention(fence, "kill", "signal"),
                                    "the deck's process received SIGTERM while this block "
                                    "ran (slide code must not signal its own process); "
                                    "the run goes on, a second SIGTERM ends the deck's "
                                    "process"))
            limits.terminated = None
        if threading.active_count() != len(self.foreign) or ROUTER.owners:
            self._own_threads(index, fence)
        if ROUTER.limit and ROUTER.written > ROUTER.limit:
            problems.append(self._overflow(fence))
        if self.watch is not None:
            changes = self.watch.changes()
            if changes:
                problems.append(self._changed_files(fence, changes))
        return problems

    def _overflow(self, fence: Fence) -> Problem:
        from lecturekit.check.runner import show_size

        size, limit = ROUTER.written, ROUTER.limit
        head, tail = ROUTER.head[:1000], ROUTER.tail[-1000:]
        ROUTER.start_block()
        return Problem(_mention(fence, "print", "write"),
                       f"the block printed {show_size(size)} ({size} bytes), more than the "
                       f"limit of {show_size(limit)} per block (front matter `max-output:` or "
                       f"--max-output); its first and last 1000 characters:",
                       actual=f"{head}\n[... {size - len(head) - len(tail)} bytes not shown "
                              f"...]\n{tail}")

    def _changed_files(self, fence: Fence, changes: list[tuple[str, Path]]) -> Problem:
        assert self.watch is not None
        shown = [f"{what} {self.watch.shown(path)}" for what, path in changes[:5]]
        more = f" and {len(changes) - 5} more" if len(changes) > 5 else ""
        names = [path.name for _, path in changes]
        return Problem(_mention(fence, *names, "open(", "write", "unlink", "rename"),
                       f"the block changed files of the project: {', '.join(shown)}{more}; "
                       f"slide code must not change the project's files (decks, images, "
                       f"themes, sources)")

    def _canary_gone(self, modules: dict[str, object]) -> bool:
        return any(modules.get(name) is not module for name, module in self.canaries)

    def _builtins_changed(self) -> bool:
        """Whether a builtin was added, deleted or replaced (`_` follows the REPL: no fault)."""
        current, saved = builtins.__dict__, self.builtins
        if "_" in current:
            saved["_"] = current["_"]
        else:
            saved.pop("_", None)
        try:
            return current != saved  # values compare by identity first: no __eq__ unless changed
        except Exception:  # noqa: BLE001 - a replaced value whose == raises (a tensor): changed
            return True

    def _restore_builtins(self, fence: Fence) -> Problem | None:
        current = builtins.__dict__
        changed = sorted(n for n in set(current) | set(self.builtins)
                         if n != "_" and current.get(n, _MISSING) is not
                         self.builtins.get(n, _MISSING))
        for name in changed:
            if name in self.builtins:
                current[name] = self.builtins[name]
            else:
                del current[name]
        if not changed:
            return None
        shown = ", ".join(f"builtins.{n}" for n in changed[:3]) + (", ..." if len(changed) > 3
                                                                     else "")
        return Problem(_mention(fence, *(f"builtins.{n}" for n in changed),
                                       "setattr(builtins", *changed, "builtins"),
                       f"the block changed {shown}; the checker restored the builtins for "
                       f"the next block")

    def _own_threads(self, index: int, fence: Fence) -> None:
        """Threads still running this deck's code belong to the block that just ended.

        An idle thread (a pool worker waiting for work) belongs to no block:
        what it prints goes to whichever block is running.
        """
        frames = sys._current_frames()
        owners = ROUTER.owners
        main = threading.main_thread()
        late = None
        for thread in threading.enumerate():
            if thread in self.foreign or thread is main or thread is threading.current_thread():
                continue
            if not _runs_file(frames.get(thread.ident or 0), self.filename):
                owners.pop(thread, None)
            elif thread not in owners:
                if late is None:
                    late = LateOutput(index, fence.line, [])
                    self.late.append(late)
                owners[thread] = late
        for thread in [t for t in owners if not t.is_alive()]:
            del owners[thread]

    def close(self) -> None:
        """The deck is done: its threads' later output is not routed any more."""
        for thread in [t for t, o in ROUTER.owners.items() if o in self.late]:
            del ROUTER.owners[thread]

    def take_late_output(self) -> list[tuple[int, int, str]]:
        """(block index, block line, text) printed late since the last call."""
        taken = []
        for late in self.late:
            if late.pieces:
                taken.append((late.index, late.line, "".join(late.pieces)))
                late.pieces.clear()
        return taken


_MISSING = object()


def _mention(fence: Fence, *words: str) -> int:
    """The first line of the block that mentions `words[0]`, else `words[1]`, ...

    A change to process state is noticed after the block, with no traceback
    to say where; the line that names the thing changed is the best guess
    (else the block's first code line).
    """
    lines = fence.code.splitlines()
    for word in words:
        for number, text in enumerate(lines):
            if word in text:
                return fence.body_lines[number]
    return fence.body_lines[0] if fence.body_lines else fence.line


def _runs_file(frame: object, filename: str) -> bool:
    while frame is not None:
        if frame.f_code.co_filename == filename:  # type: ignore[attr-defined]
            return True
        frame = frame.f_back  # type: ignore[attr-defined]
    return False


def run_deck(deck: Deck, *, timeout: float = 60.0, unchecked: Unchecked = "warn"
             ) -> list[BlockResult]:
    """Run every Python block of `deck` in order; one result per block, in deck order.

    The blocks run as the check runs them: in a supervised child process, under the
    default limits (`lecturekit.check.runner`).
    """
    from lecturekit.check import runner as supervised

    deck_run = supervised.DeckRunner(DeckSession(deck, timeout=timeout, unchecked=unchecked))
    deck_run.ahead = set(range(len(deck_run.blocks)))
    try:
        return deck_run.run_all()
    finally:
        if not supervised.HANDLERS_FOR_PROCESS:
            supervised.restore_stop_handlers()


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
