"""Run the render engine (engine/render.mjs): one Node process, one Chromium, one page per deck.

The engine renders the HTML with marp-cli's API, checks it in a confined
Chromium page and prints the PDF from that page (see render.mjs).  This module
starts it in its own process group, reads its JSON events as they come, and
guarantees that when the build ends for any reason (done, refused,
interrupted, timed out) neither Node nor Chromium outlives it: Chromium runs
in a process group of its own (puppeteer detaches it), so both groups are killed.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lecturekit.render import tools
from lecturekit.render.tools import ToolError

TIMEOUT_S = 600
"""The render's time limit for a small deck; a bigger one gets PER_SLIDE_S more a slide."""
PER_SLIDE_S = 0.2
TIMEOUT_ENV = "LECTUREKIT_RENDER_TIMEOUT"
"""Seconds: overrides the render's time limit (`render_limit_s`)."""


def render_limit_s(slides: int) -> float:
    """How long the render of a deck of `slides` slides may take: it grows with the deck
    (a 10,000-slide deck used to die at a fixed 300 s), unless $LECTUREKIT_RENDER_TIMEOUT
    says otherwise."""
    override = os.environ.get(TIMEOUT_ENV, "").strip()
    try:
        if override and float(override) > 0:
            return float(override)
    except ValueError:
        pass
    return TIMEOUT_S + PER_SLIDE_S * max(slides, 0)


def limit_hint(slides: int, limit: float) -> str:
    """How the time limit came about and how to raise it (for a timeout's message)."""
    rule = (f"{TIMEOUT_ENV}" if os.environ.get(TIMEOUT_ENV, "").strip()
            else f"{TIMEOUT_S}s + {PER_SLIDE_S}s a slide for {slides} slides")
    return f"the limit is {limit:g}s ({rule}); set {TIMEOUT_ENV}=<seconds> to allow more"


@dataclass
class Overflow:
    slide: int
    """1-based index among the content sections."""
    px: int
    side: str
    what: str
    line: int | None = None
    """Deck line of the element that sticks out furthest, when it has one."""


@dataclass
class PageReport:
    slides: int
    overflow: list[Overflow] = field(default_factory=list)
    shrunk: list[dict] = field(default_factory=list)
    """Code or math Marp scaled down below readability: {slide, what, percent, line}."""
    typesetting: list[dict] = field(default_factory=list)
    """From plug-in page checks: {slide, what, text, detail}."""
    missing: list[dict] = field(default_factory=list)
    """Stage files the page asked for that do not exist: {url (stage-relative), error, slide}."""
    blocked: list[dict] = field(default_factory=list)
    """Requests refused: {url, kind: network|file, phase: check|print, frame, slide, line}."""

    @classmethod
    def from_json(cls, raw: dict) -> PageReport:
        return cls(slides=raw["slides"],
                   overflow=[Overflow(o["slide"], o["px"], o["side"], o["what"], o.get("line"))
                             for o in raw["overflow"]],
                   shrunk=raw["shrunk"], typesetting=raw.get("typesetting", []),
                   missing=raw["missing"], blocked=raw["blocked"])


@dataclass
class Printed:
    pages: int
    blocked: list[dict]
    """Requests refused while the PDF was printed."""
    missing: list[dict]


def require_tools() -> str:
    """The node binary, or ToolError saying what to install (see tools.require_tools)."""
    return tools.require_tools()


def make_job(stage: Path, name: str, *, title: str = "", bookmarks: list[dict] | None = None,
             page_checks: list[Path] | None = None, config: Path | None = None,
             slides: int = 0) -> dict:
    """The engine's job for `<stage>/<name>.md` -> `<name>.html`, `<name>.pdf` in the stage.

    `config`: the marp-cli configuration to render with, e.g. `pipeline.deck_marp_config`
    (the deck's project's themes and options over the engine's own); default: the engine's
    own, `tools.MARP_CONFIG`.  `slides` (the deck model's count) sizes the time limit
    (`render_limit_s`)."""
    limit = render_limit_s(slides)
    return {"slides": slides, "timeoutS": limit, "limitHint": limit_hint(slides, limit),
            "config": str(config or tools.MARP_CONFIG),
            "markdown": str(stage / f"{name}.md"),
            "html": str(stage / f"{name}.html"), "pdf": str(stage / f"{name}.pdf"),
            "stage": str(stage), "chrome": tools.chrome_path(), "title": title,
            "bookmarks": bookmarks or [],
            "pageChecks": [str(Path(p).resolve()) for p in page_checks or []]}


