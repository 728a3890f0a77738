"""The executed notebook as it is written for students: portable, numbered, no build paths.

The build runs the notebook with the session's cell magics (`%%expect_error` lets
"Run all" go past an error while IPython records it, which the reading HTML and the
deck checks read).  What a student opens must not need them, nor show the build:

- an error demo is written as plain `try:` / `except Exception:` /
  `traceback.print_exc()` (`notebook.error_answer_form`), so it runs without the
  setup cell, and its stored output is what that code prints (`print_exc`'s text),
  made from the recorded error: the frames of the notebook's own cells, the library
  frames (installed packages, the standard library) left out with a line saying how
  many, and the error line.  No path of the build machine is written: a cell is
  named by its number (`In[7]`), any other file by its name;
- the execution counts run 1, 2, 3 … over the cells that keep one (answer cells
  ran, then were cleared: their numbers would leave gaps), and the tracebacks name
  the new numbers;
- the setup cell defines only the magics still used (none for a deck whose only
  magic was `%%expect_error`), and imports every module the deck's blocks import at
  top level, so a student who restarts and jumps to a later section finds them.
"""

from __future__ import annotations

import ast
import re
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

from nbformat import NotebookNode

from lecturekit.deck import Deck
from lecturekit.handout.cells import RAISES, SKIP, code_pieces
from lecturekit.handout.errors import ANSI
from lecturekit.handout.notebook import (
    EXPECT_ERROR,
    FRESH,
    SETUP,
    error_answer_form,
    fresh_source,
    notebook_lang,
    setup_cell,
    used_magics,
    without_answer_outputs,
)

_CELL_FRAME = re.compile(r"^Cell In\[(\d+)\], line (\d+)(?:, in (\w+|<\w+>)\()?")
_FILE_FRAME = re.compile(r"^File (.+?):(\d+)(?:, in ([\w<>.]+))?")
_CELL_NUMBER = re.compile(r"(Cell(?:\x1b\[[0-9;]*m| )*In\[)(\d+)\]")
_ARROW = re.compile(r"^-+> ?(\d+) ?(.*)$")
_PRINTED_FRAME = re.compile(r'^  File "(.+)", line (\d+), in (.+)$')
_CARETS = re.compile(r"^\s*[~^]+\s*$")

OMITTED = {
    "ja": "  …（ライブラリ内部の {count} か所の呼び出しを省略）",
    "en": "  … ({count} calls inside libraries left out)",
}
IMPORTS = {"ja": "# この講義のコードが使うモジュール（途中から実行し直すときのため）",
           "en": "# The modules the lecture's code uses (for running it again from any point)"}


@dataclass
class Frame:
    """One frame of a traceback: where (`cell`: its number, else `file`), line, function,
    and the source line shown under it."""

    line: int
    function: str
    code: str
    cell: int | None = None
    file: str = ""


def published_notebook(nb: NotebookNode, deck: Deck) -> NotebookNode:
    """The run notebook `nb` as written to `<deck>.ipynb` (see the module's docstring)."""
    lang = notebook_lang(deck)
    nb = without_answer_outputs(nb, lang)
    renumber(nb)
    offsets: dict[int, int] = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        head = cell.source.split("\n", 1)[0]
        if cell.execution_count and head.startswith(f"%%{EXPECT_ERROR}"):
            before = cell.source
            error_answer_form(cell, lang)
            if cell.source != before:  # the body now starts after the form's header lines
                offsets[cell.execution_count] = _header_lines(cell.source)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [_printed_error(o, offsets, lang)
                            if o.output_type == "error" and RAISES in cell.metadata.get(
                                "tags", []) and cell.execution_count in offsets else o
                            for o in cell.outputs]
    magics = used_magics(nb.cells)
    imports = deck_imports(deck)
    for index, cell in enumerate(nb.cells):
        tags = cell.metadata.get("tags", [])
        if cell.cell_type != "code":
            continue
        if SETUP in tags:
            fresh = setup_cell(deck, lang, magics)
            if imports:
                fresh.source += f"\n\n{IMPORTS[lang]}\n" + "\n".join(imports)
            fresh.execution_count, fresh.outputs = cell.execution_count, cell.outputs
            nb.cells[index] = fresh
        elif FRESH in tags:
            title = cell.source.split("\n", 1)[0]
            cell.source = f"{title}\n" + fresh_source(deck.setup_code, lang, magics)
    return nb


def renumber(nb: NotebookNode) -> dict[int, int]:
    """Number the cells that keep an execution count 1, 2, 3 … in order; returns old → new
    (tracebacks naming `Cell In[old]` are rewritten by the caller)."""
    numbers: dict[int, int] = {}
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.execution_count is not None:
            numbers[cell.execution_count] = len(numbers) + 1
            cell.execution_count = numbers[cell.execution_count]
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                output.traceback = [_CELL_NUMBER.sub(lambda m: (
                    f"{m[1]}{numbers.get(int(m[2]), int(m[2]))}]"), line)
                    for line in output.traceback]
    return numbers


def _header_lines(source: str) -> int:
    """Lines of `error_answer_form`'s code before the body (up to and with `try:`)."""
    return source.split("\n").index("try:") + 1


