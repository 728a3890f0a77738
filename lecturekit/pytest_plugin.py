"""pytest plugin: every Python block of a Marp deck is a test item, run in deck order.

Collects the Marp decks among `*.md` files: front matter saying `marp: true`,
or a deck the project's configuration includes (`decks` globs, marp-cli's
`inputDir`; `lecturekit.project`), or, under `lecturekit check`, a file named
on the command line; one item per
Python block, named `slide<S>-line<L>` (or `slide<S>-NAME` with `name=NAME`).
A deck that cannot be read is one failed item carrying the deck error, so
the other decks of the run still run.  The blocks of a deck share one
`DeckSession` (one namespace); selecting a single item runs the blocks
before it first, silently, and no block ever runs twice.  Under
pytest-xdist a deck's items are one scheduling unit, so they stay on one
worker, in order.  `--update-outputs` edits are carried in the reports and
applied once, by the controlling process, at the end of the session.

PYTEST_DONT_REWRITE: `lecturekit check` imports this module before pytest
starts (and names it with `-p` when plugins do not load by themselves).
"""

from __future__ import annotations

import fnmatch
import gc
import os
import platform
import re
import sys
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from lecturekit.check.runner import DeckRunner as DeckSession
    from lecturekit.check.session import BlockResult
    from lecturekit.deck import Fence

_ITEM_ID = re.compile(r"^(?P<deck>.+\.md)::(?:slide\d+-[\w.-]+|deck)(?:@.*)?$")
_PROPERTY = "lecturekit"


class UncheckedOutputWarning(UserWarning):
    """A slide block printed output that no expectation on the slide checks."""


class LateOutputWarning(UserWarning):
    """A thread a block started printed after that block had ended (shown at the block's line)."""


class LeftProcessWarning(UserWarning):
    """A deck's blocks left processes running; the checker killed them when the deck ended."""


