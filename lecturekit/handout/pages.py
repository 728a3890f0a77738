"""Vector PDF pages of the handout variant of a deck, one per slide students get.

The handout shows every slide except `slides-only` ones, with `handout-only`
slides and fences included.  Most of those pages already exist, as vector
pages, in the slide PDF the slide build published (`dist/<deck>.pdf`, the
slides variant): they are reused as they are.  Only slides that differ
between the variants (handout-only slides, slides with a handout-only fence)
are rendered, in one marp-cli run over a "patch" deck (`patch_markdown`).
Without a current slide PDF the whole handout variant is rendered once.

On paper (`paper=True`, the default of the printed handout) every page is
rendered instead, with `templates/paper.css` appended to the theme as a Marp
inline `<style>`: white paper, title bars as a title over a thin rule, no
tinted backgrounds, no page-number pill (the sheet prints each slide's number
beside it), so a printed sheet spends little ink.  The published pages, in the
projector's colours, are reused only when the handout is asked for the
slides' own colours (`lecturekit handout --slide-colours`).

`handout_pages` is the one place that knows how the pages are obtained; when
the slide build renders in its own engine, only this module changes.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pypdf import PageObject, PdfReader

from lecturekit.deck import Deck, Slide
from lecturekit.deck.variants import (
    HANDOUT_ONLY,
    has_handout_only_text,
    is_handout_only_slide,
    slides_kept,
)
from lecturekit.handout.errors import ANSI, HandoutError
from lecturekit.handout.notebook import in_handout
from lecturekit.handout.tools import ROOT, chromium
from lecturekit.render.assets import copy_into, dist_path, local_refs, rewrite_refs
from lecturekit.render.problems import Problem
from lecturekit.render.render import limit_hint, render_limit_s


@dataclass(frozen=True)
class HandoutPage:
    slide: Slide
    page: PageObject
    reused: bool
    """True when the page comes from the published slide PDF."""


def handout_slides(deck: Deck) -> list[Slide]:
    return [s for s in deck.slides if in_handout(s)]


def differs_from_slides(slide: Slide) -> bool:
    """The slide looks different in the handout than in the slide PDF (or is not there)."""
    return is_handout_only_slide(slide) or has_handout_only_text(slide) or any(
        f.has(HANDOUT_ONLY) for f in slide.fences if not f.in_comment)


PAPER_CSS = Path(__file__).parent / "templates" / "paper.css"
"""Appended to the deck's theme when the pages are rendered for paper (module docstring)."""


def handout_pages(deck: Deck, stage: Path, slides_pdf: Path | None,
                  log: Callable[[str], None] = lambda _: None,
                  paper: bool = False) -> list[HandoutPage]:
    """One vector page per handout slide, in deck order (see the module docstring)."""
    wanted = handout_slides(deck)
    if paper:
        log("rendering every handout slide for paper (white, light rules)")
        rendered = _render_slides(deck, wanted, stage, PAPER_CSS.read_text(encoding="utf-8"))
        return [HandoutPage(s, rendered[s.number], False) for s in wanted]
    published = _current_slide_pdf(deck, slides_pdf, log)
    reused: dict[int, PageObject] = {}
    if published is not None:
        reader = PdfReader(published)
        reused = {slide.number: page for slide, page in zip(slides_kept(deck), reader.pages,
                                                             strict=True)}
    render = [s for s in wanted if s.number not in reused or differs_from_slides(s)]
    rendered = _render_slides(deck, render, stage) if render else {}
    return [HandoutPage(s, rendered.get(s.number) or reused[s.number], s.number not in rendered)
            for s in wanted]


def _current_slide_pdf(deck: Deck, pdf: Path | None, log: Callable[[str], None]) -> Path | None:
    """The published slide PDF if it is there, newer than the deck and has its slide count."""
    if pdf is None or not pdf.is_file():
        log(f"no slide PDF at {pdf}: rendering every handout slide")
        return None
    if pdf.stat().st_mtime < deck.path.stat().st_mtime:
        log(f"{pdf} is older than the deck: rendering every handout slide")
        return None
    pages = len(PdfReader(pdf).pages)
    if pages != len(slides_kept(deck)):
        log(f"{pdf} has {pages} pages for {len(slides_kept(deck))} slides: rendering every "
            f"handout slide")
        return None
    return pdf


@dataclass(frozen=True)
class Patch:
    text: str
    pages: dict[int, int]
    """Slide number -> 0-based page of the rendered PDF, for each slide to render."""


