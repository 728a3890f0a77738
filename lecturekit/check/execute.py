"""Run slide code with tracebacks that point into the deck.

Code is compiled with the deck's path as the file name and its line numbers
shifted to deck lines, so a traceback (and `linecache`) shows the Markdown
line that failed.  A block with expectations runs statement by statement,
each with its own captured stdout, so a `# ->` comment is checked against
exactly what its statement printed; a block without runs as one piece.
"""

from __future__ import annotations

import ast
import inspect
import io
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from types import CodeType
from typing import Any

_AWAIT = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
"""Top-level `await` compiles (as in Jupyter); such code runs as a coroutine, see `run`."""


class OutputRouter(io.TextIOBase):
    """`sys.stdout` while slide code runs: forwards to the running block's buffer.

    One object for the whole process, so that what slide code can do to
    `sys.stdout` cannot reach the checker's buffers:
    - `sys.stdout.close()` closes only the slide's view: later writes in the
      same block fail as on a closed file; the next block gets it open again
      (the session reports the close as the block's fault);
    - a thread a block started, still running that block's code when the
      block ended, is *owned* by the block: whatever it prints later goes to
      the block's `LateOutput`, not into the buffer of the block running then.
    """

    def __init__(self) -> None:
        super().__init__()
        self.target: io.StringIO | None = None
        self.owners: dict[threading.Thread, LateOutput] = {}
        self.slide_closed = False
        self.limit = 0
        """Bytes of output a block may print (0: no limit); past it only the tail is kept."""
        self.written = 0
        """Bytes printed by the running block (counted only with a limit)."""
        self.head = ""
        self.tail = ""

    def start_block(self) -> None:
        self.written = 0
        self.head = self.tail = ""

    def write(self, text: str) -> int:
        if self.slide_closed:
            raise ValueError("I/O operation on closed file.")
        if self.limit:
            size = len(text) if text.isascii() else len(text.encode("utf-8", "replace"))
            if self.written < TAIL:
                self.head += text[:TAIL]
            self.written += size
            if self.written > self.limit:
                return self._overflow(text, size)
        if self.owners:
            owner = self.owners.get(threading.current_thread())
            if owner is not None:
                owner.pieces.append(text)
                return len(text)
        target = self.target
        if target is not None:
            return target.write(text)
        if sys.stdout is not self:  # a stale reference kept by slide code, between blocks
            return sys.stdout.write(text)
        return len(text)

    def _overflow(self, text: str, size: int) -> int:
        """Past the limit: the head up to the limit goes on as usual; of the rest, only the
        last TAIL characters are kept (never a copy of a huge piece)."""
        room = self.limit - (self.written - size)
        if room > 0:
            self.write_head(text[:room])
        self.tail = (self.tail + text[-TAIL:])[-TAIL:]
        return len(text)

    def write_head(self, text: str) -> None:
        limit, self.limit = self.limit, 0
        try:
            self.write(text)
        finally:
            self.limit = limit

    def close(self) -> None:
        self.slide_closed = True

    @property
    def closed(self) -> bool:  # type: ignore[override]
        return self.slide_closed

    def writable(self) -> bool:
        return True

    def flush(self) -> None:
        if self.slide_closed:
            raise ValueError("I/O operation on closed file.")


@dataclass(eq=False)
class LateOutput:
    """What a block's threads printed after the block had ended (see `OutputRouter`)."""

    index: int
    """The block's index among the deck's Python blocks."""
    line: int
    """The block's fence line."""
    pieces: list[str]


ROUTER = OutputRouter()
TAIL = 2000
"""Characters kept of the end of a block's output past its limit."""


class SlideTimeout(BaseException):
    """Raised inside slide code when its block runs past its time limit.

    A BaseException so that `except Exception` in slide code cannot swallow it.
    """


@dataclass
class Statement:
    code: CodeType
    is_expression: bool
    first_line: int
    """Deck line where the statement starts."""
    last_line: int


@dataclass
class Outcome:
    stdout: str
    value: object = None
    error: BaseException | None = None


def compile_script(source: str, filename: str, first_line: int) -> list[Statement]:
    """Compile each top-level statement of `source`, whose line 1 is deck line `first_line`.

    A SyntaxError is raised with its line number already a deck line.
    """
    try:
        tree = ast.parse(source, filename)
    except SyntaxError as exc:
        raise _shifted_syntax_error(exc, first_line - 1) from None
    statements = []
    for node in tree.body:
        ast.increment_lineno(node, first_line - 1)
        if isinstance(node, ast.Expr):
            code = compile(ast.Expression(node.value), filename, "eval", _AWAIT, dont_inherit=True)
        else:
            code = compile(ast.Module([node], type_ignores=[]), filename, "exec", _AWAIT,
                           dont_inherit=True)
        statements.append(Statement(code, isinstance(node, ast.Expr), node.lineno,
                                    node.end_lineno or node.lineno))
    return statements