class Engine:
    """A running engine; use as a context manager so it dies with the build."""

    def __init__(self, job: dict, stage: Path) -> None:
        node = require_tools()
        self._job = job
        # The page is opened through a link in a fresh temporary folder, so its address
        # (`location.href`, `document.URL`, script URLs in stack traces) names nothing of
        # the stage: no project path, no user name, that a script could print into the PDF.
        self._page_folder = Path(tempfile.mkdtemp(prefix="lecturekit-page-"))
        (self._page_folder / "deck").symlink_to(stage.resolve(), target_is_directory=True)
        job["page"] = str(self._page_folder / "deck" / Path(job["html"]).name)
        job_file = stage / ".job.json"
        job_file.write_text(json.dumps(job, ensure_ascii=False), encoding="utf-8")
        self._stderr_path = stage / ".engine.log"
        self._stderr = self._stderr_path.open("wb")
        # Not TMPDIR=stage: Chromium puts its singleton socket there, and a unix socket
        # path may not exceed 107 bytes.  Its profile is in the stage (page.mjs).
        env = tools.node_env()
        self.chromium: int | None = None
        self.finished = False
        self._stage = stage
        self._profile = stage / ".chromium"  # engine/page.mjs puts Chromium's profile there
        self._buffer = b""
        self.process = subprocess.Popen(
            [node, str(tools.ENGINE), str(job_file)], cwd=stage, env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr,
            start_new_session=True)

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def events(self) -> Iterator[dict]:
        """The engine's events in order; ToolError if it fails, stops early or takes too long."""
        limit = float(self._job.get("timeoutS") or TIMEOUT_S)
        # The engine's own timeouts (same limit) name the step; this one is the backstop.
        deadline = time.monotonic() + limit + 15
        stdout = self.process.stdout
        assert stdout is not None
        reached = "starting Chromium and rendering the HTML"
        while True:
            while b"\n" not in self._buffer:
                left = deadline - time.monotonic()
                if left <= 0:
                    hint = self._job.get("limitHint") or limit_hint(0, limit)
                    raise ToolError(f"the render did not finish in time: it was {reached}; "
                                    f"{hint}")
                ready, _, _ = select.select([stdout], [], [], left)
                if not ready:
                    continue
                chunk = os.read(stdout.fileno(), 65536)
                if not chunk:
                    self.process.wait()
                    raise ToolError(self._unstaged(self._died()))
                self._buffer += chunk
            line, self._buffer = self._buffer.split(b"\n", 1)
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if event.get("event") == "browser":
                self.chromium = event.get("pid")
            if event.get("event") == "error":
                raise ToolError(self._unstaged(f"the render engine failed: {event.get('message')}"
                                               + self._log_tail()))
            if event.get("event") == "pdf":
                self.finished = True
            reached = {"html": "loading and checking the page",
                       "checked": "printing the PDF"}.get(event.get("event"), reached)
            yield event
            if self.finished:
                return

    def stop(self) -> None:
        """Kill Chromium's and Node's process groups and wait until they are gone.

        Also after a finished render: its outputs are written, Chromium's profile
        is in the stage (removed next), and the one file it leaves outside, its
        singleton socket's folder, is removed here; a graceful close would only
        make the build wait for it.
        """
        self._read_pending()  # Chromium's pid may be in an event not read yet
        groups = [leader for leader in (self.chromium, self.process.pid)
                  if leader and _leads_group(leader)]
        for leader in groups:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(leader, signal.SIGKILL)
        with contextlib.suppress(OSError, ValueError):
            if self.process.stdin:
                self.process.stdin.close()
        self.process.wait()
        # Chromium is not our child (Node's, then init's): poll until its group is gone,
        # so nothing writes into the stage while the build removes it.
        deadline = time.monotonic() + 10
        while any(_group_alive(g) for g in groups) and time.monotonic() < deadline:
            time.sleep(0.02)
        self._remove_socket_folder()
        shutil.rmtree(self._page_folder, ignore_errors=True)  # the link, not the stage

    def _remove_socket_folder(self) -> None:
        """A killed Chromium leaves its singleton socket's folder in the system temp folder."""
        try:
            target = Path(os.readlink(self._profile / "SingletonSocket"))
        except OSError:
            return
        folder = target.parent
        if folder.name.startswith(("org.chromium.Chromium.", ".org.chromium.Chromium.")):
            shutil.rmtree(folder, ignore_errors=True)
        with contextlib.suppress(OSError, ValueError):
            if self.process.stdout:
                self.process.stdout.close()
        self._stderr.close()

    def _unstaged(self, text: str) -> str:
        """Messages name files as the deck's output names them, never the staging folder."""
        return text.replace(f"{self._stage}{os.sep}", "").replace(str(self._stage), ".")

    def _read_pending(self) -> None:
        stdout = self.process.stdout
        if stdout is None or stdout.closed or self.chromium:
            return
        with contextlib.suppress(OSError, ValueError):
            while select.select([stdout], [], [], 0)[0]:
                chunk = os.read(stdout.fileno(), 65536)
                if not chunk:
                    break
                self._buffer += chunk
        for line in self._buffer.split(b"\n"):
            with contextlib.suppress(ValueError):
                event = json.loads(line)
                if isinstance(event, dict) and event.get("event") == "browser":
                    self.chromium = event.get("pid")

    def _died(self) -> str:
        return f"the render engine stopped (exit {self.process.returncode})" + self._log_tail()

    def _log_tail(self) -> str:
        self._stderr.flush()
        try:
            text = self._stderr_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        lines = [ln for ln in text.splitlines() if ln.strip() and "[  INFO ]" not in ln][-6:]
        return "".join(f"\n  {ln}" for ln in lines)


