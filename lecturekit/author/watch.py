"""`lecturekit watch DECK`: re-check a deck on every save, warm.

On every change to the deck, a `.py` module beside it, an image it uses or a
theme, the deck's check runs again in a child forked from a warm kernel
(lecturekit.author.kernel) and pytest prints its usual report and summary
line.  The watcher itself only watches (watchfiles: inotify, no polling),
works out what the deck imports so the kernel can import it ahead of time,
and prints one line around each run.  `Checker` is shared with the preview,
which turns a run's failures into banners on the slides.
"""

from __future__ import annotations

import ast
import contextlib
import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from lecturekit.deck import Deck, DeckError, read_deck

DEFAULT_ARGS = ["-q", "-p", "no:cacheprovider",
                # No assert rewriting: deck blocks are compiled by the checker, never
                # rewritten, so a deck's report is the same; and the plugins the kernel
                # imported ahead (kernel._warm_pytest) need not be rewritten on every run.
                "--assert=plain"]
_TRANSCRIPT_IMPORT = re.compile(r"^>>> ((?:import|from) .*)$", re.M)


@dataclass
class Failure:
    node: str
    slide: int | None
    line: int | None
    message: str
    text: str


@dataclass
class RunResult:
    deck: Path
    code: int
    summary: str
    failures: list[Failure] = field(default_factory=list)
    seconds: float = 0.0
    reused: int = 0
    """Blocks whose state and results came from a checkpoint of an earlier run
    (lecturekit.check.checkpoints): not run again."""
    replayed: int = 0
    """Of those, blocks whose expected output changed, checked against their recorded output."""


# -- what a deck imports and depends on ---------------------------------------------


def deck_imports(deck: Deck) -> list[str]:
    """Modules named by the top-level import statements of the setup code and every block."""
    sources = [deck.setup_code]
    for fence in deck.code_blocks:
        if fence.is_transcript:
            sources.append("\n".join(_TRANSCRIPT_IMPORT.findall(fence.code)))
        else:
            sources.append(fence.code)
    names: list[str] = []
    for source in sources:
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError):
            continue
        for node in tree.body:
            if isinstance(node, ast.Import):
                names += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.append(node.module)
    return list(dict.fromkeys(names))


def deck_files(deck_path: Path) -> set[Path]:
    """Files whose change means "check again": the deck, its images, the themes (the tool's
    and the project's, `Project.themes`)."""
    from lecturekit.project import Project, ProjectError
    from lecturekit.render import tools
    from lecturekit.render.assets import local_refs

    files = {deck_path.resolve()}
    with contextlib.suppress(DeckError, OSError):
        deck = read_deck(deck_path)
        files |= {ref.file for ref in local_refs(deck, deck.slides)}
    if tools.THEMES.is_dir():
        files |= {css.resolve() for css in tools.THEMES.glob("*.css")}
    with contextlib.suppress(ProjectError):
        files |= {css.resolve() for css in Project.of(deck_path).themes.values()}
    return files


def watch_roots(files: Iterable[Path]) -> set[Path]:
    """The folders to watch: editors replace files on save, so watch their folders."""
    return {f.parent for f in files if f.parent.is_dir()}


def relevant(path: Path, files: set[Path], deck_dirs: set[Path]) -> bool:
    return path in files or (path.suffix == ".py" and path.parent in deck_dirs)


# -- the warm kernel, from the outside ----------------------------------------------


