"""Run marp-cli and the Chromium checks (scripts/check-html.mjs) as subprocesses."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from lecturekit.build import project

TIMEOUT_S = 600


class ToolError(Exception):
    """A tool the build runs is missing or failed; the message says which and why."""


@dataclass
class Overflow:
    slide: int
    """1-based index of the rendered section."""
    px: int
    side: str
    what: str


@dataclass
class HtmlReport:
    slides: int
    network: list[dict] = field(default_factory=list)
    missing: list[dict] = field(default_factory=list)
    overflow: list[Overflow] = field(default_factory=list)
    shrunk: list[dict] = field(default_factory=list)
    """Code or math Marp scaled down below readability: {slide, what, percent}."""


def require_chromium() -> None:
    problem = project.chromium_problem()
    if problem:
        raise ToolError(problem)


def marp(markdown: Path, output: Path, *, pdf: bool = False) -> None:
    finish(start_marp(markdown, output, pdf=pdf))


@dataclass
class Running:
    """A tool started in the background: finish() it, or cancel() it."""

    process: subprocess.Popen[str]
    what: str
    output: Path | None = None


def start_marp(markdown: Path, output: Path, *, pdf: bool = False) -> Running:
    if not project.MARP.exists():
        raise ToolError(f"{project.MARP} not found: run `make setup` (npm ci) first")
    require_chromium()
    command = [str(project.MARP), "--config-file", str(project.MARP_CONFIG), "--no-stdin",
               str(markdown), "-o", str(output)]
    if pdf:
        command.insert(1, "--pdf")
    return Running(_start(command), f"marp-cli ({'pdf' if pdf else 'html'})", output)


def finish(running: Running) -> str:
    try:
        stdout, stderr = running.process.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        cancel(running)
        raise ToolError(f"{running.what} did not finish within {TIMEOUT_S}s") from None
    if running.process.returncode != 0:
        detail = [ln for ln in stderr.splitlines() if ln.strip()][-6:]
        raise ToolError(f"{running.what} failed (exit {running.process.returncode}):\n  "
                        + "\n  ".join(detail))
    if running.output is not None and not running.output.is_file():
        raise ToolError(f"{running.what} wrote no {running.output.name}")
    return stdout


def cancel(running: Running) -> None:
    """Stop the tool and the browser it launched (its own process group)."""
    if running.process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(running.process.pid, signal.SIGKILL)
    running.process.communicate()


def check_html(html: Path) -> HtmlReport:
    out = finish(Running(_start(["node", str(project.CHECK_HTML), str(html)]),
                         "the Chromium check"))
    try:
        (raw,) = json.loads(out)
    except ValueError as exc:
        raise ToolError(f"the Chromium check printed no report: {exc}") from None
    return HtmlReport(slides=raw["slides"], network=raw["network"], missing=raw["missing"],
                      overflow=[Overflow(o["slide"], o["px"], o["side"], o["what"])
                                for o in raw["overflow"]],
                      shrunk=raw["shrunk"])


def _start(command: list[str]) -> subprocess.Popen[str]:
    env = {**os.environ, "CHROME_PATH": project.chrome_path()}
    try:
        return subprocess.Popen(command, cwd=project.ROOT, env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True)
    except FileNotFoundError as exc:
        raise ToolError(f"{exc.filename} not found (install Node.js, then `make setup`)") from None
