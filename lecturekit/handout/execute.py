"""Execute a deck notebook with nbclient on this venv's Python, failing with deck lines.

The kernel is always the interpreter running this code (the project's
.venv), through a kernel spec written to a temporary directory: a
`python3` spec installed elsewhere on the machine can never be picked up.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from nbformat import NotebookNode

from lecturekit.deck import DeckError
from lecturekit.handout.cells import SKIP
from lecturekit.handout.notebook import title_lines

KERNEL = "python3"
DEFAULT_TIMEOUT = 120.0

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


@contextmanager
def venv_kernel() -> Iterator[KernelManager]:
    """A kernel manager for this interpreter; the kernel is shut down on leaving (nbclient
    leaves a kernel it did not create running)."""
    with tempfile.TemporaryDirectory(prefix="lecturekit-kernel-") as tmp:
        spec_dir = Path(tmp) / KERNEL
        spec_dir.mkdir()
        spec = {
            "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "Python 3 (ipykernel)",
            "language": "python",
            "env": {"PYTHONHASHSEED": "0"},
        }
        (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
        specs = KernelSpecManager(kernel_dirs=[tmp], ensure_native_kernel=False)
        km = KernelManager(kernel_name=KERNEL, kernel_spec_manager=specs, transport="ipc",
                           ip=str(Path(tmp) / "ipc"))
        try:
            yield km
        finally:
            if km.has_kernel:
                km.shutdown_kernel(now=True)


def execute_notebook(nb: NotebookNode, deck_path: Path, cwd: Path,
                     progress: Callable[[str], None] | None = None) -> NotebookNode:
    """Run every code cell in order; a failing cell raises DeckError at its deck line."""
    code = [(i, c) for i, c in enumerate(nb.cells)
            if c.cell_type == "code" and SKIP not in c.metadata.get("tags", [])]
    if progress:
        progress(f"executing {len(code)} cells…")
    with venv_kernel() as km:
        client = NotebookClient(nb, km=km, kernel_name=KERNEL, timeout=DEFAULT_TIMEOUT,
                                timeout_func=_cell_timeout, coalesce_streams=True,
                                record_timing=False, resources={"metadata": {"path": str(cwd)}})
        with client.setup_kernel():
            for done, (index, cell) in enumerate(code, start=1):
                try:
                    if _skipped_by_condition(client, cell):
                        cell.metadata["tags"] = [*cell.metadata.get("tags", []), SKIP]
                        continue
                    client.execute_cell(cell, index)
                except (CellExecutionError, CellTimeoutError, DeadKernelError) as exc:
                    raise cell_failure(deck_path, cell, exc) from None
                if progress and done % 25 == 0 and done < len(code):
                    progress(f"executed {done}/{len(code)} cells…")
    return nb


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


def cell_failure(deck_path: Path, cell: NotebookNode, exc: Exception) -> DeckError:
    meta = cell.metadata.get("lecturekit", {})
    lines: list[int] = meta.get("lines", [])
    slide = meta.get("slide") or None
    error = next((o for o in cell.get("outputs", []) if o.output_type == "error"), None)
    if isinstance(exc, CellTimeoutError):
        what = f"timed out after {_cell_timeout(cell):g} s"
        line = lines[0] if lines else None
    elif error is None:
        what = f"kernel failed: {_ANSI.sub('', str(exc)).strip().splitlines()[-1]}"
        line = lines[0] if lines else None
    else:
        what = f"{error.ename}: {error.evalue}"
        cell_line = _failing_cell_line(error.traceback, cell.get("execution_count"))
        if cell_line:
            cell_line -= title_lines(cell)
        line = lines[cell_line - 1] if cell_line and cell_line <= len(lines) else (
            lines[0] if lines else None)
    where = "the setup code (front matter `setup:`)" if not slide else "a code cell"
    return DeckError(deck_path, line, f"{where} failed in the notebook: {what}", slide)


def _failing_cell_line(traceback: list[str], count: int | None) -> int | None:
    """The deepest line of this cell in an IPython traceback (`Cell In[7], line 3`)."""
    text = _ANSI.sub("", "\n".join(traceback))
    label = rf"Cell In\[{count}\]" if count else r"Cell In\[\d+\]"
    found = re.findall(label + r", line (\d+)", text)
    if found:
        return int(found[-1])
    syntax = re.search(r"line (\d+)", text)
    return int(syntax[1]) if syntax else None
