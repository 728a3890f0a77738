"""pytest plugin: every Python block of a Marp deck is a test item, run in deck order.

Collects `*.md` files whose front matter says `marp: true`; one item per
Python block, named `slide<S>-line<L>`.  The blocks of a deck share one
`DeckSession` (one namespace); selecting a single item runs the blocks
before it first, silently, and no block ever runs twice.  Under
pytest-xdist a deck's items are one scheduling unit, so they stay on one
worker, in order.  `--update-outputs` edits are carried in the reports and
applied once, by the controlling process, at the end of the session.
"""

from __future__ import annotations

import atexit
import fnmatch
import gc
import os
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from lecturekit.check.session import BlockResult, DeckSession

_FRONT_MATTER = re.compile(rb"\A(?:\xef\xbb\xbf)?---[ \t]*\r?\n(.*?)^(?:---|\.\.\.)[ \t]*\r?$",
                           re.S | re.M)
_MARP_TRUE = re.compile(rb"^marp[ \t]*:[ \t]*true[ \t]*(?:#.*)?\r?$", re.M)
_ITEM_ID = re.compile(r"^(?P<deck>.+\.md)::slide\d+-line\d+(?:@.*)?$")
_PROPERTY = "lecturekit"


class UncheckedOutputWarning(UserWarning):
    """A slide block printed output that no expectation on the slide checks."""


class LateOutputWarning(UserWarning):
    """A thread a block started printed after that block had ended (shown at the block's line)."""


class BlockFailure(Exception):
    """A block failed; its message is the whole report."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("lecturekit", "slide checker (Marp decks)")
    group.addoption("--update-outputs", action="store_true", default=False,
                    help="rewrite the decks' expected outputs (# -> comments, >>> transcripts, "
                         "output fences) from the actual results")
    group.addoption("--slide-timeout", type=float, default=60.0, metavar="SECONDS",
                    help="time limit per Python block of a deck (default 60; a fence's "
                         "timeout=SECONDS annotation overrides it)")
    group.addoption("--unchecked-output", choices=["error", "warn", "ignore"], default=None,
                    help="what printed output no expectation checks is, in every deck "
                         "(default: error in decks matching lecturekit_unchecked_output_error, "
                         "else warn)")
    parser.addini("lecturekit_unchecked_output_error", type="linelist", default=[],
                  help="glob patterns (relative to rootdir) of decks in which printed output "
                       "that no expectation checks fails the block")


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(Recorder(config), "lecturekit-recorder")
    config.pluginmanager.register(QuietReportTrim(config), "lecturekit-report-trim")


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix == ".md" and _is_marp(file_path):
        return DeckFile.from_parent(parent, path=file_path)
    return None


def _is_marp(path: Path) -> bool:
    """A cheap look at the raw bytes (even a non-UTF-8 deck is recognised)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(65536)
    except OSError:
        return False
    match = _FRONT_MATTER.match(head)
    return bool(match and _MARP_TRUE.search(match.group(1)))


class DeckFile(pytest.File):
    session_run: DeckSession

    def collect(self) -> Iterator[DeckItem]:
        from lecturekit.check.session import DeckSession
        from lecturekit.deck import DeckError, read_deck

        try:
            deck = read_deck(_display_path(self.path, self.config))
            if not deck.is_marp:
                return
            self.session_run = DeckSession(
                deck, timeout=self.config.getoption("slide_timeout"),
                unchecked=_unchecked_mode(self.config, self.path),
                update=self.config.getoption("update_outputs"), filename=str(self.path))
        except DeckError as exc:
            raise self.CollectError(f"deck error: {exc}") from None
        except OSError as exc:
            raise self.CollectError(f"deck error: {self.path}: cannot read it: "
                                    f"{exc.strerror or exc}") from None
        _skip_final_garbage_collection()
        group = None
        if self.config.getoption("dist", "no") == "loadgroup":
            group = pytest.mark.xdist_group(str(deck.path))
        for index, fence in enumerate(self.session_run.blocks):
            item = DeckItem.from_parent(self, name=f"slide{fence.slide_number}-line{fence.line}",
                                        index=index)
            if group is not None:
                item.add_marker(group)
            if fence.has("xfail"):
                item.add_marker(pytest.mark.xfail(reason=fence.value("xfail") or "xfail annotation",
                                                  strict=False))
            yield item

    def setup(self) -> None:
        self.session_run.open()

    def teardown(self) -> None:
        _warn_late_output(self.session_run)
        self.session_run.close()


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

    @property
    def deck_run(self) -> DeckSession:
        return self.parent.session_run  # type: ignore[union-attr]

    def runtest(self) -> None:
        deck_run = self.deck_run
        already_run = len(deck_run.results)
        result = deck_run.result(self.index)
        self.user_properties.append((_PROPERTY, _summary(deck_run, result)))
        if result.outcome == "skipped":
            raise _skip_at_item(result.message)
        for line, text in result.unchecked:
            shown = text.strip().splitlines()[0] if text.strip() else text
            warnings.warn_explicit(
                f"printed output that no expectation on the slide checks: {shown!r}",
                UncheckedOutputWarning, str(deck_run.deck.path), line)
        _warn_late_output(deck_run)
        if result.outcome == "failed":
            earlier = deck_run.results[already_run:self.index]
            raise BlockFailure(result.message + _setup_note(earlier))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str:
        if isinstance(excinfo.value, BlockFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)  # type: ignore[arg-type]

    def reportinfo(self) -> tuple[Path, int, str]:
        fence = self.deck_run.blocks[self.index]
        return self.path, fence.line - 1, f"{self.deck_run.deck.path}:{fence.line}"


def _skip_final_garbage_collection() -> None:
    """Let the interpreter exit without a last full garbage collection.

    Decks import torch, whose heap makes that collection take about 0.3 s.
    `gc.freeze()` at exit (after pytest's own end-of-session collections,
    which still run) exempts what is alive anyway; it is all freed with the
    process.  Registered once per process, only when a deck is collected.
    """
    global _FREEZE_AT_EXIT
    if not _FREEZE_AT_EXIT:
        atexit.register(gc.freeze)
        _FREEZE_AT_EXIT = True


_FREEZE_AT_EXIT = False


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
    """Per-run state of the controlling process: deck summaries and pending output edits."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.stats: dict[str, DeckStats] = {}
        self.edits: list[list[object]] = []
        self.notes: list[str] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "teardown" or (report.when == "setup" and not report.skipped):
            return
        data = next((v for k, v in report.user_properties if k == _PROPERTY), None)
        if data is None:
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
        from lecturekit.check.rewrite import Edit, RewriteError, apply_edits

        by_path: dict[str, list[Edit]] = {}
        for data in self.edits:
            edit = Edit.from_list(data)
            by_path.setdefault(edit.path, []).append(edit)
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


class QuietReportTrim:
    """Keep pytest's failure summary linear in the number of failing blocks.

    pytest's terminal reporter keeps every passed setup and teardown report
    in `stats[""]` and, for each failure it summarises, scans that whole list
    for the item's teardown sections: O(failures x items), most of the time
    of a deck with thousands of failing blocks.  A deck item's passed setup
    or teardown report without captured sections shows nothing anywhere, so
    it is dropped from that list right after the reporter filed it (it is
    the last entry then).  Nothing else is changed.
    """

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    @pytest.hookimpl(trylast=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "call" or not report.passed or report.sections:
            return
        if not _ITEM_ID.match(report.nodeid):
            return
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        quiet = getattr(reporter, "stats", {}).get("")
        if quiet and quiet[-1] is report:
            quiet.pop()


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
