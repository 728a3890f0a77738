"""The printable handout: N vector slide pages per A4 sheet, beside notes or ruled lines.

The slide pages are the handout variant's own PDF pages (`pages.handout_pages`:
the published slide PDF, plus the few slides only handouts have), so text
and code stay text: selectable, searchable, sharp at any zoom.  Chromium
prints the sheet around them (title line, notes, ruled lines, an empty frame
where each slide goes) from a jinja2 page whose boxes are placed in
millimetres by `Layout`; pypdf then scales each slide page into its frame.
One geometry feeds both, so the two cannot drift apart.

Printed size of slide text = theme size (px) x placed width / 1280 px.  With
the honwaka theme (body 32 px, code 23 px): 2-up places slides 140 mm wide,
body 9.9 pt and code 7.1 pt; 4-up 106 mm wide, body 7.5 pt and code 5.4 pt.
Only 2-up meets body >= 9 pt and code >= 7 pt, so it is the default.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from markdown_it import MarkdownIt
from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
)

from lecturekit.deck import Deck, DeckError, Slide
from lecturekit.handout.errors import HandoutError
from lecturekit.handout.jinja import render
from lecturekit.handout.notes import student_notes
from lecturekit.handout.pages import HandoutPage, handout_pages, run
from lecturekit.handout.tools import CHROMIUM_FLAGS, chromium

NUPS = (2, 4)
DEFAULT_NUP = 2
SLIDE_WIDTH_PX = 1280
THEME_BODY_PX, THEME_CODE_PX = 32, 26
"""honwaka's body and code font sizes (themes/honwaka.css: `section`, `section pre code`)."""
MM_PER_PT = 25.4 / 72
A4_MM = (210.0, 297.0)

LONG_NOTES = {2: 480, 4: 330}
"""Characters of notes above which the notes are set in a smaller size."""
MAX_NOTES = {2: 760, 4: 470}
"""Characters of notes that fit their box in the smaller size (measured on printed pages);
longer notes would be cut off, so the build refuses them."""


@dataclass(frozen=True)
class Box:
    """A rectangle on the sheet in millimetres from the top-left corner."""

    x: float
    y: float
    w: float
    h: float

    def css(self) -> str:
        return f"left:{self.x}mm;top:{self.y}mm;width:{self.w}mm;height:{self.h}mm"


@dataclass(frozen=True)
class Layout:
    """Where things go on an A4 sheet for `nup` slides: one row per slide."""

    nup: int
    margin: float = 10.0
    header: float = 8.0

    @property
    def slide_width(self) -> float:
        return {2: 140.0, 4: 106.0}[self.nup]

    @property
    def row_height(self) -> float:
        return (A4_MM[1] - 2 * self.margin - self.header) / self.nup

    def row_top(self, index: int) -> float:
        return self.margin + self.header + index * self.row_height

    def slide(self, index: int, aspect: float) -> Box:
        return Box(self.margin, self.row_top(index) + 2, self.slide_width,
                   round(self.slide_width / aspect, 2))

    def notes(self, index: int, aspect: float) -> Box:
        """2-up: under the slide, across the sheet; 4-up: the column right of the slide."""
        slide = self.slide(index, aspect)
        bottom = self.row_top(index) + self.row_height - 2
        if self.nup == 2:
            top = slide.y + slide.h + 3
            return Box(self.margin, top, A4_MM[0] - 2 * self.margin, bottom - top)
        left = slide.x + slide.w + 5
        return Box(left, slide.y, A4_MM[0] - self.margin - left, bottom - slide.y)

    def side_lines(self, index: int, aspect: float) -> Box | None:
        """2-up only: ruled lines right of the slide."""
        if self.nup != 2:
            return None
        slide = self.slide(index, aspect)
        left = slide.x + slide.w + 5
        return Box(left, slide.y, A4_MM[0] - self.margin - left, slide.h)

    def printed_pt(self, px: float) -> float:
        """Printed size in points of text set at `px` on the 1280 px slide."""
        return px * self.slide_width / SLIDE_WIDTH_PX / MM_PER_PT


@dataclass(frozen=True)
class PrintedSlide:
    slide: Slide
    notes_html: str
    long: bool
    frame: Box
    notes: Box
    side_lines: Box | None


def check_notes_fit(deck: Deck, slide: Slide, notes: str, nup: int) -> None:
    if len(notes) <= MAX_NOTES[nup]:
        return
    line = next(c.line for c in slide.comments if c.is_note)
    raise DeckError(deck.path, line, f"presenter notes of "
                    f"\"{slide.title}\" are too long to print beside it in the {nup}-up "
                    f"handout ({len(notes)} characters, at most {MAX_NOTES[nup]}): shorten "
                    f"them{' or use NUP=2' if nup == 4 else ''}", slide=slide.number)


def printed_slides(deck: Deck, slides: list[Slide], nup: int,
                   aspect: float = 16 / 9) -> list[PrintedSlide]:
    """Each slide with its student notes (instructor notes left out) and its boxes."""
    markdown = MarkdownIt("commonmark", {"html": False, "breaks": True})
    layout = Layout(nup)
    printed = []
    for index, slide in enumerate(slides):
        notes = "\n\n".join(student_notes(slide))
        check_notes_fit(deck, slide, notes, nup)
        row = index % nup
        printed.append(PrintedSlide(slide, markdown.render(notes) if notes else "",
                                    len(notes) > LONG_NOTES[nup], layout.slide(row, aspect),
                                    layout.notes(row, aspect), layout.side_lines(row, aspect)))
    return printed


