"""A deck as an nbformat v4 notebook: a markdown cell per slide, then its code cells.

Decisions:
- `slides-only` slides and fences are left out of what the reader sees, but a
  slides-only Python block still runs, as a hidden cell tagged `slides-only`,
  because the checker runs it and later blocks may depend on its state.
- `skip` blocks stay visible as code cells tagged `skip-execution`; nbclient
  does not run them, exactly as the checker skips them.
- The deck's `setup:` code and the checker's seeding run first, in a hidden
  cell tagged `setup`.
- Hidden means hidden in both JupyterLab (`jupyter.source_hidden`) and Colab,
  which ignores that key and folds a cell whose metadata says
  `cellView: "form"` and whose first line is `#@title ...` (`hide`).
"""

from __future__ import annotations

from collections.abc import Iterator

import nbformat
from nbformat import NotebookNode

from lecturekit.deck import Deck, Fence, Slide
from lecturekit.handout.cells import RAISES, CodePiece, code_pieces
from lecturekit.handout.markdown import SlideMarkdown, slide_segments
from lecturekit.handout.session import EXPECT_ERROR, fresh_source, setup_source
from lecturekit.handout.theme import box_labels

SETUP = "setup"
FRESH = "fresh"
SLIDES_ONLY = "slides-only"
HIDDEN = {"jupyter": {"source_hidden": True, "outputs_hidden": True}}
TITLE = "#@title "


def hide(cell: NotebookNode, title: str, outputs: bool = False) -> NotebookNode:
    """Fold the cell's code in JupyterLab and Colab, showing `title`; `outputs` folds those too."""
    if not cell.source.startswith(TITLE):
        cell.source = f"{TITLE}{title}\n{cell.source}"
    cell.metadata["cellView"] = "form"
    cell.metadata["jupyter"] = {"source_hidden": True, **({"outputs_hidden": True} if outputs
                                                          else {})}
    return cell


def title_lines(cell: NotebookNode) -> int:
    """Lines put before the cell's own code: `hide`'s title, `code_cell`'s magic (0 to 2)."""
    lines = cell.source.split("\n", 2)
    return sum(1 for line in lines[:2] if line.startswith((TITLE, f"%%{EXPECT_ERROR}")))


def in_handout(slide: Slide) -> bool:
    return "slides-only" not in slide.classes


def fence_in_handout(slide: Slide, fence: Fence) -> bool:
    return in_handout(slide) and not fence.has("slides-only")


def deck_notebook(deck: Deck) -> NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata.update(_metadata(deck))
    nb.cells.append(setup_cell(deck))
    labels = box_labels(deck)
    for slide in deck.slides:
        nb.cells.extend(slide_cells(deck, slide, labels))
    return nb


def setup_cell(deck: Deck) -> NotebookNode:
    cell = nbformat.v4.new_code_cell(setup_source(deck.setup_code))
    cell.id = "setup"
    cell.metadata.update({"tags": [SETUP], "lecturekit": {"slide": 0, "lines": []}})
    return hide(cell, "準備（最初に実行してください）", outputs=True)


def slide_cells(deck: Deck, slide: Slide, labels: dict[str, str]) -> Iterator[NotebookNode]:
    """The slide's prose and code in the slide's order: the prose before a block, the block's
    cells, the prose after it (what the slide says about the block's result)."""
    blocks = slide.code_blocks
    segments = [None] * (len(blocks) + 1)
    if in_handout(slide):
        output_fences = [f for f in slide.fences if f.has("output")]
        dropped = [f for f in slide.fences if f.has("slides-only")]
        segments = slide_segments(slide, deck.path, [*blocks, *output_fences, *dropped],
                                  blocks, labels)
    yield from _prose_cell(slide, segments[0], 0)
    for number, fence in enumerate(blocks, start=1):
        if fence.has("fresh"):
            yield fresh_cell(deck, fence)
        for index, piece in enumerate(code_pieces(fence, show_values=True)):
            yield code_cell(piece, index, visible=fence_in_handout(slide, fence))
        yield from _prose_cell(slide, segments[number], number)


def _prose_cell(slide: Slide, md: SlideMarkdown | None, part: int) -> Iterator[NotebookNode]:
    if md is None or not md.text.strip():
        return
    cell = nbformat.v4.new_markdown_cell(md.text)
    cell.id = f"slide-{slide.number}" + (f"-{part}" if part else "")
    cell.metadata["lecturekit"] = {"slide": slide.number, "title": slide.title,
                                   "line": slide.line}
    if md.attachments:
        cell.attachments = md.attachments
    yield cell


def fresh_cell(deck: Deck, fence: Fence) -> NotebookNode:
    cell = nbformat.v4.new_code_cell(fresh_source(deck.setup_code))
    cell.id = f"fresh-{fence.line}"
    cell.metadata.update({"tags": [FRESH],
                          "lecturekit": {"slide": fence.slide_number, "lines": []}})
    return hide(cell, "ここから新しい名前空間で始めます", outputs=True)


def code_cell(piece: CodePiece, index: int, visible: bool = True) -> NotebookNode:
    fence = piece.fence
    source = piece.source
    if RAISES in piece.tags:  # Colab's "Run all" would stop here (`session.EXPECT_ERROR`)
        source = f"%%{EXPECT_ERROR}\n{source}"
    cell = nbformat.v4.new_code_cell(source)
    cell.id = f"code-{fence.line}" + (f"-{index}" if index else "")
    tags = list(piece.tags)
    if not visible:
        tags.append(SLIDES_ONLY)
        hide(cell, "スライドで使うだけのコード", outputs=True)
    if tags:
        cell.metadata["tags"] = tags
    cell.metadata["lecturekit"] = {"slide": fence.slide_number, "fence": fence.line,
                                   "lines": piece.lines}
    condition = fence.value("skip-if")
    if condition:
        cell.metadata["lecturekit"]["skip_if"] = condition
    timeout = fence.value("timeout")
    if timeout:
        cell.metadata["lecturekit"]["timeout"] = float(timeout)
    return cell


def _metadata(deck: Deck) -> dict[str, object]:
    title = deck.title
    return {
        "kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)",
                       "language": "python"},
        "language_info": {"name": "python"},
        "title": str(title),
        "lecturekit": {"deck": deck.path.name, "date": str(deck.front_matter.get("date") or "")},
    }