class BlockFailure(Exception):
    """A block failed; its message is the whole report."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("lecturekit", "slide checker (Marp decks)")
    group.addoption("--update-outputs", action="store_true", default=False,
                    help="rewrite the decks' expected outputs (# -> comments, >>> transcripts, "
                         "output fences) from the actual results")
    group.addoption("--named-decks", action="store_true", default=False,
                    help="take every .md file named on the command line as a deck, with or "
                         "without `marp: true` (what `lecturekit check` does)")
    group.addoption("--slide-timeout", type=float, default=60.0, metavar="SECONDS",
                    help="time limit per Python block of a deck (default 60; a fence's "
                         "timeout=SECONDS annotation overrides it)")
    group.addoption("--deck-timeout", type=float, default=1200.0, metavar="SECONDS",
                    help="wall-time limit of a whole deck (default 1200; front matter "
                         "`deck-timeout:` overrides it; 0: none)")
    group.addoption("--deck-memory", default="4G", metavar="SIZE",
                    help="memory (address space) limit of a deck's process, e.g. 2G "
                         "(default 4G; front matter `memory:` overrides it; 0: none)")
    group.addoption("--max-output", default="1M", metavar="SIZE",
                    help="output a block may print before only its head and tail are kept "
                         "and the block fails (default 1M; front matter `max-output:`)")
    group.addoption("--unchecked-output", choices=["error", "warn", "ignore"], default=None,
                    help="what printed output no expectation checks is, in every deck "
                         "(default: error in decks matching lecturekit_unchecked_output_error, "
                         "else warn)")
    parser.addini("lecturekit_unchecked_output_error", type="linelist", default=[],
                  help="glob patterns (relative to rootdir) of decks in which printed output "
                       "that no expectation checks fails the block")


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput"):
        _share_the_cores()
    from lecturekit.check import runner

    runner.capture = config.pluginmanager.get_plugin("capturemanager")
    memory = PassMemory(config) if PassMemory.wanted(config) else None
    if memory is not None:
        config.pluginmanager.register(memory, PassMemory.NAME)
    config.pluginmanager.register(Recorder(config, memory), "lecturekit-recorder")
    from lecturekit import github

    if github.in_actions():  # its annotations and summary are for GitHub Actions only
        config.pluginmanager.import_plugin("lecturekit.check.github_report")


def pytest_unconfigure(config: pytest.Config) -> None:
    """Give pytest its own SIGINT/SIGTERM handling back if a deck run replaced it (in-process
    runs, e.g. pytester); `lecturekit check` keeps its handlers until it exits.  The decks'
    processes are all gone by then (`runner.reap_ended`)."""
    from lecturekit.check import runner

    runner.reap_ended()
    runner.close_shared_watch()
    if runner.capture is config.pluginmanager.get_plugin("capturemanager"):
        runner.capture = None
    if not runner.HANDLERS_FOR_PROCESS:
        runner.restore_stop_handlers()


def _share_the_cores() -> None:
    """In an xdist worker: give torch and NumPy this worker's share of the cores.

    Each library otherwise starts a thread per core in every worker: with two
    workers on two cores, four busy threads take turns, and `make check` on
    several decks was 7% slower for it.  An OMP_NUM_THREADS the user set wins.
    """
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") or 1)
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    if workers > 1 and "OMP_NUM_THREADS" not in os.environ:
        os.environ["OMP_NUM_THREADS"] = str(max(1, cores // workers))


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix != ".md":
        return None
    if _is_marp(file_path):
        return DeckFile.from_parent(parent, path=file_path)
    if _enabled(file_path, parent.config):
        deck = DeckFile.from_parent(parent, path=file_path)
        deck.enabled = True
        return deck
    return None


def pytest_collection_finish(session: pytest.Session) -> None:
    """Under `lecturekit check`: the pre-parse is over, used or not; the decks and items
    just collected live until the process ends, so they leave the collector's generations
    (lecturekit.check.command, lecturekit.check.preparse)."""
    from lecturekit.check import command, preparse

    preparse.discard()
    if command.RUNNING:
        gc.freeze()
        gc.enable()  # disabled until now by lecturekit.check.command


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> None:
    """The collector runs while blocks run, whether or not this process collected (under
    pytest-xdist its workers do): `lecturekit check` disabled it for its start-up."""
    from lecturekit.check import command

    if command.RUNNING and not gc.isenabled():
        gc.freeze()
        gc.enable()


def _enabled(path: Path, config: pytest.Config) -> bool:
    """A deck without `marp: true` is one when included by the project's configuration (the
    build agrees: `Project.is_deck`), or named on the command line of `lecturekit check`
    (`--named-decks`; plain pytest leaves other Markdown, e.g. for pytest-codeblocks, alone)."""
    from lecturekit.project import Project, ProjectError

    if config.getoption("named_decks") and path.resolve() in _named_files(config):
        return True
    try:
        return Project.of(path).includes(path)
    except ProjectError:
        return False


def _named_files(config: pytest.Config) -> frozenset[Path]:
    named = getattr(config, "_lecturekit_named", None)
    if named is None:
        base = Path(config.invocation_params.dir)
        named = frozenset((base / arg.split("::")[0]).resolve() for arg in config.args
                          if not arg.startswith("-"))
        config._lecturekit_named = named  # type: ignore[attr-defined]
    return named


def _is_marp(path: Path) -> bool:
    """A cheap look at the raw bytes (even a non-UTF-8 deck is recognised)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(65536)
    except OSError:
        return False
    from lecturekit.deck.lines import looks_like_marp

    return looks_like_marp(head)


class DeckFile(pytest.File):
    session_run: DeckSession
    enabled = False
    """Collected as a deck without `marp: true` (named, or enabled by the configuration)."""

    def collect(self) -> Iterator[pytest.Item]:
        from lecturekit.check import preparse
        from lecturekit.check.runner import DeckRunner
        from lecturekit.check.session import DeckSession
        from lecturekit.deck import DeckError

        try:
            shown = _display_path(self.path, self.config)
            deck = preparse.take(shown)  # parsed while pytest started (`lecturekit check`)
            if deck is None:
                from lecturekit.deck import read_deck

                deck = read_deck(shown)
            if not (deck.is_marp or self.enabled):
                return
            session = DeckSession(
                deck, timeout=self.config.getoption("slide_timeout"),
                unchecked=_unchecked_mode(self.config, self.path),
                update=self.config.getoption("update_outputs"), filename=str(self.path))
            try:
                limits = _limits(self.config).for_deck(deck.front_matter)
            except ValueError as exc:
                raise DeckError(deck.path, 1, f"front matter: {exc}") from None
            self.session_run = DeckRunner(
                session, limits,
                record_reads=self.config.pluginmanager.has_plugin(PassMemory.NAME))
            names = _item_names(deck.path, self.session_run.blocks)
        except DeckError as exc:
            yield DeckErrorItem.from_parent(self, name="deck", message=f"deck error: {exc}")
            return
        except OSError as exc:
            yield DeckErrorItem.from_parent(self, name="deck", message=(
                f"deck error: {self.path}: cannot read it: {exc.strerror or exc}"))
            return
        group = None
        if self.config.getoption("dist", "no") == "loadgroup":
            group = pytest.mark.xdist_group(str(deck.path))
        for index, fence in enumerate(self.session_run.blocks):
            item = DeckItem.from_parent(self, name=names[index], index=index)
            if group is not None:
                item.add_marker(group)
            _apply_marks(item, fence, self.session_run)
            yield item

    def setup(self) -> None:
        if hasattr(self, "session_run"):
            asking = [item for item in self.session.items
                      if item.parent is self and isinstance(item, DeckItem)
                      and item.collect_problem is None]
            self.session_run.ahead = {item.index for item in asking
                                      if item.get_closest_marker("filterwarnings") is None}
            # The deck process ends the deck right after the last block asked of it.
            self.session_run.final = max((item.index for item in asking), default=None)
            memory = self.config.pluginmanager.get_plugin(PassMemory.NAME)
            if memory is not None:
                memory.start()
            self.session_run.open()

    def teardown(self) -> None:
        if hasattr(self, "session_run"):
            _warn_late_output(self.session_run)
            self.session_run.close()
            self.session_run.shutdown()
            _warn_late_output(self.session_run)
            _warn_left_processes(self.session_run)
            memory = self.config.pluginmanager.get_plugin(PassMemory.NAME)
            if memory is not None:
                memory.finish(self)