def frame_html(deck: Deck, slides: list[PrintedSlide], nup: int) -> str:
    pages = [slides[i:i + nup] for i in range(0, len(slides), nup)]
    title = str(deck.front_matter.get("title") or deck.name)
    layout = Layout(nup)
    header = Box(layout.margin, layout.margin, A4_MM[0] - 2 * layout.margin, layout.header - 1)
    return render("nup.html.j2", title=title, date=str(deck.front_matter.get("date") or ""),
                  pages=pages, nup=nup, header=header)


def expected_pages(slide_count: int, nup: int) -> int:
    return max(1, math.ceil(slide_count / nup))


def build_nup_pdf(deck: Deck, nup: int, stage: Path, pdf: Path,
                  slides_pdf: Path | None = None,
                  log: Callable[[str], None] = lambda _: None) -> int:
    """Write the n-up PDF to `pdf` (inside the staging folder); return its page count."""
    if nup not in NUPS:
        raise HandoutError(f"--nup must be one of {', '.join(map(str, NUPS))}, not {nup}")
    stage, pdf = stage.resolve(), pdf.resolve()
    pages = handout_pages(deck, stage, slides_pdf, log)
    box = pages[0].page.mediabox if pages else None
    aspect = float(box.width) / float(box.height) if box else 16 / 9
    slides = printed_slides(deck, [p.slide for p in pages], nup, aspect)
    html = stage / f"{deck.name}-nup.html"
    html.write_text(frame_html(deck, slides, nup), encoding="utf-8")
    frame = stage / f"{deck.name}-frame.pdf"
    run([chromium(), *CHROMIUM_FLAGS, "--no-pdf-header-footer", f"--print-to-pdf={frame}",
         html.as_uri()], "Chromium (print the handout sheets)")
    if not frame.is_file():
        raise HandoutError(f"Chromium wrote no {frame.name}")
    count = place_slides(frame, pages, slides, nup, pdf)
    if count != expected_pages(len(slides), nup):
        raise HandoutError(f"{deck.path}: the {nup}-up handout has {count} pages, expected "
                           f"{expected_pages(len(slides), nup)} for {len(slides)} slides "
                           f"(notes too long for their box?)")
    return count


def place_slides(frame: Path, pages: list[HandoutPage], slides: list[PrintedSlide], nup: int,
                 out: Path) -> int:
    """Draw each slide page, scaled, into its frame on the sheets Chromium printed; write `out`.

    Each slide page becomes a form XObject (its content stream and resources
    unchanged, so nothing is re-parsed or rasterised) drawn with one `cm`/`Do`;
    fonts and images the slide pages share are written once.
    """
    writer = PdfWriter(clone_from=PdfReader(frame))
    sheets = list(writer.pages)
    for index, (page, printed) in enumerate(zip(pages, slides, strict=True)):
        if index // nup >= len(sheets):
            break
        sheet = sheets[index // nup]
        box = page.page.mediabox
        scale = printed.frame.w / MM_PER_PT / float(box.width)
        left = printed.frame.x / MM_PER_PT - float(box.left) * scale
        bottom = (float(sheet.mediabox.height) - (printed.frame.y + printed.frame.h) / MM_PER_PT
                  - float(box.bottom) * scale)
        name = NameObject(f"/LkSlide{index}")
        resources = sheet[NameObject("/Resources")].get_object()
        xobjects = resources.setdefault(NameObject("/XObject"), DictionaryObject()).get_object()
        xobjects[name] = _form_xobject(writer, page.page)
        draw = DecodedStreamObject()
        draw.set_data(f"q {scale:.6f} 0 0 {scale:.6f} {left:.4f} {bottom:.4f} cm {name} Do Q"
                      .encode("ascii"))
        if index % nup == 0:
            _isolate_contents(writer, sheet)
        sheet[NameObject("/Contents")].get_object().append(writer._add_object(draw))
        writer.add_outline_item(title=printed.slide.title or f"スライド {printed.slide.number}",
                                page_number=index // nup)
    with out.open("wb") as stream:
        writer.write(stream)
    return len(sheets)


def _isolate_contents(writer: PdfWriter, sheet: PageObject) -> None:
    """Wrap the sheet's own drawing in q/Q, so what is drawn after starts from the page's
    default coordinates (Chromium leaves its scaling `cm` in force)."""
    contents = sheet[NameObject("/Contents")]
    resolved = contents.get_object()
    streams = list(resolved) if isinstance(resolved, ArrayObject) else [
        contents if isinstance(contents, IndirectObject) else writer._add_object(resolved)]
    save, restore = DecodedStreamObject(), DecodedStreamObject()
    save.set_data(b"q\n")
    restore.set_data(b"\nQ\n")
    sheet[NameObject("/Contents")] = ArrayObject(
        [writer._add_object(save), *streams, writer._add_object(restore)])


def _form_xobject(writer: PdfWriter, page: PageObject) -> IndirectObject:
    """The page as a form XObject in `writer`: same drawing, same resources, clipped to it."""
    contents = page[NameObject("/Contents")].get_object()
    parts = contents if isinstance(contents, ArrayObject) else [contents]
    form = DecodedStreamObject()
    form.set_data(b"\n".join(part.get_object().get_data() for part in parts))
    form.update({
        NameObject("/Type"): NameObject("/XObject"),
        NameObject("/Subtype"): NameObject("/Form"),
        NameObject("/BBox"): ArrayObject([FloatObject(v) for v in page.mediabox]),
        NameObject("/Resources"): page[NameObject("/Resources")].clone(writer),
    })
    return writer._add_object(form.flate_encode())