def patch_markdown(deck: Deck, render: list[Slide], hide_numbers: bool = False,
                   style: str = "") -> Patch:
    """The deck text marp-cli renders for just the slides in `render`.

    Every other slide is reduced to its directive comments, and each run of
    such slides is joined into one blank page (their separators blanked), so
    inherited directives (`paginate`, `header`, a `class`...) still reach the
    rendered slides while the blank pages cost next to nothing; text after the
    last rendered slide is dropped.  No line moves, so the deck's line numbers
    (and `rewrite_refs`) still apply.  `hide_numbers` hides the page number of
    the rendered slides: their number in this run is not the one they would
    have among the slide PDF's pages.  `style` (CSS) is appended after the last
    rendered slide as a global inline `<style>`, which Marp adds to the theme.
    """
    lines = [*deck.lines, ""] if deck.text.endswith(("\n", "\r")) else list(deck.lines)
    numbers = {s.number for s in render}
    blank: set[int] = set()
    pages: dict[int, int] = {}
    page, previous_blank = -1, False
    for index, slide in enumerate(deck.slides):
        rendered = slide.number in numbers
        if index > 0 and not rendered and previous_blank:
            blank.add(slide.line - 1)   # the `---` before it: join it to the blank page
        else:
            page += 1
        previous_blank = not rendered
        if rendered:
            pages[slide.number] = page
            if hide_numbers:
                _hide_page_number(lines, slide)
            continue
        keep: set[int] = set()
        for comment in slide.comments:
            if comment.directives:
                keep.update(_comment_lines(lines, comment.line))
        blank.update(n for n in range(slide.line, slide.end_line + 1) if n not in keep)
    last = max((s.end_line for s in render), default=0)
    text = "\n".join("" if n in blank or n > last else line
                     for n, line in enumerate(lines, start=1))
    if style:
        text = text.rstrip("\n") + f"\n\n<style>\n{style.strip()}\n</style>\n"
    return Patch(text, pages)


def _hide_page_number(lines: list[str], slide: Slide) -> None:
    """`_paginate: false` on a blank line of the slide, so no line moves."""
    for number in range(slide.line, slide.end_line + 1):
        if not lines[number - 1].strip():
            lines[number - 1] = "<!-- _paginate: false -->"
            return


def _comment_lines(lines: list[str], first: int) -> range:
    for last in range(first, len(lines) + 1):
        if "-->" in lines[last - 1]:
            return range(first, last + 1)
    return range(first, first + 1)


_PAPER_VARIABLE = re.compile(r"(--[\w-]+)\s*:\s*#fff(?:fff)?\s*;", re.I)


def paper_colours(deck: Deck, style: str) -> set[str]:
    """The theme's colours that `style` (paper.css) turns white: the values, in the deck's
    theme, of the custom properties the paper stylesheet sets to #fff (honwaka's `--hw-bg`,
    its cream paper #fffcf6)."""
    from lecturekit.handout.theme import theme_css

    css = theme_css(deck)
    colours = set()
    for name in set(_PAPER_VARIABLE.findall(style)):
        match = re.search(re.escape(name) + r"\s*:\s*(#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3})\b", css)
        if match and match.group(1).lower() not in ("#fff", "#ffffff"):
            colours.add(match.group(1).lower())
    return colours


_SVG_COLOUR = re.compile(r"#[0-9a-fA-F]{6}(?![0-9a-fA-F])|#[0-9a-fA-F]{3}(?![0-9a-fA-F])"
                         r"|rgb\(\s*[\d.]+%?\s*,\s*[\d.]+%?\s*,\s*[\d.]+%?\s*\)")


def _rgb(colour: str) -> tuple[int, int, int]:
    """A CSS/SVG colour (#rgb, #rrggbb, rgb(255, 252, 246), rgb(100%, 98.8%, 96.5%)) as
    0-255 integers."""
    if colour.startswith("#"):
        digits = colour[1:] if len(colour) == 7 else "".join(c * 2 for c in colour[1:])
        return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)
    r, g, b = (part.strip() for part in colour[colour.index("(") + 1:-1].split(","))
    return _channel(r), _channel(g), _channel(b)


def _channel(value: str) -> int:
    return round(float(value[:-1]) * 2.55) if value.endswith("%") else round(float(value))


def whiten_figures(deck: Deck, files: list[Path], style: str) -> None:
    """On paper, an SVG figure drawn on the theme's paper colour (a matplotlib figure's
    background, the gaps of its grid) is drawn on white like the slide around it: the
    copies rendered for paper have each paper colour (in any notation: #fffcf6, Cairo's
    rgb(100%,98.8%,96.5%)) replaced by white (an `<img>`'s inside is out of reach of the
    paper stylesheet).  The published figures are not touched."""
    paper = {_rgb(c) for c in paper_colours(deck, style)}
    if not paper:
        return
    for file in files:
        if file.suffix.lower() == ".svg" and file.is_file():
            text = file.read_text(encoding="utf-8")
            whitened = _SVG_COLOUR.sub(
                lambda m: "#ffffff" if _rgb(m.group(0)) in paper else m.group(0), text)
            if whitened != text:
                file.write_text(whitened, encoding="utf-8")


