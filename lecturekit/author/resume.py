"""Reuse the blocks above an edit: checkpoints of a deck's namespace, taken between blocks.

Forking from the warm kernel removes the cost of starting Python, pytest and
torch, but a run still executes every block, and a lecture's own code (a
10 000-step training loop) then dominates.  A lecturer edits one place at a
time, and everything above that place is unchanged.

After each run the kernel forks a *driver* that runs the deck's blocks again
in a DeckSession, exactly as the checker does (fresh `__main__`, setup code,
seeding, deck order), and, before a block that follows enough work (at least
MIN_COST seconds of blocks since the last checkpoint), forks a *checkpoint*:
a process that holds the session as it is at that point and waits.  Its key
is a hash of the deck's text above that block and of the session's options
(file, timeout, unchecked-output mode).  On the next save the kernel hashes
the new text the same way and asks the checkpoint with the longest matching
prefix to fork the run: pytest starts as usual, and when the plugin creates
the deck's session, the state at the checkpoint (namespace, seeding state and
the results of the blocks above) is adopted, so only the blocks from the
checkpoint on run.  The report is the one a cold run prints, as long as the
blocks above the edit do the same thing when run again with the same text,
which is what a checked deck asserts anyway.  A block that depends on the
outside (a file another program changes, the clock) is the exception:
`lecturekit watch --no-reuse` runs every block on every save.

Checkpoints talk to the kernel over a Unix socket and exit when it closes,
so none outlives the kernel.  At most MAX_CHECKPOINTS are kept.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import selectors
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

MIN_COST = 0.05
MAX_CHECKPOINTS = 24
_STATE = ("_main", "namespace", "_unseeded", "_setup_problem", "_started", "results",
          "filename", "unchecked", "timeout", "update", "blocks", "deck")


def block_keys(text: str, lines: list[int], options: dict[str, Any]) -> list[str]:
    """One key per block: the deck's text above the block's opening fence, and the options."""
    head = json.dumps([options["filename"], options["path"], options["unchecked"],
                       options["timeout"]])
    source = text.splitlines(keepends=True)
    digest = hashlib.sha256(head.encode())
    keys, done = [], 0
    for line in lines:
        digest.update("".join(source[done:line - 1]).encode())
        done = line - 1
        keys.append(digest.copy().hexdigest())
    return keys


@dataclasses.dataclass
class Checkpoint:
    key: str
    index: int
    connection: socket.socket
    stream: IO[bytes]


class Adopt:
    """In a run forked from a checkpoint: the deck's new session takes over the saved state."""

    def __init__(self, saved: Any, index: int) -> None:
        self.saved = saved
        self.index = index

    def install(self, collector: Any) -> None:
        from lecturekit.check import session as module

        original = module.DeckSession.__init__
        saved, index = self.saved, self.index

        def init(new: Any, *args: Any, **kwargs: Any) -> None:
            original(new, *args, **kwargs)
            if _matches(new, saved, index):
                new._main, new.namespace = saved._main, saved.namespace
                new._unseeded = list(saved._unseeded)
                new._setup_problem, new._started = saved._setup_problem, saved._started
                new.results = [dataclasses.replace(r, fence=new.blocks[j])
                               for j, r in enumerate(saved.results[:index])]
                collector.reused = index

        module.DeckSession.__init__ = init  # in this forked run only


def _matches(new: Any, saved: Any, index: int) -> bool:
    if not all(hasattr(new, a) and hasattr(saved, a) for a in _STATE):
        return False
    if (new.filename, new.unchecked, new.timeout) != (saved.filename, saved.unchecked,
                                                      saved.timeout) or new.update:
        return False
    if len(saved.results) != index or len(new.blocks) <= index:
        return False
    line = new.blocks[index].line
    if saved.blocks[index].line != line:
        return False
    above = new.deck.text.splitlines(keepends=True)[:line - 1]
    return above == saved.deck.text.splitlines(keepends=True)[:line - 1]


