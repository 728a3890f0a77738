"""Build one deck: lint, render HTML, check it in Chromium, render PDF, publish.

Everything is made in a private staging folder inside the output folder, laid
out exactly as the output folder will be, so the Chromium check sees the
same relative paths the published HTML uses.  Only when every check passed
are the assets, then the HTML, then the PDF moved into place (os.replace), so
a failed build leaves nothing new in the output folder and two decks can
build in parallel.
"""

from __future__ import annotations

import filecmp
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from pypdf import PdfReader

from lecturekit.build import project, render
from lecturekit.build.assets import copy_into, dist_path, local_refs, rewrite_refs
from lecturekit.build.lint import lint_deck
from lecturekit.build.outline import deck_bookmarks, write_bookmarks
from lecturekit.build.problems import BuildError, Problem
from lecturekit.deck import Deck, Slide, read_deck
from lecturekit.deck.variants import slides_kept, slides_markdown

STALE_STAGE_S = 3600


@dataclass
class Built:
    html: Path
    pdf: Path
    assets: list[Path]
    slides: int
    seconds: float


def build_deck(deck_path: Path, out_dir: Path, themes_dir: Path = project.THEMES,
               log: Callable[[str], None] = print,
               before_publish: Callable[[], None] | None = None) -> Built:
    """Raises DeckError (unreadable deck), BuildError (problems found) or render.ToolError.

    `before_publish` is called after every check passed, right before anything
    is moved into `out_dir`; raising BuildError there publishes nothing.
    """
    started = time.monotonic()
    deck = read_deck(deck_path)
    problems = lint_deck(deck, themes_dir)
    if problems:
        raise BuildError(problems)
    kept = slides_kept(deck)
    refs = local_refs(deck, kept)
    assets = {dist_path(deck, r.file): r.file for r in refs}

    out_dir.mkdir(parents=True, exist_ok=True)
    _remove_stale_stages(out_dir, deck.name)
    stage = Path(tempfile.mkdtemp(prefix=f".build-{deck.name}-", dir=out_dir))
    try:
        copy_into(assets, stage)
        markdown = stage / f"{deck.name}.md"
        markdown.write_text(rewrite_refs(slides_markdown(deck), deck, refs), encoding="utf-8")
        html, pdf = stage / f"{deck.name}.html", stage / f"{deck.name}.pdf"

        render.marp(markdown, html)
        log(f"[build] {deck.name}: html")
        pdf_job = render.start_marp(markdown, pdf, pdf=True)
        try:
            _raise_on_report(deck, kept, render.check_html(html))
        except BaseException:
            render.cancel(pdf_job)
            raise
        log(f"[build] {deck.name}: checks ok ({len(kept)} slides)")
        render.finish(pdf_job)
        _check_pdf(deck, kept, pdf)
        write_bookmarks(pdf, deck_bookmarks(kept))
        log(f"[build] {deck.name}: pdf")

        if before_publish is not None:
            before_publish()
        published = _publish_assets(assets, stage, out_dir)
        final_html, final_pdf = out_dir / html.name, out_dir / pdf.name
        os.replace(html, final_html)
        os.replace(pdf, final_pdf)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return Built(final_html, final_pdf, published, len(kept), time.monotonic() - started)


def _remove_stale_stages(out_dir: Path, name: str) -> None:
    """Staging folders a killed build left behind (a live build's is younger than this)."""
    cutoff = time.time() - STALE_STAGE_S
    for stage in out_dir.glob(f".build-{name}-*"):
        if stage.is_dir() and stage.stat().st_mtime < cutoff:
            shutil.rmtree(stage, ignore_errors=True)


def _raise_on_report(deck: Deck, kept: list[Slide], report: render.HtmlReport) -> None:
    def slide_problem(index: int, message: str) -> Problem:
        if len(kept) == report.slides and 1 <= index <= len(kept):
            return Problem.on_slide(deck.path, kept[index - 1], message)
        where = f"rendered slide {index}" if index else "the deck (a <style> or the theme?)"
        return Problem(deck.path, None, f"{where} {message}")

    problems = [slide_problem(e["slide"], f"fetches {url} from the network in the rendered HTML")
                for url, e in _by_url(report.network).items()]
    problems += [slide_problem(e["slide"], f"needs {url}, which fails to load "
                                           f"({e['error'] or 'missing'})")
                 for url, e in _by_url(report.missing).items()]
    for o in report.overflow:
        if o.side == "clipped":
            message = f"has a {o.what} too big for the slide: {o.px}px of it are cut off"
        elif o.what == "content":
            message = f"overflows its frame by {o.px}px at the {o.side}"
        elif o.what == "header":
            message = f"has a header too long for its title bar (by {o.px}px at the {o.side})"
        else:
            message = f"has a {o.what} sticking out of the frame by {o.px}px at the {o.side}"
        problems.append(slide_problem(o.slide, message))
    problems += [slide_problem(s["slide"], f"has a {s['what']} so wide that Marp shrinks it to "
                                           f"{s['percent']}%; break its long lines")
                 for s in report.shrunk]
    if report.slides != len(kept):
        problems.append(Problem(deck.path, None,
                                f"renders {report.slides} slides but the deck has {len(kept)} "
                                f"(is `headingDivider` set? it is not supported)"))
    if problems:
        raise BuildError(problems)


def _by_url(entries: list[dict]) -> dict[str, dict]:
    first: dict[str, dict] = {}
    for entry in entries:
        first.setdefault(entry["url"], entry)
    return first


def _check_pdf(deck: Deck, kept: list[Slide], pdf: Path) -> None:
    pages = len(PdfReader(pdf).pages)
    if pages != len(kept):
        raise BuildError([Problem(deck.path, None,
                                  f"renders to a PDF of {pages} pages for {len(kept)} slides")])


def _publish_assets(assets: dict[PurePosixPath, Path], stage: Path, out_dir: Path) -> list[Path]:
    published = []
    for relative in assets:
        staged, final = stage / relative, out_dir / relative
        if not (final.is_file() and filecmp.cmp(staged, final, shallow=False)):
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged, final)
        published.append(final)
    return published
