"""Checkpoints of a deck's process, taken while the check runs, so the next run resumes.

`lecturekit watch` re-checks a deck on every save.  A lecturer edits one
place at a time and everything above it is unchanged, so the blocks above
need not run again: their namespace and results are those of the run before.

The deck's blocks run in the supervised deck process (`check.runner`).  When
the watch kernel asks for it (`WARM` set in its forked pytest run), that
process forks a *checkpoint* between two blocks: a paused copy of itself
(copy-on-write: the namespace costs only the pages the deck changes later).
It registers with the kernel over a Unix socket, under a key that says what
its state depends on (`state_keys`): the check's settings and limits, the
front matter and the *code* of the blocks above (line, info string,
annotations, code without comments; a transcript's sources without its
expected lines).  A checkpoint stays a process of
the same tree: the keeper's process group, the deck's memory limit, and the
runner's sweep spares it only by its registered pid.

The next run's `DeckRunner` (a new pytest run forked from the kernel) looks
for the registered checkpoint with the deepest key that its own deck still
has.  It hands the checkpoint its pipes; the checkpoint forks a keeper and,
below it, a new deck process that takes over the state, adopts the new
deck's text, sends back the results of the blocks above and serves the
runner exactly as a deck process started cold does.  A block above whose
text changed although its code did not (an expected output) is not run:
the deck process records what each piece of a block's code gave
(`execute.run`'s outcome, the value's repr as it was then) and the block's
evaluator checks the new expectations against the record (`_replay`); if
they would run its code differently, the run resumes from a checkpoint above
that block instead.  A checkpoint is also taken after the last block, so an
edit of expected output alone runs no block at all.  The report is the cold
run's (tests compare them).  A resumed deck process takes checkpoints of its
own further down.

Spacing and bounds: a checkpoint is taken after a block once the blocks run
since the previous one took at least MIN_COST seconds (so cheap blocks above
an edit may run again), and after the last; at most MAX_PER_RUN per run (the
last one aside), and the kernel keeps at
most MAX_KEPT per deck (the oldest go first).  None is taken while a block's
thread or child process is alive, or an event loop exists: a fork copies
none of them.  A checkpoint also records the project files the blocks above
it read (size and modification time): if one changed, it refuses to resume
and ends (the run starts cold).

A checkpoint ends when the kernel closes its connection (the deck changed
above it, it was evicted, the watch stopped) or when the kernel process is
gone (checked through a pidfd), so none outlives `lecturekit watch`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import json
import os
import pickle
import select
import signal
import socket
import struct
import sys
import threading
import time
import tokenize
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lecturekit.check.execute import Outcome
    from lecturekit.check.runner import DeckRunner, Limits
    from lecturekit.check.session import DeckSession
    from lecturekit.deck import Fence

MIN_COST = 0.01
"""Seconds of blocks run since the previous checkpoint before another one is taken."""
MAX_PER_RUN = 24
MAX_KEPT = 24
_HEADER = struct.Struct("!I")


@dataclass
class Warm:
    """Set (module global `WARM`) in a pytest run forked by the watch kernel."""

    address: str
    """The kernel's Unix socket (abstract name) where checkpoints register."""
    kernel: int
    available: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    """key -> (socket fd, block index, pid) of the registered checkpoints."""
    keys: dict[str, list[str]] = field(default_factory=dict)
    """Each deck's (file name's) keys in this run: what the kernel keeps (the rest is stale)."""
    reused: int = 0
    """Blocks whose results came from a checkpoint in this run."""
    replayed: int = 0
    """Of those, blocks whose expected output changed: checked against recorded output."""
    foreign: list[int] = field(default_factory=list)
    """The kernel's own file descriptors (its result pipes): a deck process closes them, so
    that no checkpoint keeps them open."""
    # in the deck process:
    taken: list[int] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    records: list[list[Record]] = field(default_factory=list)
    """Per block run in this deck process (or above its checkpoint): what each piece of
    its code gave, for checking a changed expectation without running it again."""
    current: list[Record] = field(default_factory=list)
    cost: float = 0.0


WARM: Warm | None = None
RESUMED = False
"""True in a deck process that took over a checkpoint's state (its atexit handlers stay)."""


# -- keys ---------------------------------------------------------------------------------


