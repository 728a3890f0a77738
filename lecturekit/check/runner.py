"""THE runner for slide code: a deck's blocks run in a child process the checker supervises.

Slide code can do anything its process can: ignore SIGALRM and loop, fork
daemons, kill its parent, print gigabytes, allocate without end.  None of it
may stop the check, so a deck's blocks do not run in the checker's process:

    checker (pytest)            supervises; never runs slide code
      `- keeper                 a forked placeholder parent, own process group
           `- deck process      runs the deck's `DeckSession`, block by block

- The checker forks (no fresh interpreter: the warm process is copied, so a
  deck starts in milliseconds) and asks the deck process for results over a
  pipe.  It enforces each block's time limit from outside: past the limit
  (plus a short grace for the in-process SIGALRM, which gives a traceback)
  it kills the deck's processes; nothing in a block can stop that clock.
  The deck has a wall-time limit as well.
- The keeper exists so that `os.kill(os.getppid(), 9)` in a block kills the
  keeper, not pytest, `make` or `lecturekit build`; the deck process dies
  with it (parent-death signal) and the block is reported at its line.
- The checker is a child subreaper (Linux), so everything a block starts,
  detached `setsid` daemons included, stays its descendant when its parent
  dies; when a deck ends, every process left is stopped, named and killed.
- The deck process has a memory limit (RLIMIT_AS) and caps each block's
  captured output (see `execute.OutputRouter`); files of the project changed
  by a block fail that block (`WriteWatch`).
- The first SIGTERM or SIGINT to the checker while a deck runs kills the
  deck's processes and ends the run at once with one line, rewriting nothing.

After a block was killed (or killed its process), its later blocks are not
run: they depend on its namespace.  Each is reported failed, naming it.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import io
import os
import pickle
import re
import select
import signal
import struct
import sys
import termios
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lecturekit.check.session import BlockResult, DeckSession
    from lecturekit.deck import Fence

GIB = 1 << 30
MIB = 1 << 20


@dataclass
class Limits:
    """What one deck may use.  0 means no limit."""

    deck_seconds: float = 1200.0
    """Wall time of a whole deck (its blocks are limited one by one as well)."""
    memory: int = 4 * GIB
    """Address space of the deck's process (RLIMIT_AS), in bytes."""
    output: int = 1 * MIB
    """Captured output of one block, in bytes; past it only the head and tail are kept."""
    grace: float = 1.0
    """Seconds past a block's limit before the checker kills it (the SIGALRM comes first)."""

    def for_deck(self, front_matter: dict[str, object]) -> Limits:
        """These limits with the deck's own front matter (`memory:`, `deck-timeout:`,
        `max-output:`) applied."""
        limits = Limits(self.deck_seconds, self.memory, self.output, self.grace)
        if "memory" in front_matter:
            limits.memory = parse_size(str(front_matter["memory"]))
        if "deck-timeout" in front_matter:
            limits.deck_seconds = float(str(front_matter["deck-timeout"]))
        if "max-output" in front_matter:
            limits.output = parse_size(str(front_matter["max-output"]))
        return limits


_UNITS = {"": 1, "b": 1, "k": 1 << 10, "kb": 1 << 10, "kib": 1 << 10, "m": MIB, "mb": MIB,
          "mib": MIB, "g": GIB, "gb": GIB, "gib": GIB}


