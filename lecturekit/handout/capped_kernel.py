"""The handout's Jupyter kernel: ipykernel, with each cell's output capped where it is written.

`execute.venv_kernel` starts it under the checker's keeper
(`python -m lecturekit.check.runner … -- lecturekit.handout.capped_kernel -f FILE`).
The client (`execute._SupervisedClient`) caps what it keeps per cell too, but
a single `print` of a gigabyte would still travel whole: ipykernel buffers
it, serialises it into one message, and the client decodes it, several
copies in two processes (a 1 GB line was lost silently, the cell "passed").
So here, in the kernel, past the limit each write (through `sys.stdout`,
`sys.stderr`, or fd 1/2, which ipykernel forwards through the same streams)
is replaced by a marker naming how many bytes were dropped and their last
characters; the client counts those bytes as printed and reports the cell
with its size, head and tail, exactly as if it had received everything.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

LIMIT_ENV = "LECTUREKIT_MAX_OUTPUT"
"""Bytes of output a cell may print (0: no limit), set in the kernel's spec."""
MARK = "\x00lecturekit-dropped "
"""`MARK<bytes dropped> <n>\\x00<the last n characters dropped>` in a stream's text."""
SHOWN = 1000


def _size(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-8", "replace"))


def cap_streams(limit: int) -> None:
    """Cap every OutStream's writes at `limit` bytes per execute request (one cell)."""
    from ipykernel.iostream import OutStream

    write = OutStream.write
    seen: dict[str, Any] = {"parent": None, "written": 0}

    def capped(self: OutStream, string: str) -> int | None:
        if not isinstance(string, str):
            return write(self, string)  # ipykernel's own TypeError
        parent = (self.parent_header or {}).get("msg_id")
        if parent != seen["parent"]:
            seen["parent"], seen["written"] = parent, 0
        room = limit - seen["written"]
        size = _size(string)
        seen["written"] += size
        if size <= room:
            return write(self, string)
        kept = string[:room] if room > 0 else ""
        tail = string[-SHOWN:]
        dropped = size - _size(kept)
        write(self, f"{kept}{MARK}{dropped} {len(tail)}\x00{tail}")
        return len(string)

    OutStream.write = capped  # type: ignore[method-assign]


def split_marks(text: str) -> list[tuple[str, int]]:
    """`text` as (piece, bytes): plain text with its size, or a dropped stretch's last
    characters with the bytes it stood for."""
    pieces: list[tuple[str, int]] = []
    while True:
        at = text.find(MARK)
        if at < 0:
            if text:
                pieces.append((text, -1))
            return pieces
        if at:
            pieces.append((text[:at], -1))
        head_end = text.find("\x00", at + len(MARK))
        try:
            dropped, count = (int(n) for n in text[at + len(MARK):head_end].split())
        except ValueError:  # not our mark after all: keep it as text
            pieces.append((text[at:at + len(MARK)], -1))
            text = text[at + len(MARK):]
            continue
        start = head_end + 1
        pieces.append((text[start:start + count], dropped))
        text = text[start + count:]


def main() -> None:
    if sys.path and (sys.path[0] == "" or Path(sys.path[0]) == Path.cwd()):
        del sys.path[0]  # as ipykernel_launcher: the deck's folder is not the kernel's path
    limit = int(os.environ.get(LIMIT_ENV) or 0)
    if limit:
        cap_streams(limit)
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main()