def state_keys(runner: DeckRunner) -> list[str]:
    """Key i: what the state before block i (after the last block, for i = len(blocks))
    depends on: the settings, the front matter and the code of the blocks above."""
    limits = runner.limits
    head = json.dumps([runner.filename, str(runner.deck.path), runner.unchecked, runner.timeout,
                       limits.memory, limits.output, limits.deck_seconds,
                       sorted(runner.held.items()), runner.deck.front_matter],
                      sort_keys=True, default=str)
    digest = hashlib.sha256(head.encode())
    keys = [digest.hexdigest()]
    for fence in runner.blocks:
        digest.update(code_key(fence).encode())
        keys.append(digest.copy().hexdigest())
    return keys


def code_key(fence: Fence) -> str:
    """What running the block does: its line, info string, annotations and code, but not
    its expected output (comments, a transcript's expected lines)."""
    code = fence.code
    if fence.is_transcript:
        from lecturekit.check.expectations import find_transcript

        with contextlib.suppress(Exception):
            code = repr([(t.line, t.example.source) for t in find_transcript(fence)])
    else:
        with contextlib.suppress(Exception):
            tokens = tokenize.generate_tokens(io.StringIO(code).readline)
            ends = (tokenize.NEWLINE, tokenize.NL)  # they start where a comment ends
            code = repr([(t.start[0], t.type) if t.type in ends else (t.start, t.string)
                         for t in tokens if t.type != tokenize.COMMENT])
        # the evaluator runs the block whole or statement by statement (`# ->`, `#>`)
        code += f"\0{'->' in fence.code}\0{'#>' in fence.code}"
    notes = sorted((a.name, a.value or "") for a in fence.annotations.values())
    return json.dumps([fence.line, fence.info, notes, code])


def result_key(session: DeckSession, index: int) -> str:
    """What the block's reported result depends on besides running it: its text with its
    expected output (and `output` fence), its deck and its slide's label."""
    from lecturekit.check.report import slide_label

    fence = session.blocks[index]
    below = session.outputs.get(id(fence))
    end = below.end_line if below is not None else fence.end_line
    text = "\n".join(session.deck.lines[fence.line - 1:end])
    return json.dumps([str(session.deck.path), slide_label(session.deck, fence), fence.line,
                       text])


def replayable(fence: Fence, chained: frozenset[int]) -> bool:
    """A block whose evaluation depends on nothing but its own runs (no fresh namespace,
    no skip-if on the namespace, not part of a `cont` chain)."""
    return not (fence.has("fresh") or fence.has("skip-if") or fence.has("cont")
                or id(fence) in chained)


# -- the runner's side: resume from the deepest checkpoint ----------------------------------


def resume(runner: DeckRunner, pipes: tuple[int, int, int], deepest: int
           ) -> tuple[int, int, int] | None:
    """Hand the deepest matching checkpoint (before block `deepest` at most) the deck
    process's ends of `pipes` (requests to read, answers to write, lifeline to write).
    (checkpoint pid, block index, socket fd) once it has them, or None (start cold)."""
    warm = WARM
    if warm is None or runner.update:
        return None
    keys = state_keys(runner)
    warm.keys[runner.filename] = keys
    for index in range(min(deepest, len(keys) - 1), 0, -1):
        found = warm.available.get(keys[index])
        if found is None:
            continue
        fd, at, pid = found
        if at != index:
            continue
        message = pickle.dumps({"deck": runner.deck, "index": index, "held": dict(runner.held),
                                "limits": runner.limits, "checker": os.getpid(),
                                "timeout": runner.timeout, "unchecked": runner.unchecked,
                                "filename": runner.filename})
        try:
            with socket.socket(fileno=os.dup(fd)) as connection:
                socket.send_fds(connection, [_HEADER.pack(len(message)) + message],
                                [*pipes, 0, 1, 2])
        except OSError:
            del warm.available[keys[index]]
            continue
        return pid, index, fd
    return None


def registered() -> set[int]:
    """The pids of the checkpoints registered with the kernel (spared by a run's sweep)."""
    return {pid for _, _, pid in WARM.available.values()} if WARM is not None else set()


def adopted(results: int, replayed: int) -> None:
    """Count blocks whose results a run took over from a checkpoint (`replayed` of them
    checked again against their recorded output)."""
    if WARM is not None:
        WARM.reused += results
        WARM.replayed += replayed