class Store:
    """The kernel's side: registered checkpoints, the running driver, each deck's options."""

    def __init__(self, inherited: list[int]) -> None:
        self.inherited = inherited
        """Kernel-only file descriptors a driver must close (so only the kernel holds them)."""
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.address = f"\0lecturekit-kernel-{os.getpid()}-{os.urandom(4).hex()}"
        self.listener.bind(self.address)
        self.listener.listen(64)
        self.checkpoints: dict[str, Checkpoint] = {}
        self.driver: int | None = None
        self.options: dict[tuple[str, str], dict[str, Any]] = {}

    def requests(self, stdin: IO[str]) -> Iterator[dict[str, Any]]:
        """Requests from the watcher, registering checkpoints as they come in meanwhile."""
        selector = selectors.DefaultSelector()
        selector.register(stdin.fileno(), selectors.EVENT_READ, "stdin")
        selector.register(self.listener, selectors.EVENT_READ, "listener")
        buffer = b""
        while True:
            for key, _ in selector.select():
                if key.data == "listener":
                    self._accept()
                    continue
                chunk = os.read(stdin.fileno(), 65536)
                if not chunk:
                    self.close()
                    return
                buffer += chunk
                while b"\n" in buffer:
                    line, buffer = buffer.split(b"\n", 1)
                    if line.strip():
                        yield json.loads(line)

    def _accept(self) -> None:
        connection, _ = self.listener.accept()
        stream = connection.makefile("rwb")
        line = stream.readline()
        if not line:
            connection.close()
            return
        data = json.loads(line)
        old = self.checkpoints.pop(data["key"], None)
        if old is not None:
            _close(old)
        self.checkpoints[data["key"]] = Checkpoint(data["key"], data["index"], connection,
                                                   stream)
        while len(self.checkpoints) > MAX_CHECKPOINTS:
            _close(self.checkpoints.pop(next(iter(self.checkpoints))))

    def _drain(self) -> None:
        """Register checkpoints that connected but were not accepted yet."""
        self.listener.setblocking(False)
        try:
            while True:
                try:
                    self._accept()
                except BlockingIOError:
                    return
        finally:
            self.listener.setblocking(True)

    def run(self, request: dict[str, Any]) -> dict[str, Any] | None:
        """The request's result, run from the deepest matching checkpoint; None if none."""
        self._stop_driver()
        self._drain()
        options = self.options.get((request["cwd"], request["deck"]))
        if options is None:
            return None
        from lecturekit.deck import DeckError, read_deck

        try:
            deck = read_deck(Path(request["cwd"]) / request["deck"])
        except (DeckError, OSError):
            return None
        keys = block_keys(deck.text, [f.line for f in deck.code_blocks], options)
        for key in reversed(keys):
            checkpoint = self.checkpoints.get(key)
            if checkpoint is None:
                continue
            try:
                checkpoint.stream.write(json.dumps(request).encode() + b"\n")
                checkpoint.stream.flush()
                line = checkpoint.stream.readline()
            except OSError:
                line = b""
            if line:
                return json.loads(line)
            _close(self.checkpoints.pop(key))
        return None

    def prepare(self, request: dict[str, Any], result: dict[str, Any]) -> None:
        """After a run: fork a driver that takes checkpoints of the deck as it is now."""
        wanted = str(request["deck"])
        decks = [d for d in result.get("decks", []) if d["path"] == wanted
                 or os.path.abspath(os.path.join(request["cwd"], wanted)) == d["filename"]]
        if len(decks) != 1 or decks[0]["update"]:
            return
        options = self.options[(request["cwd"], request["deck"])] = decks[0]
        self._stop_driver()
        pid = os.fork()
        if pid == 0:
            _drive(request, options, self)
        self.driver = pid

    def _stop_driver(self) -> None:
        if self.driver is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.driver, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.driver, 0)
            self.driver = None

    def close(self) -> None:
        self._stop_driver()
        for checkpoint in self.checkpoints.values():
            _close(checkpoint)
        self.checkpoints.clear()
        self.listener.close()


def _close(checkpoint: Checkpoint) -> None:
    with contextlib.suppress(OSError):
        checkpoint.stream.close()
    with contextlib.suppress(OSError):
        checkpoint.connection.close()


def _drive(request: dict[str, Any], options: dict[str, Any], store: Store) -> None:
    """The driver (forked from the kernel): run the deck's blocks, checkpointing between them."""
    from lecturekit.author.kernel import die_with_parent

    code = 0
    try:
        die_with_parent()
        for fd in store.inherited:
            with contextlib.suppress(OSError):
                os.close(fd)
        for checkpoint in store.checkpoints.values():
            _close(checkpoint)
        store.listener.close()
        os.chdir(request["cwd"])
        # What the blocks print is captured by the session; anything else (warnings,
        # C libraries) must not reach the lecturer's terminal from this background run.
        terminal = (os.dup(1), os.dup(2))
        quiet = os.open(os.devnull, os.O_WRONLY)
        os.dup2(quiet, 1)
        os.dup2(quiet, 2)

        from lecturekit.check.session import DeckSession
        from lecturekit.deck import read_deck

        deck = read_deck(Path(options["path"]))
        session = DeckSession(deck, timeout=options["timeout"], unchecked=options["unchecked"],
                              filename=options["filename"])
        keys = block_keys(deck.text, [f.line for f in session.blocks], options)
        cost = 0.0
        for index in range(len(session.blocks)):
            if index and cost >= MIN_COST:
                _checkpoint(session, index, keys[index], store.address, terminal)
                cost = 0.0
            started = time.monotonic()
            session.result(index)
            cost += time.monotonic() - started
    except BaseException:  # noqa: BLE001 - a driver only ever makes checkpoints
        code = 1
    os._exit(code)


def _checkpoint(session: Any, index: int, key: str, address: str,
                terminal: tuple[int, int]) -> None:
    """Fork a process that keeps `session` as it is before block `index` and serves runs."""
    if os.fork() != 0:
        return
    from lecturekit.author.kernel import fork_run

    try:
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        connection.connect(address)
        stream = connection.makefile("rwb")
        stream.write(json.dumps({"key": key, "index": index}).encode() + b"\n")
        stream.flush()
        os.dup2(terminal[0], 1)
        os.dup2(terminal[1], 2)
        while True:
            line = stream.readline()
            if not line:
                break
            result = fork_run(json.loads(line), adopt=Adopt(session, index))
            stream.write(json.dumps(result).encode() + b"\n")
            stream.flush()
    except BaseException:  # noqa: BLE001, S110 - the kernel is gone or the socket broke
        pass
    os._exit(0)
