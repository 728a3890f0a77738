"""The decks named to `lecturekit check`, parsed in a forked process while pytest starts.

Reading a deck means importing markdown-it and running its block parser
over the whole file (the one parse that agrees with Marp, `lecturekit.deck`);
in the checker's process that came after pytest's own start-up, one after
the other.  `lecturekit check` knows its decks before it imports pytest, so
it forks a process that parses them meanwhile (`start`) and hands each deck
over, pickled, when collection asks for it (`take`).  That needs a second
core with time to spare (`spare_core`); without one the checker parses
each deck itself, as it always did.

Nothing is taken on trust: a deck is used only if the bytes the process
read are the file's bytes when collection reads it, under the same path the
checker's own parse would be given; in every other case (another path, a
changed file, a deck error or a file that is not UTF-8, a process that died)
`take` returns None and the checker parses the file itself, so what it
reports is exactly what its own parse gives.  Nothing is kept between runs.
Not used under pytest-xdist (its workers collect, not this process).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lecturekit.deck import Deck

_XDIST = ("-n", "--numprocesses", "--dist", "-d", "--tx")


@dataclass
class _Pending:
    pid: int
    fd: int
    decks: dict[str, tuple[bytes, bytes]] | None = None
    """display path -> (the file's bytes as read, the pickled Deck), once received."""
    taken: set[str] = field(default_factory=set)


_pending: _Pending | None = None


def deck_files(pytest_args: list[str]) -> list[str]:
    """The Markdown files among the arguments (`FILE.md` or `FILE.md::item`), once each;
    none under pytest-xdist."""
    for arg in pytest_args:
        for flag in _XDIST:
            if arg == flag or arg.startswith(flag + "=" if flag.startswith("--") else flag):
                return []
    found: list[str] = []
    for arg in pytest_args:
        name = arg.split("::")[0]
        if not arg.startswith("-") and name.endswith(".md") and name not in found \
                and os.path.isfile(name):
            found.append(name)
    return found


def display_path(path: str | Path, invocation: str | Path) -> Path:
    """The path a deck's parse is given: relative to where the check started, unless it
    lies outside that folder (as the plugin's `_display_path`, which `take` is asked with)."""
    absolute = os.path.abspath(path)
    relative = os.path.relpath(absolute, invocation)
    return Path(relative) if not relative.startswith("..") else Path(absolute)


def start(pytest_args: list[str], force: bool = False) -> None:
    """Fork the process that parses the decks among `pytest_args` (none: nothing to do);
    only with a core to spare for it (`force`: regardless)."""
    global _pending
    files = deck_files(pytest_args)
    if not files or _pending is not None or not hasattr(os, "fork"):
        return
    if not (force or spare_core()):
        return
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the parser: never returns
        code = 0
        try:
            os.close(read)
            for number in (signal.SIGINT, signal.SIGTERM):
                signal.signal(number, signal.SIG_DFL)
            from lecturekit.check.runner import _PR_SET_PDEATHSIG, _prctl

            _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)  # the checker gone: no orphan parsing on
            _write_all(write, pickle.dumps(_parse(files), protocol=pickle.HIGHEST_PROTOCOL))
        except BaseException:  # noqa: BLE001 - the checker parses for itself then
            code = 1
        os._exit(code)
    os.close(write)
    _pending = _Pending(pid, read)


def spare_core() -> bool:
    """Whether another core is free for the parse now: fewer processes ready to run (this
    one included) than cores, from /proc/loadavg (elsewhere: the one-minute load).

    On a busy machine the parse would only take turns with pytest's start-up,
    and the pickling on both sides would come on top; the checker then
    parses in its own process, as without a pre-parse.
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    if cores < 2:
        return False
    try:
        with open("/proc/loadavg", "rb") as handle:
            running = int(handle.read().split()[3].split(b"/")[0])
    except (OSError, IndexError, ValueError):
        try:
            return cores - os.getloadavg()[0] >= 1.0
        except OSError:
            return True
    return running < cores


def _parse(files: list[str]) -> dict[str, tuple[bytes, bytes]]:
    from lecturekit.deck import parse_deck

    here = os.getcwd()
    decks: dict[str, tuple[bytes, bytes]] = {}
    for name in files:
        try:
            data = Path(name).read_bytes()
            path = display_path(name, here)
            deck = parse_deck(data.decode("utf-8"), path)
            decks[str(path)] = (data, pickle.dumps(deck, protocol=pickle.HIGHEST_PROTOCOL))
        except Exception:  # noqa: BLE001 - a deck error: the checker's own parse reports it
            continue
    return decks


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def take(path: Path) -> Deck | None:
    """The deck parsed from exactly the bytes now at `path` (a display path), or None."""
    pending = _pending
    if pending is None:
        return None
    if pending.decks is None:
        pending.decks = _receive(pending)
    key = str(path)
    entry = pending.decks.get(key)
    if entry is None or key in pending.taken:
        return None
    pending.taken.add(key)
    data, pickled = entry
    try:
        if path.read_bytes() != data:
            return None
        return pickle.loads(pickled)  # type: ignore[no-any-return]
    except Exception:  # noqa: BLE001 - parse it again rather than trust a bad copy
        return None


def _receive(pending: _Pending) -> dict[str, tuple[bytes, bytes]]:
    chunks = []
    with contextlib.suppress(OSError):
        while chunk := os.read(pending.fd, 1 << 20):
            chunks.append(chunk)
    _end(pending)
    try:
        decks = pickle.loads(b"".join(chunks)) if chunks else {}
    except Exception:  # noqa: BLE001 - a parser that died half-way
        decks = {}
    return decks if isinstance(decks, dict) else {}


def _end(pending: _Pending) -> None:
    if pending.fd >= 0:
        with contextlib.suppress(OSError):
            os.close(pending.fd)
        pending.fd = -1
    if pending.pid > 0:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pending.pid, 0)
        pending.pid = 0


def discard() -> None:
    """Collection is over: end the parser if nobody asked it (kill it, collect it)."""
    global _pending
    pending, _pending = _pending, None
    if pending is None:
        return
    if pending.pid > 0 and pending.decks is None:
        with contextlib.suppress(OSError):
            os.kill(pending.pid, signal.SIGKILL)
    _end(pending)