# -- the deck process's side ---------------------------------------------------------------


def after_block(session: DeckSession, index: int, payload: dict[str, Any], seconds: float,
                fds: tuple[int, int]) -> None:
    """In the deck process, after block `index`: remember its result; maybe fork a checkpoint
    of the state before the next block (its pid goes into the payload, for the runner)."""
    warm = WARM
    if warm is None:
        return
    warm.history.append({k: v for k, v in payload.items() if k not in ("spawned", "pid")})
    from lecturekit.check.execute import ROUTER

    overflowed = bool(ROUTER.limit and ROUTER.written > ROUTER.limit)
    warm.records.append(warm.current if not overflowed else [_UNREPLAYABLE])
    warm.current = []
    warm.cost += seconds
    following = index + 1
    last = following == len(session.blocks)  # after the last block: for expectation edits
    if (following > len(session.blocks) or (warm.cost < MIN_COST and not last)
            or (len(warm.taken) >= MAX_PER_RUN and not last)
            or len(session.results) != following or not _forkable(session, warm)):
        return
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    pid = os.fork()
    if pid == 0:
        _hold(session, following, fds, warm)
    warm.taken.append(pid)
    warm.cost = 0.0
    payload["checkpoints"] = [pid]


def own() -> set[int]:
    """This deck process's checkpoints (not processes its blocks started)."""
    return set(WARM.taken) if WARM is not None else set()


def _forkable(session: DeckSession, warm: Warm) -> bool:
    """A fork copies only this thread, no child process, and shares an event loop's files."""
    from lecturekit.check.runner import DescriptorCap, children

    if any(t is not threading.main_thread() and t.name != DescriptorCap.THREAD
           for t in threading.enumerate()):
        return False  # the fd cap's pump is the runner's own: the fork drops it
    if children(os.getpid()) - set(warm.taken):
        return False
    return getattr(session._loop, "loop", None) is None


def _hold(session: DeckSession, index: int, fds: tuple[int, int], warm: Warm) -> None:
    """The checkpoint process: register, then resume runs on request.  Never returns."""
    from lecturekit.check.runner import (
        _PR_SET_CHILD_SUBREAPER,
        _PR_SET_PDEATHSIG,
        DescriptorCap,
        _prctl,
    )

    try:
        DescriptorCap.dropped_in_fork()  # a resumed deck process installs its own
        for fd in fds:
            with contextlib.suppress(OSError):
                os.close(fd)
        _prctl(_PR_SET_PDEATHSIG, 0)
        _prctl(_PR_SET_CHILD_SUBREAPER, 1)  # a resumed deck's orphans stay below
        signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # its keepers are reaped at once
        reads = _read_files(session)
        history = list(warm.history[:index])
        records = list(warm.records[:index])
        keys = _keys_of(session)
        quiet = os.open(os.devnull, os.O_RDWR)  # no terminal or pipe held open by a checkpoint
        for target in (0, 1, 2):
            os.dup2(quiet, target)
        os.close(quiet)
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        connection.connect(warm.address)
        hello = {"key": keys[index], "index": index, "pid": os.getpid(),
                 "deck": session.filename}
        connection.sendall(json.dumps(hello).encode() + b"\n")
        kernel = os.pidfd_open(warm.kernel)
        while True:
            ready, _, _ = select.select([connection, kernel], [], [])
            if kernel in ready:
                break
            request = _receive(connection)
            if request is None:
                break
            message, passed = request
            if _read_files(session, reads) != reads or not passed:
                for fd in passed:
                    os.close(fd)
                break  # a file the blocks above read changed: stale; the runner starts cold
            if os.fork() == 0:
                connection.close()
                _keeper(session, history, records, message, passed)
            for fd in passed:
                os.close(fd)
    except BaseException:  # noqa: BLE001, S110 - the kernel is gone or the socket broke
        pass
    os._exit(0)


def _keys_of(session: DeckSession) -> list[str]:
    """The keys of the deck process's own deck (as its runner computed them)."""
    runner = _RunnerView(session)
    return state_keys(runner)  # type: ignore[arg-type]