def _limits(config: pytest.Config) -> Any:
    from lecturekit.check.runner import Limits, parse_size

    try:
        return Limits(deck_seconds=config.getoption("deck_timeout"),
                      memory=parse_size(config.getoption("deck_memory")),
                      output=parse_size(config.getoption("max_output")))
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None


def _warn_left_processes(deck_run: DeckSession) -> None:
    """Processes a deck's blocks started and left running, killed when the deck ended:
    one warning per process, at the line of the block the deck process saw start it."""
    for pid, command in sorted(deck_run.left.items()):
        line, _ = deck_run.spawned.get(pid, (1, ""))
        warnings.warn_explicit(f"the deck left a process running; the checker killed it when "
                               f"the deck ended: pid {pid} `{command or '?'}`",
                               LeftProcessWarning, str(deck_run.deck.path), line)


def _item_names(path: Path, blocks: list[Fence]) -> list[str]:
    """`slide<S>-line<L>`, or `slide<S>-NAME` for a block annotated `name=NAME` (unique)."""
    from lecturekit.deck import DeckError

    names: list[str] = []
    seen: dict[str, int] = {}
    for fence in blocks:
        given = fence.annotations.get("name")
        name = (f"slide{fence.slide_number}-{given.value}" if given
                else f"slide{fence.slide_number}-line{fence.line}")
        if name in seen:
            line = given.line if given else fence.line
            raise DeckError(path, line, f"test id {name!r} is already the id of the block at "
                                        f"line {seen[name]}; give this block another name=",
                            slide=fence.slide_number)
        seen[name] = fence.line
        names.append(name)
    return names


_MARK_GLOBALS = {"sys": sys, "os": os, "platform": platform, "pytest": pytest}
"""What a `<!--pytest.mark.NAME(...)-->` expression can use (pytest-codeblocks gives
`sys` and `pytest`)."""


def _apply_marks(item: DeckItem, fence: Fence, deck_run: DeckSession) -> None:
    """Add the block's pytest marks; an xfail that says `run=False` holds the block back."""
    marks = fence.annotations.get("marks")
    has_xfail_mark = False
    for expression in (marks.value or "").splitlines() if marks else []:
        try:
            mark = eval(expression, dict(_MARK_GLOBALS))  # noqa: S307 - the author's own marker
            if not isinstance(mark, pytest.MarkDecorator):
                raise TypeError(f"it is a {type(mark).__name__}, not a pytest mark")
        except Exception as exc:  # noqa: BLE001 - a bad marker fails its own block
            item.collect_problem = (f"{deck_run.deck.path}:{marks.line}: cannot apply the marker "
                                    f"<!--{expression}-->: {type(exc).__name__}: {exc}")
            continue
        has_xfail_mark |= mark.name == "xfail"
        item.add_marker(mark)
    if fence.has("xfail") and not has_xfail_mark:
        item.add_marker(pytest.mark.xfail(reason=fence.value("xfail") or "xfail annotation",
                                          strict=False))
    if has_xfail_mark:
        _hold_if_not_run(item, deck_run)