def parse_size(text: str) -> int:
    """`512M`, `4G`, `1.5GiB`, `1000000` -> bytes (ValueError if it is none of those)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*", text)
    if match is None or match.group(2).lower() not in _UNITS:
        raise ValueError(f"not a size: {text!r} (say e.g. 512M or 4G)")
    return int(float(match.group(1)) * _UNITS[match.group(2).lower()])


def show_size(size: int) -> str:
    for unit, scale in (("GiB", GIB), ("MiB", MIB), ("KiB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{size} bytes"


# -- processes -------------------------------------------------------------------

_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36
_PR_GET_CHILD_SUBREAPER = 37
_libc: Any = None


def load_libc() -> Any:
    """The C library, through ctypes (Linux), loaded once; None elsewhere or if it cannot be."""
    global _libc
    if _libc is None and sys.platform.startswith("linux"):
        with contextlib.suppress(OSError):
            import ctypes

            _libc = ctypes.CDLL(None, use_errno=True)
    return _libc


def _prctl(option: int, value: int) -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = load_libc()
        return libc is not None and libc.prctl(option, value, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def children(pid: int) -> set[int]:
    """The children of `pid` (all its threads'), from /proc; empty if it is gone."""
    found: set[int] = set()
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children", "rb") as handle:
                found.update(int(p) for p in handle.read().split())
        except OSError:
            continue
    return found


def _has_children() -> bool:
    """Whether this process has a child (running, stopped or a zombie), without collecting
    any; True when that cannot be told."""
    try:
        os.waitid(os.P_ALL, 0, os.WEXITED | os.WSTOPPED | os.WCONTINUED | os.WNOHANG
                  | os.WNOWAIT)
    except ChildProcessError:
        return False
    except (AttributeError, OSError):
        return True
    return True


def descendants(roots: Iterable[int], spare: Iterable[int] = ()) -> set[int]:
    """`roots` and every process below them, but none of `spare` (nor below them)."""
    seen: set[int] = set()
    spared = set(spare)
    todo = list(roots)
    while todo:
        pid = todo.pop()
        if pid in seen or pid in spared:
            continue
        seen.add(pid)
        todo.extend(children(pid) - seen)
    return seen


def command_line(pid: int) -> str:
    """What `ps` would show for `pid` (short), or '' if it is gone."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            raw = handle.read(400)
    except OSError:
        return ""
    text = raw.replace(b"\0", b" ").decode("utf-8", "replace").strip()
    return text if len(text) < 120 else text[:117] + "..."


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            state = handle.read().rsplit(b")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in (b"Z", b"X")


def stop_all(roots: Iterable[int], spare: Iterable[int] = (),
             more: Callable[[], Iterable[int]] | None = None) -> dict[int, str]:
    """Freeze every process under `roots` (so none can fork any more), then kill them all;
    `spare` (the deck's checkpoints, `check.checkpoints`) and what is below them excepted.
    `more`: further roots, asked again on every round (the orphans of a process ending
    meanwhile, which this process adopts as a subreaper).

    Returns pid -> command line of each process that was alive.
    """
    frozen: dict[int, str] = {}
    roots = list(roots)
    for _ in range(50):
        current = roots if more is None else [*roots, *more()]
        found = {p for p in descendants(current, spare) if p not in frozen and _alive(p)}
        if not found:
            break
        for pid in found:
            frozen[pid] = command_line(pid)
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGSTOP)
    for pid in frozen:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    return frozen


def reap(pids: Iterable[int], timeout: float = 2.0) -> None:
    """Wait until each of `pids` is gone, collecting the exit status of those that are (or,
    their parent killed too, become) our children; so no zombie is left."""
    pending = set(pids)
    me = os.getpid()
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        for pid in list(pending):
            parent = _parent(pid)
            if parent is None:
                pending.discard(pid)
            elif parent == me:
                with contextlib.suppress(ChildProcessError):
                    if os.waitpid(pid, os.WNOHANG)[0]:
                        pending.discard(pid)
        if pending:
            time.sleep(0.002)


_ENDED: list[tuple[int, set[int]]] = []
"""(keeper, deck processes) of decks that ended: killed at their deck's end, collected by
`reap_ended` (before the next deck starts and when the session ends), so that the checker
need not wait at each deck's end for their exits."""


def reap_ended() -> None:
    """Collect the keepers and deck processes of the decks that ended (`_ENDED`): each is
    gone when this returns."""
    me = os.getpid()
    while _ENDED:
        keeper, deck_processes = _ENDED.pop()
        with contextlib.suppress(ChildProcessError):
            os.waitpid(keeper, 0)  # killed: it ends at once
        # The keeper is gone: a deck process it had not collected is this process's child
        # now (a subreaper's), else it is gone too (and its pid may be another's already).
        for pid in deck_processes:
            if _parent(pid) == me:
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid, 0)


def _parent(pid: int) -> int | None:
    """The parent of `pid` (None if it is gone)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return int(handle.read().rsplit(b")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


# -- the checker's signals ---------------------------------------------------------

_LIVE: set[DeckRunner] = set()
_previous_handlers: dict[int, Any] = {}
capture: Any = None
"""pytest's capture manager (set by the plugin): suspended so that the one line is seen."""


def _stop_everything(signum: int, frame: object) -> None:
    """The first SIGTERM/SIGINT: kill every deck's processes, say so in one line, exit."""
    for runner in list(_LIVE):
        with contextlib.suppress(Exception):
            runner.kill()
    with contextlib.suppress(Exception):
        reap_ended()
    name = signal.Signals(signum).name
    with contextlib.suppress(Exception):
        if capture is not None:
            capture.suspend_global_capture(in_=False)
        sys.stderr.flush()
        done = ("the updated decks were written first" if _WRITING else
                "the decks' code was stopped, no deck was rewritten")
        os.write(2, f"\nlecturekit: stopped by {name}; {done}\n".encode())
    os._exit(128 + signum)


HANDLERS_FOR_PROCESS = False
"""True in `lecturekit check`: the handlers stay until the process ends."""


def install_stop_handlers(for_process: bool = False) -> None:
    """SIGTERM and SIGINT end the check at once (see `_stop_everything`).  Main thread only."""
    global HANDLERS_FOR_PROCESS
    HANDLERS_FOR_PROCESS |= for_process
    if _previous_handlers or not hasattr(signal, "SIGTERM"):
        return
    with contextlib.suppress(ValueError):  # not the main thread: leave pytest's handling
        for number in (signal.SIGTERM, signal.SIGINT):
            _previous_handlers[number] = signal.signal(number, _stop_everything)


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """SIGTERM and SIGINT wait (blocked) until the block ends, then act as usual.

    For `--update-outputs`: the decks are written in one go after a complete
    run, so an interruption leaves either none or all of them rewritten.
    """
    global _WRITING
    held = {signal.SIGTERM, signal.SIGINT}
    try:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    except (AttributeError, ValueError, OSError):
        yield
        return
    _WRITING = True
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
        _WRITING = False


_WRITING = False


def restore_stop_handlers() -> None:
    for number, handler in _previous_handlers.items():
        with contextlib.suppress(ValueError, TypeError):
            signal.signal(number, handler)
    _previous_handlers.clear()


# -- the deck process's side ------------------------------------------------------------

_HEADER = struct.Struct("!I")


def _send(fd: int, message: object) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _receive_blocking(fd: int) -> object | None:
    header = _read_exactly(fd, _HEADER.size)
    if header is None:
        return None
    body = _read_exactly(fd, _HEADER.unpack(header)[0])
    return None if body is None else pickle.loads(body)


def _read_exactly(fd: int, size: int) -> bytes | None:
    chunks, left = [], size
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _payload(result: BlockResult, late: list[tuple[int, int, str]],
             spawned: dict[int, str]) -> dict[str, object]:
    error = None
    if result.error is not None:
        try:
            error = pickle.dumps(result.error)
        except Exception:  # noqa: BLE001 - unpicklable exception: its type and text only
            error = None
    return {"stdout": result.stdout, "outcome": result.outcome, "message": result.message,
            "line": result.line, "checked": result.checked, "edits": result.edits,
            "unchecked": result.unchecked, "error": error,
            "error_text": _error_text(result.error), "late": late, "spawned": spawned,
            "pid": os.getpid()}


def _warning(caught: warnings.WarningMessage) -> tuple[str, type[Warning], str, int]:
    category = caught.category
    if getattr(sys.modules.get(category.__module__), category.__qualname__, None) is not category \
            or category.__module__ == "__main__":
        category = UserWarning  # a class of the deck's own: the checker cannot name it
    return (str(caught.message), category, str(caught.filename), int(caught.lineno or 0))


def _error_text(error: BaseException | None) -> str | None:
    if error is None:
        return None
    from lecturekit.check.execute import exception_only

    return exception_only(error)


def _forbid_signals(protected: set[int], groups: set[int]) -> None:
    """An audit hook in the deck process: `os.kill` / `os.killpg` of the checker, the keeper
    or their process groups raises PermissionError at the block's line.  (Code that signals
    them another way, `kill` in a shell, is caught by the keeper's death instead.)"""

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event not in ("os.kill", "os.killpg") or len(args) < 2 or not args[1]:
            return
        target = args[0]
        if event == "os.kill":
            hit = target in protected or target == -1 or target == 0 or -target in groups
        else:
            hit = target == 0 or target in groups
        if hit:
            raise PermissionError(f"slide code may not signal the checker or the deck's parent "
                                  f"process ({event}({target}, {args[1]}))")

    sys.addaudithook(hook)


def _serve(session: DeckSession, limits: Limits, requests: int, answers: int,
           record_reads: bool, checker: int, watch: WriteWatch | None = None) -> None:
    """The deck process: run blocks as asked, answer with their results; never returns."""
    code = 0
    try:
        # The exit handlers copied from the checker are the checker's; the deck's own
        # (a block's atexit.register) run when the deck is done, as they would at the end of
        # a script (see "finish" below).  A deck process resumed from a checkpoint keeps them.
        from lecturekit.check import checkpoints

        if not checkpoints.RESUMED:
            atexit._clear()
        for number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(number, signal.SIG_DFL)
        _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() == 1:  # the keeper died before we could ask to follow it
            os._exit(1)
        _prctl(_PR_SET_CHILD_SUBREAPER, 1)  # a block's daemons stay below us
        if limits.memory:
            import resource

            with contextlib.suppress(ValueError, OSError):
                resource.setrlimit(resource.RLIMIT_AS, (limits.memory, limits.memory))
        _forbid_signals(protected={os.getppid(), checker}, groups={os.getpgid(0),
                                                                    os.getpgid(checker)})
        from lecturekit.check.execute import ROUTER

        ROUTER.limit = limits.output
        descriptors = DescriptorCap.install(limits.output)
        if watch is None:  # the checker set none up (a deck resumed from a checkpoint)
            watch = WriteWatch.start(session.deck.project_root, Path(session.filename))
        session.open()
        if session._guard is not None:
            session._guard.watch = watch
        if record_reads:
            from lecturekit.check.memo import ReadRecorder

            ReadRecorder.start()
        checkpoints.deck_process_started(limits)
        known: set[int] = set()
        while True:
            request = _receive_blocking(requests)
            if request is None:
                break
            if request[0] == "run":
                for index in range(len(session.results), int(request[1]) + 1):
                    if descriptors is not None:
                        descriptors.start_block()
                    started = time.monotonic()
                    with warnings.catch_warnings(record=True) as caught:
                        warnings.filters[:] = request[2]
                        try:
                            result = session.result(index)
                        except KeyboardInterrupt:  # a SIGINT the block sent its own process:
                            result = session.results[index]  # its fault (a real Ctrl-C
                            session._limits.interrupted = False  # goes to the checker)
                    over = descriptors.overflow() if descriptors is not None else None
                    if over is not None:
                        result = _over_the_fd_limit(session, result, over, limits.output)
                    if isinstance(result.error, MemoryError) and limits.memory:
                        result.message += (f"\n\nnote: the deck's memory limit is "
                                           f"{show_size(limits.memory)} (front matter "
                                           f"`memory:` or --deck-memory)")
                    # With no child at all (one system call), nothing can be below us (a
                    # subreaper): the walk through /proc is for a deck that started some.
                    now = (descendants([os.getpid()], checkpoints.own()) - {os.getpid()}
                           if _has_children() else set())
                    spawned = {p: command_line(p) for p in now - known}
                    known |= now
                    payload = _payload(result, session.take_late_output(), spawned)
                    payload["warnings"] = [_warning(w) for w in caught]
                    checkpoints.after_block(session, index, payload,
                                            time.monotonic() - started, (requests, answers))
                    _send(answers, ("result", index, payload))
                if len(request) > 3 and request[3]:  # the last block the checker will ask
                    _finish(session, answers, record_reads)
                    break
            elif request[0] == "finish":
                _finish(session, answers, record_reads)
                break
    except BaseException:  # noqa: BLE001 - the checker reports a dead deck process itself
        code = 70
    with contextlib.suppress(Exception):
        sys.stdout.flush()
    os._exit(code)


def _finish(session: DeckSession, answers: int, record_reads: bool) -> None:
    """The deck is done: end it as a script ends (its exit handlers), and say so."""
    session.close()
    session.shutdown()
    exit_output = _run_exit_handlers()
    reads = set()
    if record_reads:
        from lecturekit.check.memo import ReadRecorder

        reads = ReadRecorder.stop()
    _send(answers, ("finished", reads, session.take_late_output(), exit_output))


def _run_exit_handlers() -> str:
    """Run the handlers the deck's blocks registered with `atexit`, as the end of a script
    would; what they print is returned, for the checker to print when it exits itself."""
    output = io.StringIO()
    with contextlib.suppress(Exception), contextlib.redirect_stdout(output), \
            contextlib.redirect_stderr(output):
        atexit._run_exitfuncs()
    return output.getvalue()


def _print_at_exit(text: str) -> None:
    with contextlib.suppress(Exception):
        sys.stdout.write(text)
        sys.stdout.flush()


def _keeper(child_main: Any, lifeline: int) -> None:
    """The keeper: own process group, forks the deck process, tells the checker its pid on
    the lifeline, waits for it, exits with its status (a signal as 128 + its number).
    Never returns."""
    code = 70
    try:
        for number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(number, signal.SIG_DFL)
        _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        os.setpgid(0, 0)
        pid = os.fork()
        if pid == 0:
            child_main()
            os._exit(70)
        child_main = None
        os.write(lifeline, b"%d\n" % pid)
        while True:
            try:
                _, status = os.waitpid(pid, 0)
                break
            except InterruptedError:
                continue
        code = os.waitstatus_to_exitcode(status)
        code = 128 - code if code < 0 else code
    except BaseException:  # noqa: BLE001
        pass
    os._exit(code)


# -- the checker's side ------------------------------------------------------------------


@dataclass
class Stop:
    """Why the deck's process was stopped, and at which block."""

    index: int
    line: int
    why: str
    left: dict[int, str] = field(default_factory=dict)


class DeckRunner:
    """A `DeckSession` run in a supervised child; the same interface as the session for the
    pytest plugin (`result`, `results`, `blocks`, `held`, `take_late_output`, ...).

    The session object given is the checker's copy: it is never run here,
    only forked.  The child starts at the first `result()` call.
    """

    def __init__(self, session: DeckSession, limits: Limits | None = None,
                 record_reads: bool = False) -> None:
        self.session = session
        self.deck = session.deck
        self.blocks = session.blocks
        self.held = session.held
        self.filename = session.filename
        self.timeout = session.timeout
        self.unchecked = session.unchecked
        self.update = session.update
        self.limits = (limits or Limits()).for_deck(session.deck.front_matter)
        self.record_reads = record_reads
        self.results: list[BlockResult] = list(session.results)
        """Results so far (a run resumed from a checkpoint starts with the blocks above it)."""
        self.reads: set[str] = set()
        self.stop: Stop | None = None
        self.left: dict[int, str] = {}
        """Processes the deck left running, killed when it ended: pid -> command line."""
        self.spawned: dict[int, tuple[int, str]] = {}
        """pid -> (block line, command line) of processes the deck process saw its blocks start."""
        self._late: list[tuple[int, int, str]] = []
        self._keeper = 0
        self._requests = self._answers = self._lifeline = -1
        self._buffer = bytearray()
        self._taken = 0
        """Bytes at the start of `_buffer` already taken as messages."""
        self._baseline: set[int] = set()
        self._deadline = 0.0
        self._deck_process: set[int] = set()
        self.ahead: set[int] = set()
        """Blocks the deck process may run before they are asked for (set by the plugin:
        selected items with no per-item warning filters), so that it works while pytest
        reports the previous ones."""
        self._asked = len(self.results) - 1
        self.final: int | None = None
        """The last block the checker will ask for (set by the plugin), if known: the request
        that runs it tells the deck process to end the deck right after it (`finish`), so
        that the deck's end overlaps with the reports of its last blocks."""
        self._finishing = False
        self.spare: set[int] = set()
        """The deck's checkpoints (`check.checkpoints`): processes the sweep leaves alone."""
        self.reused = 0
        """Blocks whose results came from a checkpoint of an earlier run."""
        self._holder = 0
        self._resumed_pid = 0
        self._watch: WriteWatch | None = None

    # -- the session's interface -------------------------------------------------------

    def open(self) -> None:
        """Nothing to do: the child starts on the first result asked for."""

    def close(self) -> None:
        self.finish()

    def shutdown(self) -> None:
        self.finish()

    def take_late_output(self) -> list[tuple[int, int, str]]:
        late, self._late = self._late, []
        return late

    def run_all(self) -> list[BlockResult]:
        if self.blocks:
            self.result(len(self.blocks) - 1)
        self.finish()
        reap_ended()
        return list(self.results)

    def result(self, index: int) -> BlockResult:
        results = self.results
        if index < len(results):
            return results[index]
        if self.stop is None and not self._keeper:
            self._start()
        if self.stop is None and index > self._asked:
            ahead = index
            if index in self.ahead:
                while ahead + 1 in self.ahead:
                    ahead += 1
            last = ahead == self.final
            try:
                _send(self._requests, ("run", ahead, list(warnings.filters), last))
                self._asked = ahead
                self._finishing = last
            except OSError:  # the deck process is gone (a thread of a block ended it)
                self._stop_at(len(results), self._death())
        if self.stop is None:
            while len(results) <= index and self.stop is None:
                self._wait_for(len(results))
        while len(results) <= index:
            results.append(self._not_run(len(results)))
        return results[index]

    # -- the child -----------------------------------------------------------------------

    def _start(self) -> None:
        reap_ended()  # the processes of decks before: gone before this one's start
        if self._start_resumed():
            return
        install_stop_handlers()
        _prctl(_PR_SET_CHILD_SUBREAPER, 1)
        self._baseline = children(os.getpid())
        requests_r, requests_w, answers_r, answers_w, life_r, life_w = _deck_pipes()
        session, limits, reads = self.session, self.limits, self.record_reads
        checker = os.getpid()
        watch = self._watch = WriteWatch.start(self.deck.project_root, Path(self.filename),
                                               shared=True)

        def deck_main() -> None:
            os.close(life_w)
            _serve(session, limits, requests_r, answers_w, reads, checker, watch)

        pid = os.fork()
        if pid == 0:
            try:
                for fd in (requests_w, answers_r, life_r):
                    os.close(fd)
                _keeper(deck_main, life_w)
            finally:
                os._exit(70)
        for fd in (requests_r, answers_w, life_w):
            os.close(fd)
        self._keeper = pid
        self._requests, self._answers, self._lifeline = requests_w, answers_r, life_r
        self._deadline = (time.monotonic() + self.limits.deck_seconds
                          if self.limits.deck_seconds else 0.0)
        _LIVE.add(self)

    def _start_resumed(self) -> bool:
        """Start from a checkpoint of an earlier run (`check.checkpoints`, under `lecturekit
        watch`): the blocks above it are done.  False (nothing started) if none fits."""
        from lecturekit.check import checkpoints

        if checkpoints.WARM is None or self.results:
            return False
        install_stop_handlers()
        _prctl(_PR_SET_CHILD_SUBREAPER, 1)
        self._baseline = children(os.getpid())
        deepest = len(self.blocks)
        while deepest > 0:
            answer = self._resume_below(deepest)
            if answer is None:
                return False
            if answer[0] == "adopted":
                break
            deepest = answer[1]  # block answer[1] must run: a checkpoint above it
            self.kill()
            self._keeper, self._holder, self._buffer, self._taken = 0, 0, bytearray(), 0
            self._deck_process, self.spare = set(), set()
        else:
            return False
        _, index, payloads, replayed = answer
        deck_process = self._resumed_pid
        for number, payload in enumerate(payloads):
            self.results.append(self._result(number, {**payload, "spawned": {},
                                                      "pid": deck_process}))
        self._asked = index - 1
        self.reused = index
        checkpoints.adopted(index, replayed)
        self._deadline = (time.monotonic() + self.limits.deck_seconds
                          if self.limits.deck_seconds else 0.0)
        _LIVE.add(self)
        return True

    def _resume_below(self, deepest: int) -> tuple[Any, ...] | None:
        """Resume from the deepest checkpoint before block `deepest` (at most); its first
        answer ("adopted" or "cannot"), or None (nothing started)."""
        from lecturekit.check import checkpoints

        requests_r, requests_w, answers_r, answers_w, life_r, life_w = _deck_pipes()
        found = checkpoints.resume(self, (requests_r, answers_w, life_w), deepest)
        for fd in (requests_r, answers_w, life_w):
            os.close(fd)
        if found is None:
            for fd in (requests_w, answers_r, life_r):
                os.close(fd)
            return None
        self._holder, index, _ = found
        self._requests, self._answers, self._lifeline = requests_w, answers_r, life_r
        deadline = time.monotonic() + 10.0
        told = b""
        while not told.endswith(b"\n") and time.monotonic() < deadline:
            ready, _, _ = select.select([life_r], [], [], max(0.0, deadline - time.monotonic()))
            chunk = os.read(life_r, 64) if ready else b""
            if not chunk:
                break
            told += chunk
        pids = [int(p) for p in told.split()] if told.endswith(b"\n") else []
        message = None
        if len(pids) == 2:
            self._keeper, self._resumed_pid = pids
            self._deck_process.add(pids[1])
            message = self._next_message(deadline)
        if message is not None and (message[0] == "cannot" or (
                message[0] == "adopted" and message[1] == index)):
            return message  # type: ignore[no-any-return]
        self.kill()  # the checkpoint refused (a file it read changed) or is gone
        self._keeper, self._holder, self._buffer, self._taken = 0, 0, bytearray(), 0
        self._deck_process, self.spare = set(), set()
        return None

    def _block_limit(self, fence: Fence) -> float:
        if fence.annotations:
            with contextlib.suppress(TypeError, ValueError):
                return float(fence.value("timeout") or self.timeout)
        return self.timeout

    def _wait_for(self, index: int) -> None:
        """Wait for block `index`'s result; past its limit or if the child dies, stop it."""
        fence = self.blocks[index]
        limit = self._block_limit(fence)
        now = time.monotonic()
        deadline = now + limit + self.limits.grace if limit > 0 else 0.0
        deck_limited = bool(self._deadline) and (not deadline or self._deadline < deadline)
        if deck_limited:
            deadline = self._deadline
        message = self._next_message(deadline)
        if message is None:
            if deadline and time.monotonic() >= deadline:
                why = (f"the deck exceeded its time limit of {self.limits.deck_seconds:g} s "
                       f"(front matter `deck-timeout:` or --deck-timeout)" if deck_limited else
                       f"the block exceeded its time limit of {limit:g} s and did not stop; "
                       f"the checker killed the deck's process")
            else:
                why = self._death()
            self._stop_at(index, why)
            return
        kind, got, payload = message
        if kind != "result" or got != index:
            self._stop_at(index, f"the deck's process answered out of turn ({kind} {got})")
            return
        self.results.append(self._result(index, payload))

    def _result(self, index: int, payload: dict[str, Any]) -> BlockResult:
        from lecturekit.check.session import BlockResult

        error = None
        if payload["error"] is not None:
            with contextlib.suppress(Exception):
                error = pickle.loads(payload["error"])
        if error is None and payload["error_text"]:
            error = RuntimeError(payload["error_text"])
        self._late.extend(payload["late"])
        for text, category, filename, lineno in payload["warnings"]:
            warnings.warn_explicit(text, category, filename, lineno)
        self._deck_process.add(payload["pid"])
        self.spare.update(payload.get("checkpoints", ()))
        fence = self.blocks[index]
        for pid, command in payload["spawned"].items():
            self.spawned[pid] = (fence.line, command)
        return BlockResult(fence, payload["stdout"], payload["outcome"], payload["message"],
                           line=payload["line"], checked=payload["checked"],
                           edits=payload["edits"], unchecked=payload["unchecked"], error=error)

    def _next_message(self, deadline: float) -> tuple[Any, ...] | None:
        """The next whole message from the child, or None at the deadline or its death."""
        buffer = self._buffer
        while True:
            # Messages are taken from `_taken` on, and the buffer cut only when more is read:
            # cutting each message off its front moved all that followed it (quadratic in
            # the results the deck process had sent ahead).
            start = self._taken
            if len(buffer) - start >= _HEADER.size:
                size = _HEADER.unpack_from(buffer, start)[0]
                end = start + _HEADER.size + size
                if len(buffer) >= end:
                    body = bytes(buffer[start + _HEADER.size:end])
                    self._taken = end
                    try:
                        return pickle.loads(body)  # type: ignore[no-any-return]
                    except Exception:  # noqa: BLE001 - a result we cannot read: a dead deck
                        return ("unreadable", -1, None)
            wait = None if not deadline else max(0.0, deadline - time.monotonic())
            try:
                ready, _, _ = select.select([self._answers, self._lifeline], [], [], wait)
            except InterruptedError:
                continue
            if not ready:
                return None
            if self._answers in ready:
                chunk = os.read(self._answers, 1 << 20)
                if chunk:
                    del buffer[:self._taken]
                    self._taken = 0
                    buffer.extend(chunk)
                    continue
            if self._lifeline in ready and self._answers not in ready:
                told = os.read(self._lifeline, 64)
                if told:  # the keeper names the deck process
                    self._deck_process.update(int(p) for p in told.split())
                    continue
                return None  # the keeper is gone, and with it the deck process
            if self._answers in ready:  # EOF on answers
                return None

    def _death(self) -> str:
        """Why the child ended, from the keeper's exit status."""
        status = None
        with contextlib.suppress(ChildProcessError):
            for _ in range(200):
                done, raw = os.waitpid(self._keeper, os.WNOHANG)
                if done:
                    status = os.waitstatus_to_exitcode(raw)
                    self._keeper = -self._keeper  # reaped
                    break
                time.sleep(0.005)
        if status is None:
            return "the deck's process ended while this block ran"
        if status < 0:
            return (f"the deck's parent process was killed by {signal.Signals(-status).name} "
                    f"(slide code must not signal it); the checker stopped the deck")
        if status > 128 and status - 128 in signal.valid_signals():
            name = signal.Signals(status - 128).name
            hint = (" (the deck's memory limit is "
                    f"{show_size(self.limits.memory)}: front matter `memory:` or --deck-memory)"
                    if name == "SIGKILL" and self.limits.memory else "")
            return f"the deck's process was killed by {name} while this block ran{hint}"
        return f"the block ended the deck's process (exit status {status})"

    def _stop_at(self, index: int, why: str) -> None:
        from lecturekit.check.report import Problem, describe
        from lecturekit.check.session import BlockResult

        fence = self.blocks[index]
        left = self.kill()
        self.stop = Stop(index, fence.line, why, left)
        text = why
        named = self._named(left)
        if named:
            text += "; processes it left were killed: " + named
        message = describe(self.deck, fence, [Problem(fence.line, text)], self.filename)
        self.results.append(BlockResult(fence, "", "failed", message, line=fence.line))

    def _named(self, left: dict[int, str]) -> str:
        shown = [f"pid {p} `{c or '?'}`" for p, c in sorted(left.items())][:5]
        return ", ".join(shown) + (f" and {len(left) - 5} more" if len(left) > 5 else "")

    def _not_run(self, index: int) -> BlockResult:
        from lecturekit.check.report import Problem, describe
        from lecturekit.check.session import BlockResult

        assert self.stop is not None
        fence = self.blocks[index]
        stopper = self.blocks[self.stop.index]
        text = (f"not run: the block at line {self.stop.line} (slide {stopper.slide_number}) "
                f"stopped the deck's process, and this block depends on its namespace")
        message = describe(self.deck, fence, [Problem(fence.line, text)], self.filename)
        return BlockResult(fence, "", "failed", message, line=fence.line)

    # -- the end ----------------------------------------------------------------------------

    def finish(self) -> None:
        """The deck is done: let the child end, collect what it read, kill what it left."""
        if self._keeper <= 0 or self.stop is not None:
            return
        if self._asked >= len(self.results):  # stopped early (-x): blocks nobody will see
            self.left = self.kill()
            return
        if not self._finishing:  # else it was asked with the last block
            with contextlib.suppress(OSError):
                _send(self._requests, ("finish",))
        message = self._next_message(time.monotonic() + 5.0)
        if message is not None and message[0] == "finished":
            self.reads = set(message[1])
            self._late.extend(message[2])
            if message[3]:
                # printed when the checker exits, where a script's exit handlers print
                atexit.register(_print_at_exit, message[3])
            if not self._holder:
                # Its deck done, the deck process is ending: it and the keeper go with the
                # rest (nothing is waited for in between), collected later (`reap_ended`).
                self.left = self.kill(ended=True)
                return
            self._let_keeper_end()
        self.left = {p: c for p, c in self.kill().items()}

    def _let_keeper_end(self, seconds: float = 2.0) -> None:
        """The deck process is ending by itself: let the keeper collect it and exit (so
        neither is killed half-way, nor left a zombie).

        Waited for in one `select` on a pidfd of the keeper, readable the moment it can be
        collected (Linux 5.3+).  Elsewhere: the keeper holds the lifeline's write end until it
        exits (the deck process closed its copy at its start), so its end is an end of file
        on the lifeline, and collectable moments later.  Not by polling, which cost a
        millisecond or more per deck.
        """
        deadline = time.monotonic() + seconds
        if self._keeper_exit(seconds):
            return
        ended = False
        while True:
            try:
                done, _ = os.waitpid(self._keeper, os.WNOHANG)
            except ChildProcessError:
                return
            if done:
                self._keeper = -self._keeper
                return
            left = deadline - time.monotonic()
            if left <= 0:
                return
            if ended:  # its files are closed: it is collectable within moments
                time.sleep(min(left, 0.0002))
                continue
            try:
                ready, _, _ = select.select([self._lifeline], [], [], left)
                told = os.read(self._lifeline, 64) if ready else None
            except InterruptedError:
                continue
            except OSError:
                told = b""
            if told is None:
                return
            if told:  # the keeper naming the deck process, not yet read
                self._deck_process.update(int(p) for p in told.split())
            else:
                ended = True

    def _keeper_exit(self, seconds: float) -> bool:
        """Wait (at most `seconds`) on a pidfd for the keeper's exit and collect it; False if
        there is no pidfd to wait on."""
        try:
            pidfd = os.pidfd_open(self._keeper)
        except (AttributeError, OSError):
            return False
        try:
            select.select([pidfd], [], [], seconds)
        except (InterruptedError, OSError):
            pass
        finally:
            os.close(pidfd)
        with contextlib.suppress(ChildProcessError):
            if os.waitpid(self._keeper, os.WNOHANG)[0]:
                self._keeper = -self._keeper
        return True

    def kill(self, ended: bool = False) -> dict[int, str]:
        """Stop the deck's processes (all of them); pid -> command line of those killed
        other than the keeper and the deck process themselves.

        `ended`: the deck process has finished its deck and is ending by itself; it and
        the keeper are killed with the rest but not waited for here (`reap_ended`).
        Whatever else was killed is gone when this returns.
        """
        _LIVE.discard(self)
        keeper = self._keeper
        roots = {keeper} if keeper > 0 else set()
        if keeper > 0:
            self._deck_process |= children(keeper)  # the keeper forks nothing else
        me = os.getpid()
        if self._holder:  # resumed: what the deck process left below its checkpoint
            roots |= children(self._holder)
        from lecturekit.check.checkpoints import registered

        # Our new children on every round: what an ending process left is adopted by us.
        killed = stop_all(roots, self.spare | registered(),
                          more=lambda: children(me) - self._baseline)
        ours = {abs(keeper), *self._deck_process} - {0}
        if ended and keeper > 0:
            _ENDED.append((keeper, self._deck_process - {keeper}))
            reap(set(killed) - ours)
        else:
            reap(killed)
        for pid in children(me) - self._baseline:  # zombies reparented to us
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
        if keeper > 0 and not ended:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(keeper, 0)
        self._keeper = -abs(keeper) if keeper else 0
        for fd in (self._requests, self._answers, self._lifeline):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._requests = self._answers = self._lifeline = -1
        if self._watch is not None:
            self._watch.release()
            self._watch = None
        return {p: c for p, c in killed.items() if p not in ours}


# -- files the blocks may not change -------------------------------------------------------

_IN_MODIFY, _IN_MOVED_FROM, _IN_MOVED_TO = 0x2, 0x40, 0x80
_IN_CREATE, _IN_DELETE, _IN_DELETE_SELF = 0x100, 0x200, 0x400
_IN_ISDIR, _IN_NONBLOCK, _IN_CLOEXEC = 0x40000000, 0o4000, 0o2000000
_MASK = _IN_MODIFY | _IN_MOVED_FROM | _IN_MOVED_TO | _IN_CREATE | _IN_DELETE
_EVENT = struct.Struct("iIII")
_SKIPPED_DIRS = {"node_modules", "__pycache__", "dist", "build", "site", "venv", "htmlcov"}
"""Folders whose changes are not the project's sources (outputs, caches, environments);
hidden folders (.git, .venv, .pytest_cache, ...) are skipped too."""
_MAX_WATCHED = 2000


@dataclass
class WriteWatch:
    """Notices files of the project a block creates, changes, moves or deletes (Linux inotify).

    One watch per folder of the project (hidden, output and cache folders
    left out), set when the deck process starts; before each block the
    pending events are dropped, after it they are read in one system call.
    """

    fd: int
    folders: dict[int, Path]
    root: Path
    shared: bool = False
    """Its watches are on the checker's one inotify instance (`_shared_inotify`)."""

    @classmethod
    def start(cls, root: Path, deck: Path, shared: bool = False) -> WriteWatch | None:
        """Watch the project's folders.  `shared` (the checker, before it forks the deck's
        process): on the checker's own inotify instance, which the deck process inherits,
        so that the deck process's exit does not end the instance: ending one with watches
        waits for the kernel to free them (an RCU grace period, 4-15 ms), which the deck's
        end would wait for.  `release` removes the watches when the deck ends instead; the
        kernel frees them meanwhile."""
        if not sys.platform.startswith("linux"):
            return None
        try:
            libc = load_libc()
            fd = _shared_inotify(libc) if shared else libc.inotify_init1(
                _IN_NONBLOCK | _IN_CLOEXEC)
        except (OSError, AttributeError):
            return None
        if fd < 0:
            return None
        root = Path(root).resolve()
        folders: dict[int, Path] = {}
        todo = [root]
        deck_folder = deck.resolve().parent
        if deck_folder != root and root not in deck_folder.parents:
            todo.append(deck_folder)  # a deck outside its project root: watch its folder
        while todo and len(folders) < _MAX_WATCHED:
            folder = todo.pop()
            wd = libc.inotify_add_watch(fd, os.fsencode(folder), _MASK)
            if wd < 0:
                continue
            folders[wd] = folder
            try:
                with os.scandir(folder) as entries:
                    for entry in entries:
                        if (entry.is_dir(follow_symlinks=False) and entry.name[0] != "."
                                and entry.name not in _SKIPPED_DIRS
                                and not entry.name.endswith(".egg-info")):
                            todo.append(Path(entry.path))
            except OSError:
                continue
        return cls(fd, folders, root, shared)

    def release(self) -> None:
        """The deck is over (in the checker): remove its watches, or end its own instance."""
        if not self.shared:
            with contextlib.suppress(OSError):
                os.close(self.fd)
            return
        with contextlib.suppress(OSError, AttributeError):
            libc = load_libc()
            for wd in self.folders:
                libc.inotify_rm_watch(self.fd, wd)
        self.folders = {}

    def drain(self) -> None:
        with contextlib.suppress(OSError):
            while os.read(self.fd, 65536):
                pass

    def changes(self) -> list[tuple[str, Path]]:
        """(what happened, path) for each file changed since the last `drain`."""
        found: dict[Path, str] = {}
        while True:
            try:
                data = os.read(self.fd, 65536)
            except OSError:  # BlockingIOError: nothing (more) pending
                break
            offset = 0
            while offset + _EVENT.size <= len(data):
                wd, mask, _, length = _EVENT.unpack_from(data, offset)
                name = data[offset + _EVENT.size:offset + _EVENT.size + length].rstrip(b"\0")
                offset += _EVENT.size + length
                folder = self.folders.get(wd)
                if folder is None or not name or _not_a_source(os.fsdecode(name)):
                    continue
                what = ("created" if mask & (_IN_CREATE | _IN_MOVED_TO) else
                        "deleted" if mask & (_IN_DELETE | _IN_MOVED_FROM) else "changed")
                path = folder / os.fsdecode(name)
                found.setdefault(path, what)
        return [(what, path) for path, what in found.items()]

    def shown(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)


_INOTIFY = -1
"""The checker's inotify instance, on which each deck's `WriteWatch` adds its watches."""


def _shared_inotify(libc: Any) -> int:
    global _INOTIFY
    if _INOTIFY < 0:
        _INOTIFY = libc.inotify_init1(_IN_NONBLOCK | _IN_CLOEXEC)
    return _INOTIFY


def close_shared_watch() -> None:
    """End the checker's inotify instance (the session is over; no deck runs)."""
    global _INOTIFY
    fd, _INOTIFY = _INOTIFY, -1
    if fd >= 0:
        with contextlib.suppress(OSError):
            os.close(fd)


PROTECTED = (".md", ".markdown", ".css", ".scss", ".png", ".jpg", ".jpeg", ".gif", ".svg",
             ".webp", ".avif", ".py", ".js", ".mjs", ".cjs", ".ts", ".toml", ".cfg", ".ini",
             ".json", ".yaml", ".yml", ".html", ".ipynb")
"""What a block may not create, change, move or delete in the project: decks, themes,
images, sources and configuration.  Other files (logs, data a block writes) are its own."""


def _not_a_source(name: str) -> bool:
    """Entries whose change is no change of the project: caches, hidden files, data files."""
    return name[0] == "." or not name.lower().endswith(PROTECTED)



# -- output written to fds 1 and 2 directly ---------------------------------------------------


def _deck_pipes() -> tuple[int, int, int, int, int, int]:
    """The pipes between the checker and a deck process (requests, answers, life: read and
    write end of each), made after flushing what is buffered, so a fork copies none of it."""
    requests_r, requests_w = os.pipe()
    answers_r, answers_w = os.pipe()
    life_r, life_w = os.pipe()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    return requests_r, requests_w, answers_r, answers_w, life_r, life_w


class DescriptorCap:
    """The deck process's fds 1 and 2 lead to pipes a thread of it reads: what a block (or a
    process it starts) writes to them directly, `os.write(1, ...)` or a subprocess's output,
    passes on to where they led before, up to the block's output limit; past it only its
    head and tail are kept, and the block fails with the size, as output printed through
    `sys.stdout` does (`execute.OutputRouter`)."""

    SHOWN = 1000
    THREAD = "lecturekit-fd-cap"
    installed: DescriptorCap | None = None
    """The cap of this process, if any (a checkpoint's fork drops it: `dropped_in_fork`)."""

    def __init__(self, limit: int, pipes: dict[int, int], targets: dict[int, int]) -> None:
        self.limit = limit
        self.pipes = pipes
        """read end -> the fd (1 or 2) it stands for"""
        self.targets = targets
        """fd (1 or 2) -> a copy of where it led before"""
        self.written = 0
        self.head = bytearray()
        self.tail = bytearray()
        self.busy = False
        self.lock = threading.Lock()

    @classmethod
    def install(cls, limit: int) -> DescriptorCap | None:
        """Redirect fds 1 and 2 of this process (None where that cannot be done)."""
        if not limit or not hasattr(os, "pipe2"):
            return None
        pipes: dict[int, int] = {}
        targets: dict[int, int] = {}
        try:
            for fd in (1, 2):
                targets[fd] = os.dup(fd)
                read, write = os.pipe2(os.O_CLOEXEC)
                os.dup2(write, fd)  # the copy on fd 1/2 is inherited by what a block starts
                os.close(write)
                pipes[read] = fd
        except OSError:
            return None
        cap = cls(limit, pipes, targets)
        threading.Thread(target=cap._pump, name=cls.THREAD, daemon=True).start()
        cls.installed = cap
        return cap

    @classmethod
    def dropped_in_fork(cls) -> None:
        """In a process forked from a capped one (a checkpoint): the pump thread did not
        come along, so let go of its pipes and of the copies of the old fds 1/2 (a copy
        held open would keep the runner's pipe from ever reaching its end)."""
        cap, cls.installed = cls.installed, None
        if cap is not None:
            for fd in (*cap.pipes, *cap.targets.values()):
                with contextlib.suppress(OSError):
                    os.close(fd)

    def _pump(self) -> None:
        open_pipes = set(self.pipes)
        while open_pipes:
            try:
                ready, _, _ = select.select(list(open_pipes), [], [])
            except InterruptedError:
                continue
            except (OSError, ValueError):
                return
            for read in ready:
                with self.lock:
                    self.busy = True
                    try:
                        chunk = os.read(read, 1 << 16)
                    except OSError:
                        chunk = b""
                    if not chunk:
                        open_pipes.discard(read)
                    else:
                        self._take(self.pipes[read], chunk)
                    self.busy = False

    def _take(self, fd: int, chunk: bytes) -> None:
        room = self.limit - self.written
        self.written += len(chunk)
        if len(self.head) < self.SHOWN:
            self.head += chunk[:self.SHOWN - len(self.head)]
        if room > 0:
            with contextlib.suppress(OSError):
                _write_all(self.targets[fd], chunk[:room])
        if self.written > self.limit:
            self.tail = (self.tail + chunk[-self.SHOWN:])[-self.SHOWN:]

    def start_block(self) -> None:
        self.settle()
        with self.lock:
            self.written = 0
            self.head.clear()
            self.tail.clear()

    def settle(self, seconds: float = 1.0) -> None:
        """Wait (a little) until what was written so far has been read and counted."""
        deadline = time.monotonic() + seconds
        count = bytearray(struct.pack("i", 0))
        while time.monotonic() < deadline:
            pending = 0
            for read in self.pipes:
                with contextlib.suppress(OSError):
                    fcntl.ioctl(read, termios.FIONREAD, count)
                    pending += struct.unpack("i", count)[0]
            if not pending and not self.busy:
                return
            time.sleep(0.001)

    def overflow(self) -> tuple[int, str, str] | None:
        """(bytes written, head, tail) if the block wrote past its limit, else None."""
        self.settle()
        with self.lock:
            if self.written <= self.limit:
                return None
            return (self.written, self.head.decode("utf-8", "replace"),
                    self.tail.decode("utf-8", "replace"))


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _over_the_fd_limit(session: DeckSession, result: BlockResult,
                       over: tuple[int, str, str], limit: int) -> BlockResult:
    """`result` failed for output written to fd 1/2 past the block's limit."""
    from lecturekit.check.report import Problem, describe
    from lecturekit.check.session import _mention

    size, head, tail = over
    fence = result.fence
    line = _mention(fence, "os.write", "write", "subprocess", "system")
    problem = Problem(line, f"the block wrote {show_size(size)} ({size} bytes) to file "
                            f"descriptors 1/2 directly, more than the limit of "
                            f"{show_size(limit)} per block (front matter `max-output:` or "
                            f"--max-output); its first and last {DescriptorCap.SHOWN} "
                            f"bytes:",
                      actual=f"{head}\n[... {size - len(head) - len(tail)} bytes not shown "
                             f"...]\n{tail}")
    message = describe(session.deck, fence, [problem], session.filename)
    if result.outcome == "failed":
        result.message = f"{result.message}\n\n{message}"
    else:
        result.outcome, result.message, result.line = "failed", message, line
    return result


# -- a Jupyter kernel under the same supervision (the handout's notebook) -------------------
#
# The handout's notebook is a real Jupyter execution (nbclient talks to an ipykernel), so
# its code cannot run in a forked `DeckRunner`.  The kernel is started instead through a
# keeper of its own, the same shape as the checker's:
#
#     lecturekit handout          nbclient; times each cell from outside; sweeps at the end
#       `- keeper                 `python -m lecturekit.check.runner`: subreaper, own session
#            `- kernel            the ipykernel: RLIMIT_AS, may not signal the keeper or us
#
# nbclient's per-cell timeout is a client-side clock (the kernel cannot stop it); the
# handout's side caps the output it keeps (`execute.py`).

KERNEL_MARK = "LECTUREKIT_KERNEL"
"""Environment variable set for the kernel (and so inherited by what it starts): processes
that outlived a killed keeper are recognised by it when the notebook is swept."""


def kernel_command(module: str, args: list[str], limits: Limits) -> list[str]:
    """The argv that runs `python -m <module> <args>` (a Jupyter kernel) under a keeper: the
    kernel gets the deck's memory limit and the audit hook that refuses signals to its
    keeper and to this process (see `_keep_kernel`)."""
    return [sys.executable, "-m", "lecturekit.check.runner", "--memory", str(limits.memory),
            "--parent", str(os.getpid()), "--", module, *args]


def _keep_kernel(argv: list[str]) -> None:
    """The kernel's keeper (started by jupyter_client in a session of its own): a subreaper,
    so whatever the kernel starts, detached daemons included, stays below it; it forks the
    kernel, waits for it, kills what is left and exits with the kernel's status.  A SIGINT
    (nbclient's interrupt goes to the whole process group) is for the kernel alone.
    Never returns."""
    code = 70
    try:
        split = argv.index("--")
        options = dict(zip(argv[:split:2], argv[1:split:2], strict=True))
        memory, parent = int(options["--memory"]), int(options["--parent"])
        module, args = argv[split + 1], argv[split + 2:]
        _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the handout died before we could ask to follow it
            os._exit(70)
        _prctl(_PR_SET_CHILD_SUBREAPER, 1)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        keeper = os.getpid()
        pid = os.fork()
        if pid == 0:
            _run_kernel(module, args, memory, keeper, parent)
        while True:
            try:
                _, status = os.waitpid(pid, 0)
                break
            except InterruptedError:
                continue
        code = os.waitstatus_to_exitcode(status)
        code = 128 - code if code < 0 else code
        reap(stop_all(children(keeper)))
    except BaseException:  # noqa: BLE001 - the handout reports a dead kernel itself
        pass
    os._exit(code)


def _run_kernel(module: str, args: list[str], memory: int, keeper: int, parent: int) -> None:
    """The kernel process: limits first, then the kernel module as `__main__`.  Never returns."""
    code = 70
    try:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != keeper:
            os._exit(70)
        if memory:
            import resource

            with contextlib.suppress(ValueError, OSError):
                resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        _forbid_signals(protected={keeper, parent},
                        groups={os.getpgid(0), *_group_of(parent)})
        # What the kernel writes to its fds 1 and 2 reaches the notebook only: ipykernel
        # forwards them to the client (where the output is capped) and echoes them to the
        # descriptors it started with, which lead nowhere, so `os.write(1, ...)` of a
        # gigabyte never reaches the handout's terminal.  ipykernel forwards them only
        # outside pytest, so the variable pytest sets is not passed on.
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.dup2(null, 2)
        os.close(null)
        os.environ.pop("PYTEST_CURRENT_TEST", None)
        import runpy

        sys.argv = [module, *args]
        try:
            runpy.run_module(module, run_name="__main__", alter_sys=True)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # noqa: BLE001
        code = 70
    with contextlib.suppress(Exception):
        sys.stdout.flush()
    os._exit(code)


def _is_subreaper() -> bool:
    """Whether this process is a child subreaper already (the checker may have made it one)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        value = ctypes.c_int(0)
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_GET_CHILD_SUBREAPER, ctypes.byref(value), 0, 0, 0)
    except (OSError, AttributeError):
        return False
    return bool(value.value)


def _group_of(pid: int) -> set[int]:
    try:
        return {os.getpgid(pid)}
    except OSError:
        return set()


@dataclass
class KernelWatch:
    """The handout's side of a kernel started with `kernel_command`: which processes its
    cells start (to name them at the cell), and the sweep when the notebook is done."""

    keeper: int
    mark: str
    kernel: set[int] = field(default_factory=set)
    """The kernel's own process (what ran below the keeper when the kernel was ready)."""
    known: set[int] = field(default_factory=set)
    baseline: set[int] = field(default_factory=set)
    was_subreaper: bool = True

    @classmethod
    def start(cls, keeper: int, mark: str) -> KernelWatch:
        """Call once the kernel is ready: what runs below the keeper now is the kernel.
        This process is a subreaper until the sweep, so that what outlives a killed keeper
        stays ours (and is found by its `KERNEL_MARK`)."""
        was = _is_subreaper()
        _prctl(_PR_SET_CHILD_SUBREAPER, 1)
        kernel = descendants([keeper]) - {keeper}
        return cls(keeper, mark, kernel, set(kernel), children(os.getpid()) - {keeper}, was)

    def new_processes(self) -> dict[int, str]:
        """pid -> command line of each process started below the kernel since the last call."""
        now = {p for p in descendants([self.keeper]) if _alive(p)} - {self.keeper}
        new = now - self.known
        self.known |= new
        return {p: command_line(p) for p in sorted(new)}

    def sweep(self) -> dict[int, str]:
        """Kill the keeper, the kernel and everything they left (orphans included); pid ->
        command line of those killed besides the keeper and the kernel."""
        strays = {p for p in children(os.getpid()) - self.baseline - {self.keeper}
                  if self._marked(p)}
        roots = ({self.keeper} if _alive(self.keeper) else set()) | strays
        killed = stop_all(roots)
        reap(set(killed) - {self.keeper})  # the keeper is jupyter_client's child to collect
        if not self.was_subreaper:
            _prctl(_PR_SET_CHILD_SUBREAPER, 0)
        return {p: c for p, c in killed.items() if p != self.keeper and p not in self.kernel}

    def _marked(self, pid: int) -> bool:
        try:
            with open(f"/proc/{pid}/environ", "rb") as handle:
                return f"{KERNEL_MARK}={self.mark}".encode() in handle.read().split(b"\0")
        except OSError:
            return False


if __name__ == "__main__":  # the kernel's keeper: kernel_command
    _keep_kernel(sys.argv[1:])
