"""What a block printed in the executed notebook, in the checker's terms (`BlockResult.stdout`).

A script block's stdout is its cells' stdout stream.  A transcript's is what
the `>>>` prompt echoed: printed text, each displayed value's repr on its
own line, and an expected exception as doctest abbreviates it.
"""

from __future__ import annotations

from nbformat import NotebookNode

TRACEBACK_HEAD = "Traceback (most recent call last):\n  ...\n"


def block_cells(nb: NotebookNode, fence_line: int) -> list[NotebookNode]:
    """The code cells made from the block whose opening fence is on `fence_line`."""
    return [c for c in nb.cells if c.cell_type == "code"
            and c.metadata.get("lecturekit", {}).get("fence") == fence_line]


def block_stdout(cells: list[NotebookNode], transcript: bool) -> str:
    parts: list[str] = []
    for cell in cells:
        for output in cell.get("outputs", []):
            if output.output_type == "stream" and output.name == "stdout":
                parts.append(output.text)
            elif transcript and output.output_type == "execute_result":
                parts.append(output.data.get("text/plain", "") + "\n")
            elif transcript and output.output_type == "error":
                parts.append(f"{TRACEBACK_HEAD}{output.ename}: {output.evalue}\n")
    return "".join(parts)