class Checker:
    """Runs deck checks in forked children of one warm kernel process."""

    def __init__(self, stdout: IO[str] | None = None, pytest_args: list[str] | None = None,
                 reuse: bool = True) -> None:
        self.stdout = stdout
        self.pytest_args = DEFAULT_ARGS + list(pytest_args or [])
        # With options of one's own (-k, --update-outputs, ...) every run starts cold.
        self.reuse = reuse and not pytest_args
        self._lock = threading.Lock()
        self._closed = False
        self._start()

    def _start(self) -> None:
        read_fd, write_fd = os.pipe()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "lecturekit.author.kernel", str(write_fd)],
            stdin=subprocess.PIPE, stdout=self.stdout, text=True, pass_fds=(write_fd,))
        os.close(write_fd)
        self._results = os.fdopen(read_fd, "r", encoding="utf-8")

    def run(self, deck_path: Path) -> RunResult:
        try:
            deck = read_deck(deck_path)
            imports = deck_imports(deck)
        except (DeckError, OSError):
            imports = []  # pytest reports the deck error itself
        request = {"args": [*self.pytest_args, str(deck_path)], "imports": imports,
                   "cwd": os.getcwd(), "deck": str(deck_path), "resume": self.reuse,
                   "local_dirs": [str(deck_path.resolve().parent), os.getcwd()]}
        with self._lock:
            for attempt in (1, 2):
                if self._closed:
                    return RunResult(deck_path, 2, "", [Failure("", None, None, "stopped", "")])
                if self.process.poll() is not None:
                    self._restart()
                with contextlib.suppress(BrokenPipeError, OSError):
                    sys.stdout.flush()
                    assert self.process.stdin is not None
                    self.process.stdin.write(json.dumps(request) + "\n")
                    self.process.stdin.flush()
                line = self._results.readline()
                if line:
                    break
                if attempt == 2:
                    return RunResult(deck_path, 3, "", [Failure(
                        "", None, None, "the warm kernel stopped; see the messages above", "")])
        data = json.loads(line)
        failures = [Failure(**f) for f in data["failures"]]
        return RunResult(deck_path, data["code"], data["summary"], failures, data["seconds"],
                         data.get("reused", 0), data.get("replayed", 0))

    def _restart(self) -> None:
        self._results.close()
        self.process.wait()
        self._start()

    def close(self) -> None:
        self._closed = True
        with contextlib.suppress(OSError):
            if self.process.stdin:
                self.process.stdin.close()
        # The kernel ends its checkpoints when its stdin closes, then exits: give it time.
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(OSError):
                self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._results.close()


# -- the loop -----------------------------------------------------------------------


def watch_decks(decks: list[Path], on_change: Callable[[Path, str], None],
                stop: threading.Event | None = None,
                on_ready: Callable[[], None] | None = None) -> None:
    """Call on_change(deck, why) for every change relevant to one of `decks`, until stop.

    on_ready() is called once the watch is in place (a change from then on is
    seen even if it happens while on_ready runs), e.g. to run the first check.
    """
    import watchfiles

    while stop is None or not stop.is_set():
        files = {deck: deck_files(deck) for deck in decks}
        everything = set().union(*files.values())
        deck_dirs = {deck.resolve().parent for deck in decks}
        roots = watch_roots(everything) | deck_dirs
        restart = False

        def wanted(_change: object, path: str, everything: set[Path] = everything,
                   deck_dirs: set[Path] = deck_dirs) -> bool:
            return relevant(Path(path), everything, deck_dirs)

        # yield_on_timeout: an empty set comes after rust_timeout ms without changes,
        # the first one telling that the watch is in place.
        for changes in watchfiles.watch(*sorted(roots), debounce=400, step=30, stop_event=stop,
                                        raise_interrupt=stop is None, watch_filter=wanted,
                                        yield_on_timeout=True, rust_timeout=200):
            if on_ready is not None:
                ready, on_ready = on_ready, None
                ready()
            if not changes:
                continue
            changed = sorted({Path(p) for _, p in changes})
            for deck in decks:
                folder = deck.resolve().parent
                mine = [p for p in changed if p in files[deck] or p.parent == folder]
                if mine:
                    on_change(deck, ", ".join(_shown(p) for p in mine))
                    if deck_files(deck) != files[deck]:
                        restart = True
            if restart:
                break
        if not restart:
            return


def watch(deck: Path, pytest_args: list[str], *, once: bool = False, reuse: bool = True) -> int:
    """The `lecturekit watch` command: check now, then again after every save."""
    checker = Checker(pytest_args=pytest_args, reuse=reuse)

    def check(why: str) -> RunResult:
        print(f"\n[watch] {deck}: {why}; checking", flush=True)
        result = checker.run(deck)
        for failure in result.failures:
            if failure.node == "":
                print(f"[watch] {failure.message}", flush=True)
        after = "" if once else "; waiting for changes (Ctrl-C stops)"
        reused = ""
        if result.reused:
            again = (f", {result.replayed} of them with a changed expected output checked "
                     f"against the output recorded then" if result.replayed else "")
            reused = (f" (blocks 1-{result.reused} not run again: state and results kept from "
                      f"the run before{again})")
        print(f"[watch] checked in {result.seconds:.2f}s{reused}{after}", flush=True)
        return result

    try:
        if once:
            return check("start").code
        watch_decks([deck], lambda _d, why: check(f"{why} changed"),
                    on_ready=lambda: check("start"))
    except KeyboardInterrupt:
        print("\n[watch] stopped", flush=True)
    finally:
        checker.close()
    return 0


def _shown(path: Path) -> str:
    with contextlib.suppress(ValueError):
        return str(path.relative_to(Path.cwd()))
    return str(path)
