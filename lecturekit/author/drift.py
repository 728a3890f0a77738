"""`lecturekit build`: a deck whose code no longer prints what its slides show is not published.

The code check is the same pytest run as `make check`, started as a
subprocess before rendering begins (marp-cli and Chromium take longer than
the check, so the build is not slower) and joined in the build's
`before_publish` hook: if a block failed, the build raises BuildError naming
the failing blocks and nothing reaches `dist/`.  CHECK=0 (or --no-check)
skips it, and the log says so.

A deck whose code, outputs, checker and inputs are unchanged since its last
passing check (in a build or `make check`) is not run again: the record of
that pass stands (`lecturekit.check.memo`), and the log says when it was
made.  CHECK=fresh (or --fresh-check) runs the check regardless.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from lecturekit.check.command import argv
from lecturekit.deck import Deck, DeckError, read_deck
from lecturekit.render import BuildError, Problem

TIMEOUT_S = 900
_FAILED = re.compile(r"^(?:FAILED|ERROR) (?P<node>\S+)(?: - (?P<detail>.*))?$")
_AT_LINE = re.compile(r"^(?P<path>.+?):(?P<line>\d+): (?P<message>.*)$")
_SUMMARY = re.compile(r"^=*\s*(?P<text>(?:\d+ \w+(?:, )?)+) in [\d.]+s")


class CodeCheck:
    """pytest on one deck, running in the background; `join()` raises BuildError if it failed."""

    def __init__(self, deck: Path, log: Callable[[str], None], *, reuse: bool = True,
                 name: str | None = None) -> None:
        from lecturekit.project import Project

        self.deck = deck
        self.log = log
        self.name = name or deck.stem
        """How progress lines name the deck (`ch02/lecture`)."""
        self.process: subprocess.Popen | None = None
        model = _read(deck)
        # A deck the project's configuration enables is a Marp deck without `marp: true`.
        marp = model is not None and (model.is_marp or Project.of(deck).includes(deck))
        if model is not None and not (marp and model.code_blocks):
            log(f"[build] {self.name}: code check ok (no Python blocks)")
            return
        if reuse and model is not None:
            from lecturekit.check.memo import reusable

            record = reusable(model)
            if record is not None:
                when = time.strftime("%Y-%m-%d %H:%M", time.localtime(record.when))
                log(f"[build] {self.name}: code check ok ({record.summary} in the check of "
                    f"{when}; code, outputs and inputs unchanged since; CHECK=fresh runs it "
                    f"again)")
                return
        self._output = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115 - closed in join()/cancel()
        command = argv(["-q", "-rfE", "--no-header", str(deck)])
        # A wide "terminal", so pytest's short summary keeps each failure's message whole.
        env = {**os.environ, "COLUMNS": "1000"}
        self.process = subprocess.Popen(command, stdout=self._output, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, start_new_session=True,
                                        env=env)
        log(f"[build] {self.name}: code check started (pytest {deck}, alongside the render)")

    def join(self) -> None:
        if self.process is None:
            return  # the record of an earlier pass stands
        try:
            code = self.process.wait(timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.cancel()
            raise BuildError([Problem(self.deck, None, f"code check did not finish within "
                                                       f"{TIMEOUT_S}s")]) from None
        self._output.seek(0)
        output = self._output.read()
        self._output.close()
        summary = _summary(output)
        if code == 0:
            self.log(f"[build] {self.name}: code check ok ({summary})")
            return
        if code == 5:  # no tests collected: a deck without Python blocks
            self.log(f"[build] {self.name}: code check ok (no Python blocks)")
            return
        raise BuildError(self._problems(output, code, summary))

    def cancel(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        if not self._output.closed:
            self._output.close()

    def _problems(self, output: str, code: int, summary: str) -> list[Problem]:
        problems = []
        for line in output.splitlines():
            match = _FAILED.match(line)
            if not match:
                continue
            block = match["node"].rpartition("::")[2]
            at = _AT_LINE.match(match["detail"] or "")
            if at:
                problems.append(Problem(self.deck, int(at["line"]),
                                        f"{at['message']} [block {block} fails the code check]"))
            else:
                problems.append(Problem(self.deck, None, f"block {block} fails the code check: "
                                                         f"{match['detail'] or 'see pytest'}"))
        if not problems:
            tail = [ln for ln in output.splitlines() if ln.strip()][-8:]
            problems.append(Problem(self.deck, None, f"code check failed (pytest exit {code}):\n  "
                                                     + "\n  ".join(tail)))
        problems.append(Problem(self.deck, None,
                                f"code check: {summary}; the full report: lecturekit check "
                                f"{self.deck} (or make check DECK={self.deck}); CHECK=0 skips it"))
        return problems


def _read(deck: Path) -> Deck | None:
    """The deck's model, or None if it cannot be read (pytest then says why, at its line)."""
    try:
        return read_deck(deck)
    except (DeckError, OSError):
        return None


def _summary(output: str) -> str:
    for line in reversed(output.splitlines()):
        match = _SUMMARY.match(line.strip())
        if match:
            return match["text"].strip()
    return "no summary line"
