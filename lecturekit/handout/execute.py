"""Execute a deck notebook with nbclient on this venv's Python, failing with deck lines.

The kernel is always the interpreter running this code (the project's
.venv), through a kernel spec written to a temporary directory: a
`python3` spec installed elsewhere on the machine can never be picked up.

The kernel runs the deck's code, so it is held to what the checker holds a
deck to (`lecturekit/check/runner.py`, the same code): it starts under a
keeper (`kernel_command`) that is a subreaper, with the deck's memory limit,
and may not signal its keeper or this process; each cell's time limit is
nbclient's clock, outside the kernel (and the deck's `deck-timeout:` bounds
their sum); the output kept per cell is capped (`max-output:`); and when the
notebook is done, whatever the cells started (forked, `setsid` daemons) is
killed and named.  A failure is a DeckError at the cell's deck line.
"""

from __future__ import annotations

import contextlib
import json
import re
import signal
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager, KernelManager
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from nbformat import NotebookNode

from lecturekit.check.runner import (
    KERNEL_MARK,
    KernelWatch,
    Limits,
    kernel_command,
    show_size,
)
from lecturekit.deck import DeckError, read_deck
from lecturekit.handout.capped_kernel import LIMIT_ENV, MARK, split_marks
from lecturekit.handout.cells import SKIP
from lecturekit.handout.errors import ANSI
from lecturekit.handout.notebook import SETUP, title_lines

KERNEL = "python3"
DEFAULT_TIMEOUT = 120.0