class _RunnerView:
    """What `state_keys` reads of a runner, in the deck process (the limits are those
    `deck_process_started` was given)."""

    def __init__(self, session: DeckSession) -> None:
        options = _OPTIONS
        self.limits = options["limits"]
        self.filename, self.deck = session.filename, session.deck
        self.unchecked, self.timeout = session.unchecked, session.timeout
        self.held, self.blocks = session.held, session.blocks


_OPTIONS: dict[str, Any] = {}


def deck_process_started(limits: Limits) -> None:
    """In a deck process (cold or resumed): close the kernel's sockets, remember the limits,
    record the files the blocks read."""
    if WARM is None:
        return
    for fd in [*(found[0] for found in WARM.available.values()), *WARM.foreign]:
        with contextlib.suppress(OSError):
            os.close(fd)
    WARM.foreign.clear()
    WARM.available.clear()
    WARM.taken.clear()
    WARM.cost = 0.0
    if not RESUMED:
        WARM.history, WARM.records, WARM.current = [], [], []
    _OPTIONS["limits"] = limits
    from lecturekit.check.memo import ReadRecorder

    if ReadRecorder._reads is None:
        ReadRecorder.start()
    if _real_run is None:
        _record_runs()


def _read_files(session: DeckSession, old: dict[str, tuple[int, int] | None] | None = None
                ) -> dict[str, tuple[int, int] | None]:
    """Project files the blocks read so far -> (size, mtime) (None: absent)."""
    from lecturekit.check.memo import ReadRecorder, _source_of

    names = old.keys() if old is not None else {
        _source_of(n) for n in (ReadRecorder._reads or ())}
    root = Path(session.deck.project_root).resolve()
    deck = {str(Path(session.filename).resolve()), str(Path(session.deck.path).resolve())}
    found: dict[str, tuple[int, int] | None] = {}
    for name in names:
        path = Path(name)
        if old is None and (name in deck or not path.is_relative_to(root) or any(
                p.startswith(".") or p in ("node_modules", "__pycache__")
                for p in path.relative_to(root).parts)):
            continue
        try:
            stat = os.stat(path)
        except OSError:
            found[name] = None
            continue
        found[name] = (stat.st_size, stat.st_mtime_ns)
    return found


def _receive(connection: socket.socket) -> tuple[dict[str, Any], list[int]] | None:
    data, fds, _, _ = socket.recv_fds(connection, 1 << 16, 8)
    if not data:
        for fd in fds:
            os.close(fd)
        return None
    size = _HEADER.unpack_from(data)[0]
    body = data[_HEADER.size:]
    while len(body) < size:
        more = connection.recv(size - len(body))
        if not more:
            return None
        body += more
    return pickle.loads(body), fds


def _keeper(session: DeckSession, history: list[dict[str, Any]], records: list[list[Record]],
            message: dict[str, Any], passed: list[int]) -> None:
    """The resumed run's keeper (as `runner._keeper`): own process group, forks the deck
    process, tells the runner both pids, kills the deck if the runner dies.  Never returns."""
    from lecturekit.check.runner import _PR_SET_PDEATHSIG, _prctl, stop_all

    code = 70
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(number, signal.SIG_DFL)
        _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        os.setpgid(0, 0)
        requests, answers, lifeline, *streams = passed
        checker = os.pidfd_open(message["checker"])
        pid = os.fork()
        if pid == 0:
            os.close(lifeline)
            os.close(checker)
            _resumed(session, history, records, message, requests, answers, streams)
        for fd in (requests, answers, *streams):
            os.close(fd)
        os.write(lifeline, b"%d %d\n" % (os.getpid(), pid))
        deck = os.pidfd_open(pid)
        ready, _, _ = select.select([checker, deck], [], [])
        if deck not in ready:  # the checker died: so does its deck
            stop_all([pid])
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        code = 128 - code if code < 0 else code
    except BaseException:  # noqa: BLE001, S110
        pass
    os._exit(code)