def _group_alive(pgid: int) -> bool:
    """Whether the group's leader still runs (a zombie no longer counts: it writes nothing)."""
    try:
        stat = Path(f"/proc/{pgid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _leads_group(pid: int) -> bool:
    try:
        return os.getpgid(pid) == pid
    except ProcessLookupError:
        return False


# -- HTML only, for the preview ------------------------------------------------------


@dataclass
class Running:
    """marp-cli rendering HTML in the background (no browser): finish() it, or cancel() it."""

    process: subprocess.Popen[str]
    output: Path


def start_html(markdown: Path, output: Path, config: Path | None = None) -> Running:
    """Render `markdown` to `output` with marp-cli and the engine's configuration (or
    `config`, e.g. `pipeline.deck_marp_config`: the deck's project's themes).

    For `lecturekit preview`, which serves the HTML as marp-cli writes it: no
    Chromium, no checks (the build does those).
    """
    command = [*tools.marp_command(), "--config-file", str(config or tools.MARP_CONFIG),
               "--no-stdin",
               "--html", str(markdown), "-o", str(output)]
    try:
        process = subprocess.Popen(command, cwd=output.parent, text=True, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   start_new_session=True, env=tools.node_env())
    except FileNotFoundError as exc:
        raise ToolError(f"{exc.filename} not found: {tools.NODE_HINT}") from None
    return Running(process, output)


def finish(running: Running) -> None:
    try:
        _, stderr = running.process.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        cancel(running)
        raise ToolError(f"marp-cli did not finish within {TIMEOUT_S}s") from None
    if running.process.returncode != 0:
        detail = [ln for ln in stderr.splitlines() if ln.strip()][-6:]
        raise ToolError(f"marp-cli failed (exit {running.process.returncode}):\n  "
                        + "\n  ".join(detail))
    if not running.output.is_file():
        raise ToolError(f"marp-cli wrote no {running.output.name}")


def cancel(running: Running) -> None:
    if running.process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(running.process.pid, signal.SIGKILL)
    running.process.communicate()