def compile_block(source: str, filename: str, first_line: int) -> CodeType:
    """Compile a whole block at once, its line 1 at deck line `first_line`.

    Line numbers are shifted in the code objects (each line table is relative
    to its `co_firstlineno`), which is much cheaper than an AST round trip.
    """
    try:
        code = compile(source, filename, "exec", _AWAIT, dont_inherit=True)
    except SyntaxError as exc:
        raise _shifted_syntax_error(exc, first_line - 1) from None
    return _shift_lines(code, first_line - 1)


def _shift_lines(code: CodeType, delta: int) -> CodeType:
    for const in code.co_consts:
        if isinstance(const, CodeType):
            consts = tuple(_shift_lines(c, delta) if isinstance(c, CodeType) else c
                           for c in code.co_consts)
            return code.replace(co_firstlineno=code.co_firstlineno + delta, co_consts=consts)
    return code.replace(co_firstlineno=code.co_firstlineno + delta)


def _shifted_syntax_error(exc: SyntaxError, delta: int) -> SyntaxError:
    if exc.lineno is not None:
        exc.lineno += delta
    if getattr(exc, "end_lineno", None) is not None:
        exc.end_lineno += delta
    return exc


class LineTaggedOutput(io.StringIO):
    """Captured stdout that remembers which deck line printed each piece.

    The line is that of the outermost frame in the deck file, i.e. the line
    of this block that was running, even when it called a function defined
    on an earlier slide.
    """

    def __init__(self, filename: str) -> None:
        super().__init__()
        self.filename = filename
        self.pieces: list[tuple[int, str]] = []

    def reset(self) -> None:
        """Empty it for the next block (one buffer serves a whole deck)."""
        self.seek(0)
        self.truncate()
        self.pieces = []

    def write(self, text: str) -> int:
        line = 0
        frame = sys._getframe(1)
        while frame is not None:
            if frame.f_code.co_filename == self.filename:
                line = frame.f_lineno
            frame = frame.f_back
        if self.pieces and self.pieces[-1][0] == line:
            self.pieces[-1] = (line, self.pieces[-1][1] + text)
        else:
            self.pieces.append((line, text))
        return super().write(text)


def compile_interactive(source: str, filename: str, first_line: int) -> CodeType:
    """Compile one `>>>` example like the REPL does: expression values are echoed."""
    tree = ast.parse(source, filename, mode="single")
    ast.increment_lineno(tree, first_line - 1)
    return compile(tree, filename, "single", _AWAIT, dont_inherit=True)


def run(code: CodeType, namespace: dict[str, object], is_expression: bool = False,
        buffer: io.StringIO | None = None, limits: TimeLimits | None = None,
        seconds: float = 0.0, awaiter: Callable[[Any], object] | None = None) -> Outcome:
    """Execute compiled code in `namespace`, capturing stdout and any exception.

    Code with a top-level `await` is a coroutine when evaluated; `awaiter`
    runs it to completion (on the deck's event loop) and gives its value.

    With `limits`, the code runs under a time limit of `seconds`.  The
    nesting makes sure stdout is restored even if the alarm goes off while
    the inner `finally` runs (it can go off only once).
    """
    buffer = buffer if buffer is not None else io.StringIO()
    saved, router = sys.stdout, ROUTER
    outer = router.target
    value = None
    try:
        if limits is not None:
            limits.arm(seconds)
        router.target = buffer
        sys.stdout = router
        try:
            if code.co_flags & inspect.CO_COROUTINE:
                value = (awaiter or _run_alone)(eval(code, namespace))
            elif is_expression:
                value = eval(code, namespace)
            else:
                exec(code, namespace)
        finally:
            if limits is not None:
                limits.disarm()
    except BaseException as exc:  # noqa: BLE001 - slide faults (incl. sys.exit) stay contained
        return Outcome(buffer.getvalue(), error=_without_our_frame(exc))
    finally:
        sys.stdout = saved
        router.target = outer
    return Outcome(buffer.getvalue(), value)


def _run_alone(coroutine: Any) -> object:
    import asyncio

    return asyncio.run(coroutine)