def _render_slides(deck: Deck, render: list[Slide], stage: Path,
                   style: str = "") -> dict[int, PageObject]:
    work = stage / "patch"
    work.mkdir(parents=True, exist_ok=True)
    refs = local_refs(deck, render)
    copy_into({dist_path(deck, r.file): r.file for r in refs}, work)
    if style:
        whiten_figures(deck, [work / dist_path(deck, r.file) for r in refs], style)
    markdown = work / f"{deck.name}.md"
    patch = patch_markdown(deck, render, hide_numbers=len(render) < len(handout_slides(deck)),
                           style=style)
    markdown.write_text(rewrite_refs(patch.text, deck, refs), encoding="utf-8")
    pdf = work / f"{deck.name}.pdf"
    overflow = _confined_pdf(deck, work, slides=max(patch.pages.values()) + 1)
    _refuse_overflow(deck, render, patch, overflow, paper=bool(style))
    if not pdf.is_file():
        raise HandoutError(f"the render engine wrote no {pdf.name}")
    reader = PdfReader(pdf)
    if len(reader.pages) < max(patch.pages.values()) + 1:
        raise HandoutError(f"{deck.path}: marp-cli rendered {len(reader.pages)} pages, "
                           f"expected {max(patch.pages.values()) + 1}")
    return {number: reader.pages[page] for number, page in patch.pages.items()}


def _refuse_overflow(deck: Deck, render: list[Slide], patch: Patch, overflow: list[dict],
                     paper: bool) -> None:
    """Stop when a slide rendered here sticks out of its frame: the slide build checks the
    slides it renders, but never sees a handout-only slide or the paper stylesheet's look,
    and the sheet would print the slide cut off.  Named by file, line and slide, as the
    slide build names its own (`Problem`)."""
    by_page = {page + 1: number for number, page in patch.pages.items()}
    slides = {s.number: s for s in render}
    problems = []
    for o in overflow:
        slide = slides.get(by_page.get(o["slide"], -1))
        if slide is None:
            continue
        on_paper = paper and not is_handout_only_slide(slide)
        why = ("printed for paper" if on_paper
               else "a handout-only slide, which the slide build does not render")
        fix = ("shorten it, or print the projected pages with --slide-colours" if on_paper
               else "shorten it")
        problems.append(str(Problem.on_slide(
            deck.path, slide, f"overflows its frame by {o['px']}px at the {o['side']} on the "
                              f"handout's pages ({why}); {fix}", o.get("line"))))
    if problems:
        raise HandoutError("\n".join(problems))


def _confined_pdf(deck: Deck, work: Path, slides: int) -> list[dict]:
    """`<work>/<deck>.md` -> `.pdf` with the slide build's engine, under the same confinement.

    One Node process, one Chromium page whose every request is intercepted:
    a deck script cannot reach the network or a file outside `work` while
    these pages render, any more than during `make slides`.  Refused requests stop
    the handout; the slides' overflow findings are returned (`_refuse_overflow`).  The time limit
    is the build's for `slides` pages (`render.render_limit_s`).
    """
    from lecturekit.render import render as engine
    from lecturekit.render.pipeline import deck_marp_config

    job = engine.make_job(work, deck.name, page_checks=[], slides=slides)
    job["config"] = str(deck_marp_config(work, deck.path))  # the project's themes
    refused: list[dict] = []
    overflow: list[dict] = []
    try:
        with engine.Engine(job, work) as running:
            for event in running.events():
                if event["event"] == "checked":
                    refused += event["report"]["blocked"]
                    overflow += event["report"]["overflow"]
                elif event["event"] == "pdf":
                    refused += event["blocked"]
    except engine.ToolError as exc:
        raise HandoutError(f"{deck.path}: rendering the handout-only slides: {exc}") from None
    if refused:
        urls = ", ".join(dict.fromkeys(str(r.get("url")) for r in refused))
        raise HandoutError(f"{deck.path}: the handout-only slides load {urls}, which the "
                           f"render refused (only the deck's own files may load)")
    return overflow
def run(command: list[str], what: str, slides: int = 0) -> None:
    """Run a tool of the handout (Chromium printing the sheets) under the build's render
    time limit for `slides` slides (`render.render_limit_s`: 600 s + 0.2 s a slide, or
    $LECTUREKIT_RENDER_TIMEOUT)."""
    limit = render_limit_s(slides)
    try:
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True,
                              timeout=limit, check=False,
                              env={**os.environ, "CHROME_PATH": chromium()})
    except FileNotFoundError as exc:
        raise HandoutError(f"{what}: {exc.filename} not found") from None
    except subprocess.TimeoutExpired:
        raise HandoutError(f"{what} did not finish in time; {limit_hint(slides, limit)}") \
            from None
    if done.returncode != 0:
        detail = [ln for ln in done.stderr.splitlines() if ln.strip()][-6:]
        detail = [ANSI.sub("", ln) for ln in detail]
        raise HandoutError(f"{what} failed (exit {done.returncode}):\n  " + "\n  ".join(detail))