def _resumed(old: DeckSession, history: list[dict[str, Any]], records: list[list[Record]],
             message: dict[str, Any], requests: int, answers: int, streams: list[int]) -> None:
    """The resumed deck process: the checkpoint's state, the new deck's text.  Never returns."""
    global RESUMED
    from lecturekit.check.runner import _payload, _prctl, _send, _serve
    from lecturekit.check.session import DeckSession

    code = 70
    try:
        _prctl(1, signal.SIGKILL)
        for target, fd in enumerate(streams):
            os.dup2(fd, target)
            os.close(fd)
        index = message["index"]
        session = DeckSession(message["deck"], timeout=message["timeout"],
                              unchecked=message["unchecked"], filename=message["filename"])
        session.held.update(message["held"])
        for name in ("_main", "namespace", "_unseeded", "_setup_problem", "_started",
                     "_limits", "_loop", "_guard"):
            setattr(session, name, getattr(old, name))
        if session._guard is not None:
            session._guard.pid = os.getpid()  # blocks run here now (not a block's fork)
        session._limits.installed = False  # `_serve` installs its handlers in this process
        context = session._context
        context.limits, context.awaiter = session._limits, session._loop.run
        context.before = old._context.before
        payloads, replayed = [], 0
        for j, result in enumerate(old.results[:index]):
            if result_key(session, j) == result_key(old, j):
                session.results.append(dataclasses.replace(result, fence=session.blocks[j]))
                payloads.append(history[j])
                continue
            again = _replay(session, j, records[j]) if replayable(
                session.blocks[j], session._context.chained) else None
            if again is None:  # the block must run: from a checkpoint above it
                _send(answers, ("cannot", j))
                os._exit(0)
            session.results.append(again)
            payloads.append({**_payload(again, [], {}), "late": history[j]["late"],
                             "warnings": history[j]["warnings"]})
            replayed += 1
        RESUMED = True
        if WARM is not None:
            WARM.history = payloads
            WARM.records = list(records)
        _send(answers, ("adopted", index, payloads, replayed))
        _serve(session, message["limits"], requests, answers, False, message["checker"])
    except BaseException:  # noqa: BLE001, S110 - the runner reports a dead deck process
        pass
    os._exit(code)


# -- recording what a block's code gave, and checking new expectations against it -------


@dataclass
class Record:
    """One piece of a block's code run (`execute.run`): what identifies it, what it gave."""

    code: bytes
    first_line: int
    is_expression: bool
    buffer: str
    stdout: str
    shown: Any
    error: BaseException | None
    printed: str
    pieces: list[Any]


_UNREPLAYABLE = Record(b"", 0, False, "", "", None, None, "", [])
"""A block whose output overflowed its limit: its problem is not the evaluator's."""


class _Shown:
    """A statement's value as it was shown when it ran (its repr then, not now)."""

    def __init__(self, text: str | None, error: BaseException | None) -> None:
        self.text, self.error = text, error

    def __repr__(self) -> str:
        if self.error is not None:
            raise self.error
        return self.text or ""


class _CannotReplay(BaseException):
    """The new expectations run the block's code differently: it must run again."""


_REPLAY: list[Record] | None = None
_real_run: Any = None


def _run(code: Any, namespace: dict[str, object], is_expression: bool = False,
         buffer: io.StringIO | None = None, limits: Any = None, seconds: float = 0.0,
         awaiter: Any = None) -> Outcome:
    """`execute.run` for the evaluators in a deck process that takes checkpoints: records
    each run; while a block is replayed, gives back the recorded one instead of running."""
    from lecturekit.check.execute import Outcome

    kind = type(buffer).__name__
    if _REPLAY is not None:
        if not _REPLAY:
            raise _CannotReplay
        record = _REPLAY.pop(0)
        if (record.code, record.first_line, record.is_expression, record.buffer) != (
                code.co_code, code.co_firstlineno, is_expression, kind):
            raise _CannotReplay
        if buffer is not None:
            buffer.seek(0)
            buffer.truncate()
            io.StringIO.write(buffer, record.printed)
            buffer.pieces = list(record.pieces)  # type: ignore[attr-defined]
        return Outcome(record.stdout, record.shown, record.error)
    outcome = _real_run(code, namespace, is_expression, buffer, limits, seconds, awaiter)
    shown = None
    if outcome.value is not None:
        try:
            shown = _Shown(repr(outcome.value), None)
        except Exception as exc:  # noqa: BLE001 - the check reports it as the run did
            shown = _Shown(None, exc)
    if WARM is not None:
        WARM.current.append(Record(code.co_code, code.co_firstlineno, is_expression, kind,
                                   outcome.stdout, shown, outcome.error,
                                   buffer.getvalue() if buffer is not None else "",
                                   list(getattr(buffer, "pieces", []))))
    return outcome