@contextmanager
def venv_kernel(limits: Limits | None = None,
                asynchronous: bool = False) -> Iterator[KernelManager]:
    """A kernel manager for this interpreter, its kernel started under a keeper with
    `limits` (the default: the checker's); the kernel is shut down on leaving (nbclient
    leaves a kernel it did not create running).

    `asynchronous`: an AsyncKernelManager, what nbclient needs for its clocks: with a
    blocking client, its wait for output blocks the event loop, so neither the cell's
    time limit nor the check that the kernel is alive ever runs while a cell is silent.
    """
    limits = limits or Limits()
    with tempfile.TemporaryDirectory(prefix="lecturekit-kernel-") as tmp:
        spec_dir = Path(tmp) / KERNEL
        spec_dir.mkdir()
        spec = {
            "argv": kernel_command("lecturekit.handout.capped_kernel",
                                   ["-f", "{connection_file}"], limits),
            "display_name": "Python 3 (ipykernel)",
            "language": "python",
            "env": {"PYTHONHASHSEED": "0", KERNEL_MARK: uuid.uuid4().hex,
                    LIMIT_ENV: str(limits.output)},
        }
        (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
        specs = KernelSpecManager(kernel_dirs=[tmp], ensure_native_kernel=False)
        manager = AsyncKernelManager if asynchronous else KernelManager
        km = manager(kernel_name=KERNEL, kernel_spec_manager=specs, transport="ipc",
                     ip=str(Path(tmp) / "ipc"))
        km.lecturekit_mark = spec["env"][KERNEL_MARK]  # type: ignore[attr-defined]
        try:
            yield km
        finally:
            if km.has_kernel and asynchronous:
                run_sync(km.shutdown_kernel)(now=True)
            elif km.has_kernel:
                km.shutdown_kernel(now=True)


def deck_limits(deck_path: Path) -> Limits:
    """The checker's limits with the deck's front matter (`memory:`, `deck-timeout:`,
    `max-output:`) applied; a bad value is a DeckError naming the file."""
    try:
        return Limits().for_deck(read_deck(deck_path).front_matter)
    except ValueError as exc:
        raise DeckError(deck_path, 1, f"front matter: {exc}") from None


def execute_notebook(nb: NotebookNode, deck_path: Path, cwd: Path,
                     progress: Callable[[str], None] | None = None,
                     limits: Limits | None = None) -> NotebookNode:
    """Run every code cell in order; a failing cell raises DeckError at its deck line.

    `limits`: the deck's (default: `deck_limits`).  Processes the cells leave running are
    killed when the notebook is done, each named (through `progress`) at its cell's line.
    """
    limits = limits or deck_limits(deck_path)
    code = [(i, c) for i, c in enumerate(nb.cells)
            if c.cell_type == "code" and SKIP not in c.metadata.get("tags", [])]
    if progress:
        progress(f"executing {len(code)} cells…")
    with venv_kernel(limits, asynchronous=True) as km:
        client = _SupervisedClient(nb, km=km, kernel_name=KERNEL, timeout=DEFAULT_TIMEOUT,
                                   coalesce_streams=True, record_timing=False,
                                   resources={"metadata": {"path": str(cwd)}})
        client.limits, client.floods = limits, {}
        client.timeout_func = client.cell_timeout
        watch: KernelWatch | None = None
        started: dict[int, tuple[NotebookNode, str]] = {}
        try:
            with client.setup_kernel():
                watch = KernelWatch.start(km.provisioner.process.pid,  # type: ignore[union-attr]
                                          km.lecturekit_mark)  # type: ignore[attr-defined]
                for done, (index, cell) in enumerate(code, start=1):
                    if not client.deadline and limits.deck_seconds \
                            and SETUP not in cell.metadata.get("tags", []):
                        # the deck's time starts after its kernel's set-up (imports, seeding)
                        client.deadline = time.monotonic() + limits.deck_seconds
                    try:
                        if _skipped_by_condition(client, cell):
                            cell.metadata["tags"] = [*cell.metadata.get("tags", []), SKIP]
                            continue
                        client.execute_cell(cell, index)
                    except (CellExecutionError, CellTimeoutError, DeadKernelError) as exc:
                        raise cell_failure(deck_path, cell, exc, client) from None
                    finally:
                        for pid, command in watch.new_processes().items():
                            started[pid] = (cell, command)
                    client.check_output(deck_path, cell)
                    if progress and done % 25 == 0 and done < len(code):
                        progress(f"executed {done}/{len(code)} cells…")
        finally:
            left = watch.sweep() if watch is not None else {}
            for pid, command in sorted(left.items()):
                if progress:
                    cell = started.get(pid, (None, ""))[0]
                    where = _where(deck_path, cell)
                    progress(f"{where}the code left a process running; it was killed when "
                             f"the notebook was done: pid {pid} `{command or '?'}`")
    return nb


def _where(deck_path: Path, cell: NotebookNode | None) -> str:
    lines = cell.metadata.get("lecturekit", {}).get("lines", []) if cell is not None else []
    return f"{deck_path}:{lines[0]}: " if lines else f"{deck_path}: "


SHOWN = 1000
"""Characters of the head and of the tail of a cell's output shown past its limit (the
kernel keeps as many of what it drops: `capped_kernel.SHOWN`)."""


class _SupervisedClient(NotebookClient):
    """nbclient with the checker's limits: each cell's time limit also bounded by the deck's
    (`deck-timeout:`), and what a cell prints kept up to `max-output:` per cell (past it the
    head and the tail are kept, the rest dropped as it arrives: a flood never piles up in
    this process) -- whether printed through `sys.stdout` or written to fd 1/2, which the
    kernel forwards the same way."""

    limits: Limits = Limits()
    deadline: float = 0.0
    deck_limited: bool = False
    floods: dict[int, _Flood]

    def cell_timeout(self, cell: NotebookNode) -> float:
        limit = _cell_timeout(cell)
        self.deck_limited = False
        if self.deadline:
            left = max(0.05, self.deadline - time.monotonic())
            if left < limit:
                self.deck_limited = True
                limit = left
        return limit

    def output(self, outs: list[NotebookNode], msg: dict, display_id: str | None,
               cell_index: int) -> NotebookNode | None:
        limit = self.limits.output
        if not limit:
            return super().output(outs, msg, display_id, cell_index)
        flood = self.floods.setdefault(cell_index, _Flood())
        content = msg.get("content", {})
        if msg["msg_type"] == "stream":
            text = content.get("text", "")
            kept = flood.take(text, limit)
            if flood.written > limit:
                # The cell fails and its notebook is not published: keep only a little of
                # what it printed (nbclient's clean-up of `\r` is quadratic in a long line).
                for out in outs:
                    if out.get("output_type") == "stream" and len(out.text) > SHOWN:
                        out.text = out.text[:SHOWN]
                kept = kept[:SHOWN] if kept else kept
            if not kept:
                return None
            if kept is not text:
                msg = {**msg, "content": {**content, "text": kept}}
        elif (msg["msg_type"] in ("execute_result", "display_data")
              and flood.take_whole(_size(content), limit) is None):
            return None
        return super().output(outs, msg, display_id, cell_index)

    def check_output(self, deck_path: Path, cell: NotebookNode) -> None:
        """A cell that printed past the limit fails at its line, with size, head and tail."""
        index = next((i for i, c in enumerate(self.nb.cells) if c is cell), -1)
        flood = self.floods.pop(index, None)
        if flood is None or flood.written <= self.limits.output:
            return
        meta = cell.metadata.get("lecturekit", {})
        lines = meta.get("lines", [])
        size, limit = flood.written, self.limits.output
        head, tail = flood.head[:SHOWN], flood.tail[-SHOWN:]
        raise DeckError(deck_path, lines[0] if lines else None,
                        f"a code cell printed {show_size(size)} ({size} bytes), more than the "
                        f"limit of {show_size(limit)} per block (front matter `max-output:`); "
                        f"its first and last {SHOWN} characters:\n{head}\n[... "
                        f"{size - len(head) - len(tail)} bytes not shown ...]\n{tail}",
                        meta.get("slide") or None)


class _Flood:
    """What one cell printed: bytes counted, head kept, tail past the limit."""

    def __init__(self) -> None:
        self.written = 0
        self.head = ""
        self.tail = ""

    def take(self, text: str, limit: int) -> str | None:
        """The part of `text` kept in the notebook (None: nothing of it).  What the kernel
        dropped already (`capped_kernel.MARK`) counts with its size, its end as the tail."""
        if MARK not in text:
            return self._take(text, limit)
        kept = []
        for piece, dropped in split_marks(text):
            if dropped < 0:
                kept.append(self._take(piece, limit) or "")
            else:
                self.written += dropped
                self.tail = (self.tail + piece)[-SHOWN:]
        return "".join(kept) or None

    def _take(self, text: str, limit: int) -> str | None:
        size = len(text) if text.isascii() else len(text.encode("utf-8", "replace"))
        room = limit - self.written
        if len(self.head) < SHOWN:
            self.head += text[:SHOWN - len(self.head)]
        self.written += size
        if self.written <= limit:
            return text
        self.tail = (self.tail + text[-SHOWN:])[-SHOWN:]
        return text[:room] if room > 0 else None

    def take_whole(self, size: int, limit: int) -> int | None:
        self.written += size
        return size if self.written <= limit else None


def _size(content: dict) -> int:
    data = content.get("data") or {}
    values = [*data.values(), *content.get("traceback", [])]
    return sum(len(v) for v in values if isinstance(v, str))


SKIP_IF_PROBE = """\
import sys as _lk_sys, os as _lk_os, platform as _lk_platform
print(bool(eval("_lk_skip_if(" + {condition!r} + ")",
                {{"sys": _lk_sys, "os": _lk_os, "platform": _lk_platform,
                  "_lk_skip_if": lambda cond, reason="": cond}},
                dict(globals()))))
del _lk_sys, _lk_os, _lk_platform
"""


def _skipped_by_condition(client: NotebookClient, cell: NotebookNode) -> bool:
    """Evaluate a `skip-if` condition in the kernel's namespace, as the checker does.

    The probe cell sits at the end of the notebook while it runs: nbclient
    stores an executed cell back at the index it is given.
    """
    condition = cell.metadata.get("lecturekit", {}).get("skip_if")
    if not condition:
        return False
    probe = nbformat.v4.new_code_cell(SKIP_IF_PROBE.format(condition=condition))
    probe.metadata["lecturekit"] = cell.metadata.get("lecturekit", {})
    client.nb.cells.append(probe)
    try:
        client.execute_cell(probe, len(client.nb.cells) - 1)
    finally:
        client.nb.cells.pop()
    printed = "".join(o.get("text", "") for o in probe.outputs if o.output_type == "stream")
    return printed.strip() == "True"


def _cell_timeout(cell: NotebookNode) -> float:
    return float(cell.metadata.get("lecturekit", {}).get("timeout", DEFAULT_TIMEOUT))


def cell_failure(deck_path: Path, cell: NotebookNode, exc: Exception,
                 client: _SupervisedClient | None = None) -> DeckError:
    meta = cell.metadata.get("lecturekit", {})
    lines: list[int] = meta.get("lines", [])
    slide = meta.get("slide") or None
    error = next((o for o in cell.get("outputs", []) if o.output_type == "error"), None)
    limits = client.limits if client is not None else None
    if isinstance(exc, CellTimeoutError):
        if client is not None and client.deck_limited and limits is not None:
            what = (f"the deck exceeded its time limit of {limits.deck_seconds:g} s (front "
                    f"matter `deck-timeout:`); the kernel was stopped")
        else:
            what = (f"timed out after {_cell_timeout(cell):g} s (the block's `timeout=`, "
                    f"default {DEFAULT_TIMEOUT:g} s); the kernel was stopped")
        line = lines[0] if lines else None
    elif error is None:
        what = f"kernel failed: {_death(exc, client)}"
        line = lines[0] if lines else None
    else:
        what = f"{error.ename}: {error.evalue}" if error.evalue else error.ename
        if error.ename == "MemoryError" and limits is not None and limits.memory:
            what += (f" (the deck's memory limit is {show_size(limits.memory)}: front matter "
                     f"`memory:`)")
        cell_line = _failing_cell_line(error.traceback, cell.get("execution_count"))
        if cell_line:  # a magic's body counts its lines from the line after the magic
            cell_line -= title_lines(cell) - cell.source.startswith("%%")
        line = lines[cell_line - 1] if cell_line and cell_line <= len(lines) else (
            lines[0] if lines else None)
    where = "the setup code (front matter `setup:`)" if not slide else "a code cell"
    return DeckError(deck_path, line, f"{where} failed in the notebook: {what}", slide)


def _death(exc: Exception, client: _SupervisedClient | None) -> str:
    """Why the kernel died, from its keeper's exit status (jupyter_client's process)."""
    said = ANSI.sub("", str(exc)).strip().splitlines()[-1]
    process = getattr(getattr(client and client.km, "provisioner", None), "process", None)
    status = None
    if process is not None:
        with contextlib.suppress(Exception):
            for _ in range(100):
                status = process.poll()
                if status is not None:
                    break
                time.sleep(0.01)
    if status is None:
        return said
    if status < 0:
        return (f"{said}: the kernel's parent process was killed by "
                f"{signal.Signals(-status).name} (slide code must not signal it)")
    if status > 128 and status - 128 in signal.valid_signals():
        name = signal.Signals(status - 128).name
        limits = client.limits if client is not None else None
        hint = (f" (the deck's memory limit is {show_size(limits.memory)}: front matter "
                f"`memory:`)" if name in ("SIGKILL", "SIGABRT") and limits and limits.memory
                else "")
        return f"{said}: the kernel's process was killed by {name}{hint}"
    return f"{said}: the kernel's process ended (exit status {status})"


def _failing_cell_line(traceback: list[str], count: int | None) -> int | None:
    """The deepest line of this cell in an IPython traceback (`Cell In[7], line 3`)."""
    text = ANSI.sub("", "\n".join(traceback))
    label = rf"Cell In\[{count}\]" if count else r"Cell In\[\d+\]"
    found = re.findall(label + r", line (\d+)", text)
    if found:
        return int(found[-1])
    syntax = re.search(r"line (\d+)", text)
    return int(syntax[1]) if syntax else None