def _without_our_frame(exc: BaseException) -> BaseException:
    tb = exc.__traceback__
    if tb is not None and tb.tb_frame.f_code is run.__code__:
        exc.__traceback__ = tb.tb_next
    return exc


class TimeLimits:
    """Per-block time limits: SIGALRM raises SlideTimeout in the running code.

    `install()` sets the handlers once for a run of blocks, `uninstall()`
    restores the previous ones; `arm(seconds)` / `disarm()` bracket each
    block.  Off the main thread or without SIGALRM there is no limit: a
    signal is the only way to interrupt pure-Python code without a second
    process.  A real Ctrl-C is told apart from slide code raising
    KeyboardInterrupt (`interrupted`), so it still stops the whole run.

    SIGTERM is handled too, because slide code can send it to its own
    process (`os.kill(os.getpid(), SIGTERM)`), which would end the run
    without a summary.  While a block runs (`block_running`), the first
    SIGTERM is recorded with the deck line that was running (`terminated`)
    and the block goes on; the session fails the block.  A sender cannot be
    told apart, so a SIGTERM outside a block, or a second one in the same
    block, ends the process as SIGTERM always did.
    `reinstall()` puts back any of the three handlers that slide code replaced.
    """

    def __init__(self) -> None:
        self.usable = hasattr(signal, "setitimer")
        self.seconds = 0.0
        self.installed = False
        self.interrupted = False
        self.block_running = False
        self.terminated: int | None = None
        """Deck line (0 if unknown) running when a SIGTERM arrived during a block."""
        self.filename = ""
        self._previous: tuple[object, object, object] = (None, None, None)
        self._handlers = ((signal.SIGALRM, self._expire), (signal.SIGINT, self._interrupt),
                          (signal.SIGTERM, self._terminate)) if self.usable else ()

    def install(self) -> None:
        if self.installed or not self.usable:
            return
        if threading.current_thread() is not threading.main_thread():
            return
        self._previous = tuple(signal.signal(number, handler)  # type: ignore[assignment]
                               for number, handler in self._handlers)
        self.installed = True

    def uninstall(self) -> None:
        if self.installed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            for (number, _), previous in zip(self._handlers, self._previous, strict=True):
                signal.signal(number, previous)  # type: ignore[arg-type]
            self.installed = False

    def reinstall(self) -> list[str]:
        """Put back the handlers slide code replaced; the names of those signals."""
        if not self.installed:
            return []
        replaced = []
        for number, handler in self._handlers:
            if _getsignal(number) != handler:
                signal.signal(number, handler)
                replaced.append(signal.Signals(number).name)
        return replaced

    def _terminate(self, signum: int, frame: object) -> None:
        if self.block_running and self.terminated is None:
            self.terminated = _outermost_line(frame, self.filename)
            return
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)

    def _interrupt(self, signum: int, frame: object) -> None:
        self.interrupted = True
        raise KeyboardInterrupt

    def arm(self, seconds: float) -> None:
        if self.installed and seconds > 0:
            self.seconds = seconds
            signal.setitimer(signal.ITIMER_REAL, seconds)

    def disarm(self) -> None:
        if self.installed:
            signal.setitimer(signal.ITIMER_REAL, 0)

    def _expire(self, signum: int, frame: object) -> None:
        raise SlideTimeout(f"block exceeded its time limit of {self.seconds:g} s")


try:  # the C function: `signal.getsignal` also wraps the result in an enum (slow, per block)
    from _signal import getsignal as _getsignal
except ImportError:  # pragma: no cover - not CPython
    _getsignal = signal.getsignal


def _outermost_line(frame: object, filename: str) -> int:
    """Deck line of the outermost frame of `filename` in a stack (0 if none)."""
    line = 0
    while frame is not None:
        if frame.f_code.co_filename == filename:  # type: ignore[attr-defined]
            line = frame.f_lineno  # type: ignore[attr-defined]
        frame = frame.f_back  # type: ignore[attr-defined]
    return line


def exception_only(exc: BaseException) -> str:
    """`Type: message` as Python prints it last in a traceback (without notes)."""
    return "".join(traceback.format_exception_only(type(exc), exc)).rstrip("\n")


def deck_frames(exc: BaseException, filename: str) -> list[traceback.FrameSummary]:
    """The traceback frames of `exc` that lie in the deck file."""
    frames = traceback.extract_tb(exc.__traceback__)
    return [f for f in frames if f.filename == filename]


def innermost_deck_line(exc: BaseException, filename: str) -> int | None:
    frames = deck_frames(exc, filename)
    return frames[-1].lineno if frames else None
