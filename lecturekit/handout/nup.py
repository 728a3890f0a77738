"""The printable handout: N slide images per A4 page, each beside its notes or ruled lines.

Slide images come from marp-cli (`--images png`) over the slides variant of
the deck (`lecturekit.deck.variants`), staged with its assets exactly as the
slide build stages them; a jinja2 page lays them out and Chromium prints it.
"""

from __future__ import annotations

import math
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from markdown_it import MarkdownIt
from pypdf import PdfReader

from lecturekit.build.assets import copy_into, dist_path, local_refs, rewrite_refs
from lecturekit.deck import Deck, DeckError, Slide
from lecturekit.deck.variants import slides_kept, slides_markdown
from lecturekit.handout.errors import HandoutError
from lecturekit.handout.jinja import render
from lecturekit.handout.notebook import in_handout
from lecturekit.handout.tools import CHROMIUM_FLAGS, MARP_CONFIG, ROOT, chromium, marp_command

NUPS = (2, 4)
TOOL_TIMEOUT_S = 600
LONG_NOTES = {2: 900, 4: 380}
"""Characters of notes above which the notes are set in a smaller size."""
MAX_NOTES = {2: 1300, 4: 550}
"""Characters of notes that fit their box in the smaller size (measured on printed pages);
longer notes would be cut off, so the build refuses them."""


@dataclass(frozen=True)
class PrintedSlide:
    slide: Slide
    image: Path
    notes_html: str
    long: bool


def slide_images(deck: Deck, stage: Path) -> list[Path]:
    """One PNG per slide of the slides variant, in order (handout-only slides excluded)."""
    kept = slides_kept(deck)
    refs = local_refs(deck, kept)
    copy_into({dist_path(deck, r.file): r.file for r in refs}, stage)
    markdown = stage / f"{deck.name}.md"
    markdown.write_text(rewrite_refs(slides_markdown(deck), deck, refs), encoding="utf-8")
    images = stage / "images"
    images.mkdir()
    _run([*marp_command(), "--config-file", str(MARP_CONFIG), "--no-stdin",
          "--images", "png", str(markdown), "-o", str(images / "slide.png")], "marp-cli (images)")
    found = sorted(images.glob("slide.*.png"))
    if len(found) != len(kept):
        raise HandoutError(f"{deck.path}: marp-cli made {len(found)} slide images "
                           f"for {len(kept)} slides")
    return found


def printed_slides(deck: Deck, images: list[Path], nup: int) -> list[PrintedSlide]:
    markdown = MarkdownIt("commonmark", {"html": False, "breaks": True})
    printed = []
    for slide, image in zip(slides_kept(deck), images, strict=True):
        if not in_handout(slide):
            continue
        notes = "\n\n".join(slide.notes)
        _check_notes_fit(deck, slide, notes, nup)
        printed.append(PrintedSlide(slide, image, markdown.render(notes) if notes else "",
                                    len(notes) > LONG_NOTES[nup]))
    return printed


def _check_notes_fit(deck: Deck, slide: Slide, notes: str, nup: int) -> None:
    if len(notes) <= MAX_NOTES[nup]:
        return
    line = next(c.line for c in slide.comments if c.is_note)
    raise DeckError(deck.path, line, f"presenter notes of "
                    f"\"{slide.title}\" are too long to print beside it in the {nup}-up "
                    f"handout ({len(notes)} characters, at most {MAX_NOTES[nup]}): shorten "
                    f"them{' or use NUP=2' if nup == 4 else ''}", slide=slide.number)


def nup_html(deck: Deck, slides: list[PrintedSlide], nup: int) -> str:
    pages = [slides[i:i + nup] for i in range(0, len(slides), nup)]
    title = str(deck.front_matter.get("title") or deck.name)
    return render("nup.html.j2", title=title, date=str(deck.front_matter.get("date") or ""),
                  pages=pages, nup=nup)


def print_pdf(html: Path, pdf: Path) -> None:
    _run([chromium(), *CHROMIUM_FLAGS, "--no-pdf-header-footer", f"--print-to-pdf={pdf}",
          html.as_uri()], "Chromium (print to PDF)")
    if not pdf.is_file():
        raise HandoutError(f"Chromium wrote no {pdf.name}")


def expected_pages(slide_count: int, nup: int) -> int:
    return max(1, math.ceil(slide_count / nup))


def build_nup_pdf(deck: Deck, nup: int, stage: Path, pdf: Path) -> int:
    """Write the n-up PDF to `pdf` (inside the staging folder); return its page count."""
    if nup not in NUPS:
        raise HandoutError(f"--nup must be one of {', '.join(map(str, NUPS))}, not {nup}")
    stage, pdf = stage.resolve(), pdf.resolve()
    slides = printed_slides(deck, slide_images(deck, stage), nup)
    html = stage / f"{deck.name}-nup.html"
    html.write_text(nup_html(deck, slides, nup), encoding="utf-8")
    print_pdf(html, pdf)
    pages = len(PdfReader(pdf).pages)
    if pages != expected_pages(len(slides), nup):
        raise HandoutError(f"{deck.path}: the {nup}-up handout has {pages} pages, expected "
                           f"{expected_pages(len(slides), nup)} for {len(slides)} slides "
                           f"(notes too long for their box?)")
    return pages


def _run(command: list[str], what: str) -> None:
    try:
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True,
                              timeout=TOOL_TIMEOUT_S, check=False, env=_env())
    except FileNotFoundError as exc:
        raise HandoutError(f"{what}: {exc.filename} not found") from None
    except subprocess.TimeoutExpired:
        raise HandoutError(f"{what} did not finish within {TOOL_TIMEOUT_S}s") from None
    if done.returncode != 0:
        detail = [ln for ln in done.stderr.splitlines() if ln.strip()][-6:]
        raise HandoutError(f"{what} failed (exit {done.returncode}):\n  " + "\n  ".join(detail))


def _env() -> dict[str, str]:
    return {**os.environ, "CHROME_PATH": chromium()}
