"""Build every handout artefact of one deck, all or nothing.

Everything is written into a private staging folder inside the output
folder; only when all four artefacts exist are they moved into place with
os.replace, the notebook (the Makefile's target) last.  A failure leaves the
previous artefacts untouched and no partial file behind.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from lecturekit.deck import read_deck
from lecturekit.handout.execute import execute_notebook
from lecturekit.handout.exercises import exercises_notebook
from lecturekit.handout.html import handout_html
from lecturekit.handout.notebook import deck_notebook
from lecturekit.handout.nup import DEFAULT_NUP, build_nup_pdf
from lecturekit.handout.published import published_notebook
from lecturekit.project import Project
from lecturekit.render.lint import confine


def handout_pdf_suffix(nup: int) -> str:
    """The printed handout's name ends in its layout, so the 2-up, 3-up and 4-up PDFs live
    side by side (the index links each that exists) and make rebuilds on a new `NUP` by the
    file's name alone: `-handout.pdf` (2-up, the default), `-handout-3up.pdf`,
    `-handout-4up.pdf`."""
    return "-handout.pdf" if nup == DEFAULT_NUP else f"-handout-{nup}up.pdf"


@dataclass(frozen=True)
class Artefacts:
    notebook: Path
    html: Path
    pdf: Path
    exercises: Path

    @classmethod
    def of(cls, name: str, folder: Path, nup: int = DEFAULT_NUP) -> Artefacts:
        return cls(folder / f"{name}.ipynb", folder / f"{name}-handout.html",
                   folder / f"{name}{handout_pdf_suffix(nup)}",
                   folder / f"{name}-exercises.ipynb")

    def in_publish_order(self) -> list[Path]:
        return [self.exercises, self.html, self.pdf, self.notebook]


@dataclass(frozen=True)
class Built:
    artefacts: Artefacts
    cells: int
    pages: int
    seconds: dict[str, float]


def build_handout(deck_path: Path, out_dir: Path, nup: int = DEFAULT_NUP,
                  log: Callable[[str], None] = print,
                  slides_pdf: Path | None = None, paper: bool = True,
                  index_href: str | None = None) -> Built:
    """Raises DeckError (bad deck, failing cell, a deck reaching outside its project:
    `render.lint.confine`, the build's own rule) or HandoutError (a tool failed).

    `slides_pdf` is the published slide PDF whose pages the printed handout
    reuses (default: `out_dir/<deck>.pdf`) when it keeps the slides' colours
    (`paper=False`); on paper (the default) its pages are rendered for print,
    white with light rules (`pages.handout_pages`).  Three jobs run at once: the
    notebook (kernel) then the reading HTML (node), the n-up PDF (marp-cli
    for handout-only slides, Chromium for the sheets), the exercises notebook.
    `index_href` links the reading HTML to the series' index (`command.site_index`).
    """
    deck = confine(read_deck(deck_path))  # the build's confinement, before any file is read
    out_dir = out_dir.resolve()
    if slides_pdf is None:
        slides_pdf = out_dir / f"{deck.name}.pdf"

    label = Project.of(deck_path).label(deck_path)  # `ch02/lecture`, as the build says

    def say(message: str) -> None:
        log(f"[handout] {label}: {message}")

    out_dir.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".handout-{deck.name}-", dir=out_dir))
    seconds: dict[str, float] = {}
    staged = Artefacts.of(deck.name, stage, nup)

    def notebook_and_html() -> NotebookNode:
        with _timed(seconds, "notebook"):
            nb = deck_notebook(deck)
            execute_notebook(nb, deck.path, cwd=deck.path.parent, progress=say)
            _write_notebook(published_notebook(nb, deck), staged.notebook)
        with _timed(seconds, "html"):
            say("rendering the reading version (HTML, math to SVG)…")
            staged.html.write_text(handout_html(nb, deck, index_href=index_href),
                                     encoding="utf-8")
        return nb

    def exercises() -> None:
        with _timed(seconds, "exercises"):
            _write_notebook(exercises_notebook(deck), staged.exercises)

    def printed() -> int:
        with _timed(seconds, "pdf"):
            say(f"placing the slide pages on the {nup}-up PDF…")
            work = stage / "nup"
            work.mkdir()
            return build_nup_pdf(deck, nup, work, staged.pdf, slides_pdf, log=say, paper=paper)

    try:
        with ThreadPoolExecutor(max_workers=3) as pool:
            jobs = [pool.submit(notebook_and_html), pool.submit(printed),
                    pool.submit(exercises)]
            try:
                nb, pages, _ = (job.result() for job in jobs)
            except BaseException:
                for job in jobs:
                    job.cancel()
                raise
        final = Artefacts.of(deck.name, out_dir, nup)
        for source, target in zip(staged.in_publish_order(), final.in_publish_order(),
                                  strict=True):
            os.replace(source, target)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    cells = sum(1 for c in nb.cells if c.cell_type == "code")
    say(f"done: {cells} code cells, {pages}-page PDF "
        f"({', '.join(f'{k} {v:.1f}s' for k, v in seconds.items())})")
    return Built(final, cells, pages, seconds)


def _write_notebook(nb: NotebookNode, path: Path) -> None:
    nbformat.validate(nb)
    nbformat.write(nb, str(path))


@contextmanager
def _timed(record: dict[str, float], name: str) -> Iterator[None]:
    started = time.monotonic()
    yield
    record[name] = time.monotonic() - started