def _record_runs() -> None:
    """Have the evaluators' runs recorded (in this deck process)."""
    global _real_run
    from lecturekit.check import execute, script, transcript

    _real_run = execute.run
    script.run = _run  # type: ignore[assignment]
    transcript.run = _run  # type: ignore[assignment]


def _replay(session: DeckSession, index: int, records: list[Record]) -> Any:
    """Block `index`'s result with its new expectations, from what its code gave when it
    ran; None if the new expectations would run its code differently."""
    global _REPLAY
    if any(r is _UNREPLAYABLE for r in records):
        return None
    _REPLAY = list(records)
    try:
        result = session._guarded(index)
    except _CannotReplay:
        return None
    finally:
        left, _REPLAY = _REPLAY, None
    return result if not left else None


# -- the kernel's side ---------------------------------------------------------------------


@dataclass
class Registered:
    key: str
    index: int
    pid: int
    deck: str
    connection: socket.socket


class Registry:
    """The kernel's checkpoints: accepted on its listening socket, closed when stale."""

    def __init__(self) -> None:
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.address = f"\0lecturekit-warm-{os.getpid()}-{os.urandom(4).hex()}"
        self.listener.bind(self.address)
        self.listener.listen(256)
        self.kept: dict[str, Registered] = {}

    def fileno(self) -> int:
        return self.listener.fileno()

    def warm(self, foreign: list[int]) -> Warm:
        """What a forked pytest run is told (set as `WARM` in it); `foreign`: the kernel's
        file descriptors its deck processes must close."""
        self.accept()
        return Warm(self.address, os.getpid(),
                    {r.key: (r.connection.fileno(), r.index, r.pid) for r in self.kept.values()},
                    foreign=list(foreign))

    def accept(self) -> None:
        """Register the checkpoints that connected (non-blocking); forget the dead ones."""
        self.listener.setblocking(False)
        try:
            while True:
                try:
                    connection, _ = self.listener.accept()
                except (BlockingIOError, InterruptedError):
                    break
                connection.settimeout(5)
                try:
                    line = connection.makefile("rb").readline()
                    hello = json.loads(line)
                except (OSError, ValueError):
                    connection.close()
                    continue
                connection.settimeout(None)
                old = self.kept.pop(hello["key"], None)
                if old is not None:
                    self._close(old)
                self.kept[hello["key"]] = Registered(hello["key"], hello["index"], hello["pid"],
                                                     hello["deck"], connection)
        finally:
            self.listener.setblocking(True)
        for registered in list(self.kept.values()):
            ready, _, _ = select.select([registered.connection], [], [], 0)
            if ready:  # a checkpoint only ever closes its end: it is gone
                self._close(self.kept.pop(registered.key))
        decks: dict[str, list[Registered]] = {}
        for registered in self.kept.values():
            decks.setdefault(registered.deck, []).append(registered)
        for mine in decks.values():
            for registered in mine[:max(0, len(mine) - MAX_KEPT)]:
                self._close(self.kept.pop(registered.key))

    def keep_only(self, keys: dict[str, list[str]]) -> None:
        """After a run: a deck's checkpoints whose key its text no longer has are stale."""
        self.accept()
        for registered in list(self.kept.values()):
            valid = keys.get(registered.deck)
            if valid is not None and registered.key not in valid:
                self._close(self.kept.pop(registered.key))

    def forget(self, deck: str | None = None) -> None:
        """Close the checkpoints of `deck` (all, if None)."""
        for registered in list(self.kept.values()):
            if deck is None or registered.deck == deck:
                self._close(self.kept.pop(registered.key))

    def close(self) -> None:
        self.forget()
        self.listener.close()

    def _close(self, registered: Registered) -> None:
        with contextlib.suppress(OSError):
            registered.connection.close()
        with contextlib.suppress(OSError):
            os.kill(registered.pid, signal.SIGKILL)
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            try:
                done, _ = os.waitpid(registered.pid, os.WNOHANG)
            except ChildProcessError:  # not (yet) ours: it was killed, its parent reaps it
                return
            if done:
                return
            time.sleep(0.002)