def ipython_frames(traceback: list[str]) -> tuple[list[Frame], str]:
    """The frames of IPython's traceback (`Cell In[n], line k` / `File path:k, in f`) of its
    last exception, with the line each points at (`---->`), and the error line."""
    lines = ANSI.sub("", "\n".join(traceback)).split("\n")
    starts = [i for i, line in enumerate(lines) if "Traceback (most recent call last)" in line]
    lines = lines[starts[-1] + 1:] if starts else lines
    frames: list[Frame] = []
    for text in lines:
        cell, file = _CELL_FRAME.match(text), _FILE_FRAME.match(text)
        if cell:
            frames.append(Frame(int(cell[2]), cell[3] or "<module>", "", cell=int(cell[1])))
        elif file:
            function = (file[3] or "<module>").rsplit(".", 1)[-1]
            frames.append(Frame(int(file[2]), function, "", file=file[1]))
        elif frames and not frames[-1].code and (arrow := _ARROW.match(text)):
            frames[-1].code = arrow[2].strip()
    error = next((line for line in reversed(lines) if line.strip()), "")
    return frames, error


def is_library(path: str) -> bool:
    """A file of an installed package or of the standard library (or Python's own, or
    code without a file: `<string>`)."""
    if path.startswith("<"):
        return True
    path = str(Path(path).expanduser())  # IPython writes the home folder as `~`
    places = {sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")}
    places |= {sys.prefix, sys.base_prefix, sys.exec_prefix}
    return ("site-packages" in path or "dist-packages" in path
            or any(path.startswith(str(p).rstrip("/") + "/") for p in places if p))


def printed_traceback(frames: list[Frame], error: str, lang: str = "ja") -> str:
    """`frames` and `error` as `traceback.print_exc` prints them, library frames left out
    (one line saying how many), a cell named by its number (`In[7]`), another file by its
    name: nothing of the machine that ran it."""
    out = ["Traceback (most recent call last):"]
    left_out = 0

    def say_left_out() -> None:
        nonlocal left_out
        if left_out:
            out.append(OMITTED.get(lang, OMITTED["en"]).format(count=left_out))
            left_out = 0

    for frame in frames:
        if frame.cell is None and is_library(frame.file):
            left_out += 1
            continue
        say_left_out()
        where = f"In[{frame.cell}]" if frame.cell is not None else Path(frame.file).name
        out.append(f'  File "{where}", line {frame.line}, in {frame.function}')
        if frame.code:
            out.append(f"    {frame.code}")
    say_left_out()
    out.append(error)
    return "\n".join(out) + "\n"


def trimmed(printed: str, lang: str = "ja") -> str:
    """What `traceback.print_exc` printed, as `printed_traceback` writes it: library frames
    left out, no caret lines, a notebook cell named `In[?]` (its number is not in the
    text), another file by its name, the error's type without its module (as IPython
    records it: `JSONDecodeError`, not `json.decoder.JSONDecodeError`).  What a re-run
    of a written cell is compared by."""
    frames: list[Frame] = []
    lines = printed.rstrip("\n").split("\n")
    error = lines[-1] if lines else ""
    for text in lines[1:-1]:
        match = _PRINTED_FRAME.match(text)
        if match:
            path = match[1]
            cell = re.search(r"ipykernel_\d+[/\\]\d+\.py$", path) or path.startswith("In[")
            frames.append(Frame(int(match[2]), match[3], "", cell=0 if cell else None,
                                file="" if cell else path))
        elif frames and not frames[-1].code and text.startswith("    ") \
                and not _CARETS.match(text):
            frames[-1].code = text.strip()
    error = re.sub(r"^(?:[A-Za-z_]\w*\.)+(?=[A-Za-z_]\w*(?::|$))", "", error)
    return printed_traceback(frames, error, lang).replace("In[0]", "In[?]")


def _printed_error(output: NotebookNode, offsets: dict[int, int], lang: str) -> NotebookNode:
    """The recorded error of a cell now written as try/except: what its `print_exc` prints
    (stderr), its own lines moved below the form's header (the tracebacks name the new
    numbers already: `renumber`)."""
    frames, error = ipython_frames(output.traceback)
    for frame in frames:
        if frame.cell is not None:
            frame.line += offsets.get(frame.cell, 0)
    if not error:
        error = f"{output.ename}: {output.evalue}" if output.evalue else output.ename
    return NotebookNode({"output_type": "stream", "name": "stderr",
                         "text": printed_traceback(frames, error, lang)})


def deck_imports(deck: Deck) -> list[str]:
    """Every top-level `import` / `from … import` of the code the notebook's cells run
    (`cells.code_pieces`: a transcript's examples as doctest reads them; not the pieces of
    a `skip` block or of a missing `importorskip=` module, nor a `skip-if=` block), each
    once, in the deck's order; none from `__future__` (only a cell's first statement may)
    nor relative ones, none the deck's `setup:` code already has."""
    found: list[str] = []
    for fence in deck.code_blocks:
        if fence.value("skip-if"):
            continue
        for piece in code_pieces(fence):
            if SKIP in piece.tags:
                continue
            try:
                tree = ast.parse(piece.source)
            except SyntaxError:
                continue
            for node in tree.body:
                if isinstance(node, ast.Import) or (isinstance(node, ast.ImportFrom)
                                                    and node.module != "__future__"
                                                    and not node.level):
                    text = ast.unparse(node)
                    if text not in found and text not in deck.setup_code.split("\n"):
                        found.append(text)
    return found