def _hold_if_not_run(item: DeckItem, deck_run: DeckSession) -> None:
    """`xfail(run=False)`: pytest will not call the item, and no later block may run it."""
    try:
        from _pytest.skipping import evaluate_xfail_marks

        xfailed = evaluate_xfail_marks(item)
    except Exception:  # noqa: BLE001 - pytest reports a bad condition itself, at setup
        return
    if xfailed is not None and not xfailed.run:
        deck_run.held[item.index] = f"[NOTRUN] {xfailed.reason}".rstrip()


def _warn_late_output(deck_run: DeckSession) -> None:
    """Output a block's threads printed after it ended: a warning at that block's line.

    That block's report is already out; the block running when the thread
    printed is not charged with it.
    """
    for _, line, text in deck_run.take_late_output():
        lines = text.rstrip("\n").split("\n")
        shown = "\n".join(lines[:10]) + (f"\n... ({len(lines) - 10} more lines)"
                                          if len(lines) > 10 else "")
        warnings.warn_explicit(f"a thread this block started printed after the block had "
                               f"ended:\n{shown}", LateOutputWarning,
                               str(deck_run.deck.path), line)


class DeckItem(pytest.Item):
    def __init__(self, *, index: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.index = index
        self.collect_problem: str | None = None
        self.failure: str | None = None

    @property
    def deck_run(self) -> DeckSession:
        return self.parent.session_run  # type: ignore[union-attr]

    def runtest(self) -> None:
        if self.collect_problem is not None:
            raise BlockFailure(self.collect_problem)
        deck_run = self.deck_run
        already_run = len(deck_run.results)
        result = deck_run.result(self.index)
        self.user_properties.append((_PROPERTY, _summary(deck_run, result)))
        if result.outcome == "skipped":
            raise _skip_at_item(result.message)
        for line, text in result.unchecked:
            from lecturekit.check.evaluator import shown_lines

            shown = shown_lines(text).replace("\n", "\n    ")
            warnings.warn_explicit(
                f"printed output that no expectation on the slide checks:\n    {shown}",
                UncheckedOutputWarning, str(deck_run.deck.path), line)
        _warn_late_output(deck_run)
        if result.outcome == "failed":
            earlier = deck_run.results[already_run:self.index]
            self.failure = result.message + _setup_note(earlier)
            if isinstance(result.error, Exception) and _wants_raises(self):
                raise result.error  # for xfail(raises=...): the slide's own exception
            raise BlockFailure(self.failure)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str:
        if isinstance(excinfo.value, BlockFailure):
            return str(excinfo.value)
        if self.failure is not None:
            return self.failure
        return super().repr_failure(excinfo, style=style)  # type: ignore[arg-type]

    def reportinfo(self) -> tuple[Path, int, str]:
        fence = self.deck_run.blocks[self.index]
        return self.path, fence.line - 1, f"{self.deck_run.deck.path}:{fence.line}"


class DeckErrorItem(pytest.Item):
    """A deck that cannot be collected: one failed test naming file, line and problem."""

    def __init__(self, *, message: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.message = message

    def runtest(self) -> None:
        shown = _display_path(self.path, self.config)
        self.user_properties.append((_PROPERTY, {"deck": str(shown), "error": self.message}))
        raise BlockFailure(self.message)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str:
        return str(excinfo.value)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"{self.path.name}: deck error"


def _wants_raises(item: pytest.Item) -> bool:
    mark = item.get_closest_marker("xfail")
    return mark is not None and "raises" in mark.kwargs


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    """No more full garbage collections once the decks have run.

    Decks import torch, whose heap makes each full collection take about
    0.1 s, and pytest collects twice more as it ends (to report unraisable
    exceptions) before the interpreter's own last one.  `gc.freeze()` here
    exempts everything alive now from them (the process frees it all when
    it exits; the decks are done).  Only in a session that collected a deck.
    """
    if any(isinstance(item, DeckItem) for item in session.items):
        gc.freeze()


def _skip_at_item(reason: str) -> BaseException:
    """A skip reported at the deck line (like a skip mark), not at this plugin's line."""
    try:
        return pytest.skip.Exception(reason, _use_item_location=True)
    except TypeError:
        return pytest.skip.Exception(reason)


def _setup_note(earlier: list[BlockResult]) -> str:
    """Name earlier blocks that ran unselected (as setup) and failed: a likely cause."""
    failed = [r for r in earlier if r.outcome == "failed"]
    if not failed:
        return ""
    where = ", ".join(f"slide{r.fence.slide_number}-line{r.fence.line} (line {r.line})"
                      for r in failed)
    return f"\n\nnote: earlier blocks run first as setup failed: {where}"


def _summary(deck_run: DeckSession, result: BlockResult) -> dict[str, object]:
    """What the controlling process needs from a block (sent by xdist workers)."""
    edits = [[deck_run.filename, *e.as_list()[1:]] for e in result.edits] if result.edits else []
    return {"deck": str(deck_run.deck.path), "blocks": len(deck_run.blocks),
            "checked": result.checked, "edits": edits}


def _display_path(path: Path, config: pytest.Config) -> Path:
    """The deck's path as a lecturer types it: relative to where pytest was started."""
    relative = os.path.relpath(path, config.invocation_params.dir)
    return Path(relative) if not relative.startswith("..") else path


def _unchecked_mode(config: pytest.Config, path: Path) -> str:
    forced = config.getoption("unchecked_output")
    if forced:
        return str(forced)
    try:
        relative = path.relative_to(config.rootpath).as_posix()
    except ValueError:
        relative = path.as_posix()
    patterns = config.getini("lecturekit_unchecked_output_error")
    return "error" if any(fnmatch.fnmatch(relative, p) for p in patterns) else "warn"


@dataclass
class DeckStats:
    blocks: int
    ran: int = 0
    checked: int = 0
    skipped: int = 0
    failed: int = 0
    xfailed: int = 0


class Recorder:
    """Per-run state of the controlling process: deck summaries and pending output edits.

    Its report hook is the plugin's only one, run last: it also feeds the
    pass memory and trims pytest's quiet reports (`QuietReportTrim`); one
    hook instead of three costs a few milliseconds less per thousand blocks.
    """

    def __init__(self, config: pytest.Config, memory: PassMemory | None = None) -> None:
        self.config = config
        self.memory = memory
        self.trim = QuietReportTrim(config)
        self.stats: dict[str, DeckStats] = {}
        self.edits: list[list[object]] = []
        self.notes: list[str] = []

    @pytest.hookimpl(trylast=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if self.memory is not None:
            self.memory.record(report)
        if report.when != "call" and (report.when == "teardown" or not report.skipped):
            return
        data = next((v for k, v in report.user_properties if k == _PROPERTY), None)
        if data is None:
            return
        if "error" in data:
            self.notes.append(f"{data['deck']}: not checked, {data['error']}")
            return
        stats = self.stats.setdefault(data["deck"], DeckStats(data["blocks"]))
        xfailed = report.skipped and hasattr(report, "wasxfail")
        stats.ran += 1
        stats.checked += bool(data["checked"]) and not report.skipped
        stats.skipped += report.skipped and not xfailed
        stats.xfailed += xfailed
        stats.failed += report.failed
        self.edits.extend(data["edits"])

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if hasattr(self.config, "workerinput") or not self.config.getoption("update_outputs"):
            return
        from lecturekit.check.rewrite import Edit

        if session.exitstatus == pytest.ExitCode.INTERRUPTED:
            if self.edits:
                self.notes.append("NOT updated: the run was interrupted; no deck was rewritten")
            return
        by_path: dict[str, list[Edit]] = {}
        for data in self.edits:
            edit = Edit.from_list(data)
            by_path.setdefault(edit.path, []).append(edit)
        from lecturekit.check.runner import signals_held

        with signals_held():  # a SIGTERM now waits until every deck is written
            self._apply(session, by_path)

    def _apply(self, session: pytest.Session, by_path: dict[str, list[Any]]) -> None:
        from lecturekit.check.rewrite import RewriteError, apply_edits

        for path, edits in sorted(by_path.items()):
            shown = _display_path(Path(path), self.config)
            try:
                changed = apply_edits(path, edits)
            except (RewriteError, OSError, UnicodeDecodeError) as exc:
                self.notes.append(f"NOT updated {shown}: {exc}")
                session.exitstatus = pytest.ExitCode.TESTS_FAILED
                continue
            except Exception as exc:  # noqa: BLE001 - never INTERNALERROR; the deck is intact
                self.notes.append(f"NOT updated {shown}: internal error {exc!r}")
                session.exitstatus = pytest.ExitCode.TESTS_FAILED
                continue
            if changed:
                self.notes.append(f"updated {changed} expected output(s) in {shown}")

    @pytest.hookimpl(hookwrapper=True, tryfirst=True, specname="pytest_terminal_summary")
    def pytest_terminal_summary_trim(self, terminalreporter: Any) -> Any:
        """Before pytest's summary looks through its quiet reports (`QuietReportTrim`)."""
        self.trim.trim(terminalreporter)
        yield

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.stats and not self.notes:
            return
        terminalreporter.section("slide decks")
        for deck, s in sorted(self.stats.items()):
            selected = "" if s.ran == s.blocks else f" ({s.ran} run as tests)"
            xfailed = f", {s.xfailed} xfailed" if s.xfailed else ""
            terminalreporter.write_line(
                f"{deck}: {s.blocks} blocks{selected}, {s.checked} with checked output, "
                f"{s.skipped} skipped, {s.failed} failed{xfailed}")
        for note in self.notes:
            terminalreporter.write_line(note)


class PassMemory:
    """Remembers each deck whose every block ran and none failed (`lecturekit.check.memo`),
    so that the build can skip an unchanged deck's code check.  Not registered when the run
    updates outputs, runs xfail blocks as plain ones or has pytest's cache disabled."""

    NAME = "lecturekit-pass-memory"

    def __init__(self, config: pytest.Config) -> None:
        import lecturekit.check.memo  # noqa: F401 - now, before the decks are collected

        self.settings = {"timeout": config.getoption("slide_timeout"),
                         "unchecked": config.getoption("unchecked_output")}
        self.failed: set[str] = set()
        self.reported: dict[str, list[bool]] = {}
        """Deck node id -> one entry per block reported (True: skipped)."""

    @staticmethod
    def wanted(config: pytest.Config) -> bool:
        return (config.pluginmanager.has_plugin("cacheprovider")
                and not config.getoption("update_outputs")
                and not config.getoption("runxfail", False))

    def record(self, report: pytest.TestReport) -> None:
        """Each report (called by the Recorder's report hook)."""
        deck = report.nodeid.partition("::")[0]
        if report.failed:
            self.failed.add(deck)
        elif report.when == "call" or (report.when == "setup" and report.skipped):
            self.reported.setdefault(deck, []).append(bool(report.skipped))

    def start(self) -> None:
        from lecturekit.check.memo import ReadRecorder

        ReadRecorder.start()

    def finish(self, deck_file: DeckFile) -> None:
        from lecturekit.check.memo import ReadRecorder, save

        run = deck_file.session_run
        reads = ReadRecorder.stop() | run.reads
        reported = self.reported.get(deck_file.nodeid, [])
        if (deck_file.nodeid in self.failed or len(reported) != len(run.blocks)
                or len(run.results) != len(run.blocks)):
            return
        skipped = sum(reported)
        summary = f"{len(reported) - skipped} passed" + (f", {skipped} skipped" if skipped else "")
        save(run.deck, reads, summary, self.settings)


class QuietReportTrim:
    """Keep pytest's failure summary linear in the number of failing blocks.

    pytest's terminal reporter keeps every passed setup and teardown report
    in `stats[""]` and, for each failure it summarises, scans that whole list
    for the item's teardown sections: O(failures x items), most of the time
    of a deck with thousands of failing blocks.  A deck item's passed setup
    or teardown report without captured sections shows nothing anywhere, so
    all of them are dropped from that list, in one pass, before the summary
    starts (the Recorder's summary hook, run first).  Nothing else is
    changed.  (Dropping each as it was filed cost every block's two reports
    that work as they came.)
    """

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    def trim(self, reporter: Any) -> None:
        quiet = getattr(reporter, "stats", {}).get("")
        if quiet:
            quiet[:] = [report for report in quiet if not _shows_nothing(report)]


def _shows_nothing(report: Any) -> bool:
    """A deck item's passed setup or teardown report without captured sections."""
    return (getattr(report, "when", None) in ("setup", "teardown") and report.passed
            and not report.sections and _ITEM_ID.match(report.nodeid) is not None)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Under `-n N` (dist load or worksteal), make each deck one unit of work, other tests not.

    Split across workers, a deck's later blocks would have to re-run its
    earlier ones.  loadscope, loadfile and loadgroup (via the xdist_group
    marks) already keep a deck together.
    """
    if config.getvalue("dist") not in ("load", "worksteal"):
        return None
    from xdist.scheduler import LoadScopeScheduling

    class DeckScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            match = _ITEM_ID.match(nodeid)
            return match["deck"] if match else nodeid

    return DeckScheduling(config, log)
