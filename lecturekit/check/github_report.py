"""The slide checker on GitHub Actions: annotations at the failing line, a summary table per run.

Active only when `GITHUB_ACTIONS=true`.  Each worker (or the single process)
attaches what GitHub needs to a block's report in `user_properties`, because
under pytest-xdist only the reports reach the controlling process: the deck,
the deck line of the failing statement (not the fence's line, which is all a
report's location knows), the slide and the first line of the message.  The
controller then prints one workflow command per failed block (`::error`) and
per unchecked printed output (`::warning`) and appends one Markdown table to
`$GITHUB_STEP_SUMMARY`: a row per deck with blocks, checked, skipped, failed
and links to the failing lines in the commit being checked.

Registered by `lecturekit.pytest_plugin.pytest_configure`; pytest replays
`pytest_configure` for a plugin registered that late, which is where this
module decides whether to do anything.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from lecturekit import github

_PROPERTY = "lecturekit-github"
_COLLECT_ERROR = re.compile(r"deck error: (?P<path>.+?\.md):(?P<line>\d+)"
                            r"(?: \(slide (?P<slide>\d+)\))?: (?P<message>.*)")


def pytest_configure(config: pytest.Config) -> None:
    if github.in_actions() and not config.pluginmanager.has_plugin("lecturekit-github"):
        config.pluginmanager.register(GithubReport(config), "lecturekit-github")


@dataclass
class Annotation:
    level: str
    file: str
    line: int | None
    title: str
    message: str

    def command(self) -> str:
        return github.annotation(self.level, self.file, self.line, self.title or None,
                                 self.message)


@dataclass
class DeckTally:
    blocks: int
    ran: int = 0
    checked: int = 0
    skipped: int = 0
    failed: int = 0
    failures: list[Annotation] = field(default_factory=list)


class GithubReport:
    """Worker side: put the failure's location in the report.  Controller side: print, summarise."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.annotations: list[Annotation] = []
        self.decks: dict[str, DeckTally] = {}

    # -- worker side (also the only process without xdist) ---------------------------------

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item,
                                  call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
        report = yield
        run = getattr(getattr(item, "parent", None), "session_run", None)
        index = getattr(item, "index", None)
        if run is None or index is None:
            return report
        if report.when == "call" or (report.when == "setup" and not report.passed):
            report.user_properties.append((_PROPERTY, _block_payload(run, index, report)))
        return report

    # -- controller side ---------------------------------------------------------------------

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if hasattr(self.config, "workerinput"):
            return
        deck_error = next((v["error"] for k, v in report.user_properties
                           if k == "lecturekit" and isinstance(v, dict) and "error" in v), None)
        if deck_error is not None and report.failed:
            self._annotate_deck_error(deck_error)
            return
        data = next((v for k, v in report.user_properties if k == _PROPERTY), None)
        if data is None:
            return
        file = github.workspace_path(data["deck"])
        tally = self.decks.setdefault(file, DeckTally(data["blocks"]))
        xfailed = report.skipped and hasattr(report, "wasxfail")
        tally.ran += 1
        tally.checked += bool(data["checked"]) and not report.skipped
        tally.skipped += report.skipped and not xfailed
        for line, text in data["unchecked"]:
            self.annotations.append(Annotation("warning", file, line, data["title"], text))
        if report.failed:
            tally.failed += 1
            failure = Annotation("error", file, data["line"], data["title"], data["message"])
            tally.failures.append(failure)
            self.annotations.append(failure)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        """A deck that cannot be read (bad front matter, bad annotation) is an error at its line."""
        if hasattr(self.config, "workerinput") or not report.failed:
            return
        self._annotate_deck_error(str(report.longrepr))

    def _annotate_deck_error(self, text: str) -> None:
        """`path:line (slide N): message` of a DeckError, as an error annotation at that line."""
        match = _COLLECT_ERROR.search(text)
        if match is None:
            return
        path = self.config.invocation_params.dir / match["path"]
        slide = int(match["slide"]) if match["slide"] else None
        self.annotations.append(Annotation("error", github.workspace_path(path),
                                           int(match["line"]), github.slide_label(slide),
                                           match["message"].strip()))

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if hasattr(self.config, "workerinput") or not self.annotations:
            return
        terminalreporter.section("github annotations")
        for note in self.annotations:
            terminalreporter.write_line(note.command())

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if hasattr(self.config, "workerinput") or not self.decks:
            return
        try:
            github.append_step_summary(summary_markdown(self.decks))
        except OSError as exc:
            print(f"lecturekit: cannot append to $GITHUB_STEP_SUMMARY: {exc}", file=sys.stderr)


def _block_payload(run: Any, index: int, report: pytest.TestReport) -> dict[str, object]:
    """What the controller needs to annotate this block (plain data: xdist sends it)."""
    from lecturekit.check.report import slide_label

    deck = run.deck
    fence = run.blocks[index]
    result = run.results[index] if index < len(run.results) else None
    line = fence.line
    message = ""
    if result is not None:
        line = result.line or fence.line
        message = _first_line(result.message, prefix=f"{deck.path}:{line}: ")
        label = f" ({slide_label(deck, fence)})"
        message = message[:-len(label)] if message.endswith(label) else message
    if not message and report.failed:
        message = _first_line(str(report.longrepr))
    unchecked = [] if result is None else [
        [at, "printed output that no expectation on the slide checks: "
             f"{_first_line(text)!r}"] for at, text in result.unchecked]
    return {"deck": os.path.abspath(run.filename), "blocks": len(run.blocks),
            "checked": bool(result and result.checked), "line": line,
            "title": slide_label(deck, fence), "message": message, "unchecked": unchecked}


def _first_line(text: str, prefix: str = "") -> str:
    first = next((s for s in text.splitlines() if s.strip()), "")
    return first[len(prefix):] if prefix and first.startswith(prefix) else first


def summary_markdown(decks: dict[str, DeckTally]) -> str:
    """The step summary: one row per deck, failing lines linked to the commit under test."""
    rows = ["### Slide decks", "",
            "| deck | blocks | checked | skipped | failed | failing lines |",
            "| --- | ---: | ---: | ---: | ---: | --- |"]
    for file, tally in sorted(decks.items()):
        links = ", ".join(_line_link(f) for f in sorted(tally.failures, key=_line_key))
        blocks = str(tally.blocks) if tally.ran == tally.blocks else \
            f"{tally.blocks} ({tally.ran} run)"
        rows.append(f"| {_cell(file)} | {blocks} | {tally.checked} | {tally.skipped} | "
                    f"{tally.failed} | {links} |")
    return "\n".join(rows) + "\n\n"


def _line_key(note: Annotation) -> int:
    return note.line or 0


def _line_link(note: Annotation) -> str:
    label = f"L{note.line}" if note.line else Path(note.file).name
    url = github.blob_url(note.file, note.line)
    text = f"[{label}]({url})" if url else label
    return f"{text} {_cell(note.message)}" if note.message else text


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell (no pipe splits it, no newline ends the row)."""
    return " ".join(text.split()).replace("\\", "\\\\").replace("|", "\\|")
