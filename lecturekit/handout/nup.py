"""The printable handout: N vector slide pages per A4 sheet, beside notes or ruled lines.

The slide pages are the handout variant's own PDF pages (`pages.handout_pages`:
rendered for paper, white with light rules, or with `--slide-colours` the
published slide PDF plus the few slides only handouts have), so text
and code stay text: selectable, searchable, sharp at any zoom, and their links
stay links (each link annotation of a slide page is carried onto the sheet,
its rectangle moved and scaled with the page).  Chromium prints the sheet
around them (title line, notes, ruled lines, an empty frame where each slide
goes) from a jinja2 page whose boxes are placed in millimetres by `Layout`;
pypdf then scales each slide page into its frame.  One geometry feeds both,
so the two cannot drift apart.

Every layout leaves at least 10 mm left and right of the sheet (`OUTSIDE_MM`, room
for binder holes), and everything on it -- title line, notes, ruled, cutting and
memo lines -- starts at the slides' left edge and ends where the slides (2-up) or
the notes column beside them (3-up, 4-up) end.

Each slide is named once, beside it: "スライド 12", its number in the slide
PDF, the one the projector shows (the paper rendering hides the slide's own
"n / total" pill; the sheet's folio reads "2 / 25 ページ").  An exercise
slide's label is followed by the page of its answers ("解答は p.37").  Notes
are followed by ruled lines (7 mm, `RULE_MM`); where a row has room under a
slide whose notes are beside it, ruled lines go there too (none of today's layouts
has such room).  Short
formulas and code in the notes never break across lines (`keep_together`).

The answer slides are printed last (`answers_last`), on sheets of their own (the
answers can be printed, or kept back, apart), after a heading of their
own ("解答", or "Answers" in an English deck) that lists each exercise's
answer pages; the PDF's bookmarks nest like the slide PDF's, the answer slides
under that heading (`handout_outline`).

A sheet is cut into 2 x N half rows: a slide takes two, a title or divider
slide (`lead`) with short notes takes one, drawn half as wide with its notes
beside it, so the 9 dividers of a lecture no longer take half a sheet each;
the answers heading takes one.  Half rows a sheet leaves empty after its
last slide (the next needs a whole row) are ruled memo lines.

Printed size of slide text = theme size (px) x placed width / 1280 px.  With
the honwaka theme (body 32 px, code 26.2 px, footnotes 24 px, its smallest text
-- page numbers, section tags -- 20 px): 2-up places slides 182 mm wide, centred
on the sheet (body 12.9 pt, code 10.5 pt, footnotes 9.7 pt, smallest 8.1 pt;
notes and ruled lines below); 3-up 145 mm wide, as tall as a third of the sheet
allows less a 40 mm column of notes or 11 ruled lines beside it (10.3, 8.4, 7.7 and
6.4 pt: for reading, the slides' text 1.26 times 4-up's); 4-up 115 mm wide, as
large as a quarter of the sheet's height allows, beside a 70 mm column (8.1, 6.7,
6.1 and 5.1 pt: for the least paper).  On paper the section tags and footnotes
are enlarged to 26 px (templates/paper.css): 10.5, 8.3 and 6.6 pt.  A 2 x 2 grid
would place them at most 95.5 mm wide on A4 portrait (two columns), smaller;
on landscape 139 mm but with no room for notes.  Only 2-up prints every text
>= 8 pt, so it is the default.  A compact divider is drawn at most 0.7 times
as wide (2-up: 117 mm, its 32 px text at 8.3 pt); a lead slide with code, a
formula or an image is not compact, and where a compact slide's body text
would print below 5 pt (4-up: 56 mm wide, 4 pt) only a slide of headings
alone is (`is_compact`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

from markdown_it import MarkdownIt
from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    Fit,
    FloatObject,
    IndirectObject,
    NameObject,
    NumberObject,
)

from lecturekit.deck import Deck, DeckError, Slide
from lecturekit.deck.variants import slides_kept
from lecturekit.handout import DEFAULT_NUP as DEFAULT_NUP  # re-exported: the CLI, tests
from lecturekit.handout import NUPS
from lecturekit.handout.errors import HandoutError
from lecturekit.handout.exercises import ANSWER, exercises
from lecturekit.handout.jinja import render
from lecturekit.handout.notebook import notebook_lang
from lecturekit.handout.notes import linked_urls, student_notes
from lecturekit.handout.pages import HandoutPage, handout_pages, run
from lecturekit.handout.tools import CHROMIUM_FLAGS, chromium
from lecturekit.render.outline import deck_bookmarks

T = TypeVar("T")

SLIDE_WIDTH_PX = 1280
THEME_BODY_PX, THEME_CODE_PX = 32, 26
"""honwaka's body and code font sizes (themes/honwaka.css: `section`, `section pre code`)."""
MM_PER_PT = 25.4 / 72
FRAME_GREY = 0.702
"""The slide frame's rule: #b3b3b3, 0.2 mm (drawn over the slide's edge)."""
FRAME_RULE_PT = 0.567
A4_MM = (210.0, 297.0)

LONG_NOTES = {2: 250, 3: 175, 4: 300}
"""Characters of notes above which the notes are set in a smaller size (7.5 pt)."""
MAX_NOTES = {2: 400, 3: 300, 4: 400}
"""Characters of notes that fit their box in the smaller size, longer notes would be cut off,
so the build refuses them.  Measured in Chromium on the printed sheets with notes of plain
Japanese prose, the widest text (full-width characters; notes mixing in code and formulas
fit ~50 more): the last length of 25-character steps that fits, a line or more to spare.
3-up holds the least: its notes column, beside slides 145 mm wide, is 40 mm wide."""
COMPACT_NOTES = 200
"""A `lead` slide with at most this many characters of notes takes half a row."""


@dataclass(frozen=True)
class Box:
    """A rectangle on the sheet in millimetres from the top-left corner."""

    x: float
    y: float
    w: float
    h: float

    def css(self) -> str:
        return f"left:{self.x}mm;top:{self.y}mm;width:{self.w}mm;height:{self.h}mm"


OUTSIDE_MM = 10.0
"""The least margin left and right of a sheet: room to punch binder holes (their centres
sit 6.5 mm from the edge, 5.5 mm wide), and to spare if a printer shrinks the page to fit."""
RULE_MM = 7.0
"""Pitch of the ruled writing lines (A罫, the wider of the two usual notebook rulings)."""
LABEL_MM = 5.0
"""Height of the "スライド 12" line that heads a notes column beside a slide."""


@dataclass(frozen=True)
class Cell:
    """Where one slide goes: its frame, its notes box (with ruled lines), the ruled box under
    the frame where a cell with notes beside the slide has room below it, and the cell's end."""

    frame: Box
    notes: Box
    bottom: float
    under: Box | None = None

    @property
    def side(self) -> bool:
        """The notes are in a column right of the slide (else under it, across the sheet)."""
        return self.notes.x > self.frame.x + self.frame.w

    def rules(self) -> int:
        """Ruled lines the cell has room for when the slide has no notes."""
        count = int((self.notes.h - (LABEL_MM if self.side else 0)) / RULE_MM)
        return count + (int(self.under.h / RULE_MM) if self.under else 0)


@dataclass(frozen=True)
class Layout:
    """Where things go on an A4 sheet for `nup` slides: 2 x nup half rows."""

    nup: int
    margin: float = 7.0
    """Above the title line and below the last row."""
    outside: float = OUTSIDE_MM
    """Left and right of everything on the sheet, at least (`OUTSIDE_MM`)."""
    header: float = 7.0

    @property
    def slide_width(self) -> float:
        """3-up: as wide as a 16:9 slide can be in a third of the sheet's height, less a
        notes column of 40 mm (its row is 92 mm; 145 mm wide, 81.6 mm high); 4-up: as wide
        as a slide can be in a quarter (its row, 69 mm, less 2 mm above and below)."""
        return {2: 182.0, 3: 145.0, 4: 115.0}[self.nup]

    @property
    def left(self) -> float:
        """Where the slides start, and with them everything on the sheet (title line, notes,
        ruled and cutting lines): 2-up centres the slide (14 mm from either edge); 3-up and
        4-up start it `outside` from the left edge, the notes column ending as far from
        the right edge."""
        return round((A4_MM[0] - self.slide_width) / 2, 2) if self.nup == 2 else self.outside

    @property
    def right(self) -> float:
        """Where the cells end, as far from the sheet's right edge as `left` from its left."""
        return A4_MM[0] - self.left

    @property
    def units(self) -> int:
        """Half rows per sheet: a slide takes two, a compact one (a divider) one."""
        return 2 * self.nup

    @property
    def unit_height(self) -> float:
        return (A4_MM[1] - 2 * self.margin - self.header) / self.units

    @property
    def row_height(self) -> float:
        return 2 * self.unit_height

    def unit_top(self, unit: int) -> float:
        return self.margin + self.header + unit * self.unit_height

    def cell(self, unit: int, aspect: float, compact: bool = False) -> Cell:
        """2-up: notes under the slide, across the sheet, the slide's label left of them;
        3-up and 4-up, and compact cells: notes in the column right of the slide, headed by
        its label, and ruled lines under the slide where one or more fit (3-up)."""
        top = self.unit_top(unit)
        bottom = top + (self.unit_height if compact else self.row_height)
        width = self.compact_width(aspect) if compact else self.slide_width
        left = self.left
        frame = Box(left, round(top + (1.5 if compact else 2), 2), round(width, 2),
                    round(width / aspect, 2))
        under = None
        if self.nup == 2 and not compact:
            notes_top = frame.y + frame.h + 2.5
            notes = Box(left, round(notes_top, 2), round(self.right - left, 2),
                        round(bottom - 1.5 - notes_top, 2))
        else:
            side = frame.x + frame.w + 5
            notes = Box(round(side, 2), frame.y, round(self.right - side, 2),
                        round(bottom - 2 - frame.y, 2))
            below = frame.y + frame.h + 1.5
            if bottom - 1.5 - below >= RULE_MM:
                under = Box(frame.x, round(below, 2), frame.w, round(bottom - 1.5 - below, 2))
        return Cell(frame, notes, round(bottom, 2), under)

    def compact_width(self, aspect: float) -> float:
        """Width of a compact slide: at most 0.7 of a slide's, and fitting its half row."""
        return min(self.slide_width * 0.7, (self.unit_height - 3) * aspect)

    def band(self, unit: int) -> Box:
        """A half row across the cells' width: the answers heading (`Heading`)."""
        top = self.unit_top(unit)
        return Box(self.left, round(top + 2, 2), round(self.right - self.left, 2),
                   round(self.unit_height - 4, 2))

    def slide(self, index: int, aspect: float) -> Box:
        """The frame of the `index`-th full-size slide of a sheet."""
        return self.cell(2 * index, aspect).frame

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
    sheet: int
    """0-based sheet the slide is printed on."""
    bottom: float
    """Where its cell ends on the sheet (mm), for the cutting line."""
    compact: bool = False
    label: str = ""
    """How the sheet names the slide: "スライド 12", its page number in the slide PDF (the
    number on the projector), or "配布資料のみ" for a slide only handouts have."""
    under: Box | None = None
    """Ruled lines under the slide (`Cell.under`)."""
    side: bool = True
    heading: Heading | None = None
    """The heading printed in the half row before this slide (the first answer slide's)."""
    xref: str = ""
    """Beside the label of an exercise slide: where its answers are ("解答は p.31"); beside
    an answer slide's, where its exercise is ("問題は p.12")."""
    xref_to: int = 0
    """The slide number `xref` links to (its frame's anchor `#slide-N`), 0 for none."""
    memo: Box | None = None
    """Ruled lines after the last slide of a sheet whose last half rows it could not fill
    (the next slide needs a whole row): writing room, not a blank band."""


@dataclass(frozen=True)
class Heading:
    """The divider the sheet prints before the answer slides, in a half row of its own."""

    title: str
    text: str
    box: Box
    bottom: float
    index: tuple[tuple[str, str, int], ...] = ()
    """(exercise title, "p.37–38", number of its first answer slide) of each exercise with
    answer slides, in order; each entry links to that slide."""


SAY = {
    "ja": {"answers": "解答", "answers_text": "演習の解答です。まず自分で解いてから見ましょう。",
           "xref": "解答は p.{}", "back": "問題は p.{}", "memo": "メモ"},
    "en": {"answers": "Answers", "answers_text": "The exercises' answers: try them yourself "
                                                 "first.", "xref": "Answers: p.{}",
           "back": "Exercise: p.{}", "memo": "Notes"},
}
"""The sheet's words in the deck's language (`notebook_lang`)."""


def check_notes_fit(deck: Deck, slide: Slide, notes: str, nup: int) -> None:
    if len(notes) <= MAX_NOTES[nup]:
        return
    line = next(c.line for c in slide.comments if c.is_note)
    other = next((n for n in sorted(NUPS, key=lambda n: -MAX_NOTES[n])
                  if n != nup and len(notes) <= MAX_NOTES[n]), None)
    raise DeckError(deck.path, line, f"presenter notes of "
                    f"\"{slide.title}\" are too long to print beside it in the {nup}-up "
                    f"handout ({len(notes)} characters, at most {MAX_NOTES[nup]}): shorten "
                    f"them{f' or use NUP={other}' if other else ''}", slide=slide.number)


MIN_COMPACT_TEXT_PT = 5.0
"""A compact slide whose body text would print smaller than this is compact only when its
text is headings alone (4-up: 32 px at 4 pt; its 60 px title at 7.6 pt)."""
_MATH = re.compile(r"\$\$|\$[^$\n]+\$|\\\(|\\\[")


def is_compact(slide: Slide, notes: str, layout: Layout | None = None,
               aspect: float = 16 / 9) -> bool:
    """A title or divider slide (`lead`) with short notes, holding no code, no formula and
    no image: drawn 0.63 times as wide (2-up), its 32 px text still prints at 8 pt, but
    code (27 px inline), a formula's scripts or a figure's labels would not, so a lead slide
    with any of them keeps a full row.  Where the compact drawing prints body text below
    `MIN_COMPACT_TEXT_PT` (4-up), only a slide of headings alone is drawn compact."""
    body = _body_text(slide)
    if not ("lead" in slide.classes and len(notes) <= COMPACT_NOTES and not slide.fences
            and not slide.images and "`" not in body and not _MATH.search(body)):
        return False
    layout = layout or Layout(DEFAULT_NUP)
    if layout.compact_width(aspect) / layout.slide_width * layout.printed_pt(THEME_BODY_PX) \
            >= MIN_COMPACT_TEXT_PT:
        return True
    text = re.sub(r"<!--.*?-->", "", body, flags=re.S)
    return all(line.lstrip().startswith("#") for line in text.splitlines() if line.strip())


def _body_text(slide: Slide) -> str:
    """The slide's Markdown without its HTML comments (directives, notes)."""
    text = slide.source
    for comment in slide.comments:
        text = text.replace(comment.text, "")
    return text


def printed_slides(deck: Deck, slides: list[Slide], nup: int,
                   aspect: float = 16 / 9) -> list[PrintedSlide]:
    """Each slide with its student notes (instructor notes left out), its sheet and boxes,
    in print order (`answers_last`).

    The answer slides are headed by a divider ("解答", `Heading`) in a half row of
    its own, kept on one sheet with the first answer slide; each exercise slide's
    label is followed by the handout page(s) of its answer slides (`xref`)."""
    markdown = MarkdownIt("commonmark", {"html": False, "breaks": True})
    layout = Layout(nup)
    say = SAY[notebook_lang(deck)]
    projected = {s.number: index for index, s in enumerate(slides_kept(deck), start=1)}
    printed = []
    sheet, unit = 0, 0
    for slide in answers_last(slides):
        notes = "\n\n".join(student_notes(slide))
        check_notes_fit(deck, slide, notes, nup)
        compact = is_compact(slide, notes, layout, aspect)
        need = 1 if compact else 2
        heading = None
        if ANSWER in slide.classes and not any(ANSWER in p.slide.classes for p in printed):
            if unit:   # the answers start a sheet: printed, or kept back, on their own
                sheet, unit = sheet + 1, 0
            band = layout.band(unit)
            heading = Heading(say["answers"], say["answers_text"], band,
                              round(layout.unit_top(unit + 1), 2))
            unit += 1
        if unit + need > layout.units:
            sheet, unit = sheet + 1, 0
        cell = layout.cell(unit, aspect, compact)
        unit += need
        label = (f"スライド {projected[slide.number]}" if slide.number in projected
                 else "配布資料のみ")
        html = keep_together(markdown.render(linked_urls(notes))) if notes else ""
        printed.append(PrintedSlide(slide, html, len(notes) > LONG_NOTES[nup], cell.frame,
                                    cell.notes, sheet, cell.bottom, compact, label, cell.under,
                                    cell.side, heading))
    return _with_memo_lines(_with_answer_pages(deck, printed, say), layout)


def _with_answer_pages(deck: Deck, printed: list[PrintedSlide],
                       say: dict[str, str]) -> list[PrintedSlide]:
    """Each exercise slide's `xref`: the handout page (1-based sheet) of its answer slides,
    "p.31" or "p.31–32", a link to the first; each answer slide's, the page of its exercise,
    a link back; the answers heading lists them all, each a link."""
    sheets = {p.slide.number: p.sheet + 1 for p in printed}
    where: dict[int, tuple[str, int]] = {}
    index: list[tuple[str, str, int]] = []
    for exercise in exercises(deck):
        answers = [a.number for a in exercise.answer_slides if a.number in sheets]
        if exercise.task is None or not answers or exercise.task.number not in sheets:
            continue
        pages = sorted({sheets[n] for n in answers})
        span = str(pages[0]) if len(pages) == 1 else f"{pages[0]}–{pages[-1]}"
        where[exercise.task.number] = (say["xref"].format(span), answers[0])
        for number in answers:
            where[number] = (say["back"].format(sheets[exercise.task.number]),
                             exercise.task.number)
        index.append((" ".join(exercise.task.title.split()) or f"{len(index) + 1}", f"p.{span}",
                      answers[0]))
    return [replace(p, xref=where.get(p.slide.number, ("", 0))[0],
                    xref_to=where.get(p.slide.number, ("", 0))[1],
                    heading=p.heading and replace(p.heading, index=tuple(index)))
            for p in printed]


MEMO_MIN_MM = 2 * RULE_MM
"""The least room after a sheet's last slide that is given ruled memo lines."""


def _with_memo_lines(printed: list[PrintedSlide], layout: Layout) -> list[PrintedSlide]:
    """The last slide of each sheet that ends above the sheet's last half row gets the room
    below it as ruled lines (`memo`), the sheet's leftover half row used for notes."""
    end = layout.unit_top(layout.units)
    last = {p.sheet: i for i, p in enumerate(printed)}
    out = list(printed)
    for i in last.values():
        p = printed[i]
        top = p.bottom + 2
        if end - 1.5 - top >= MEMO_MIN_MM:
            out[i] = replace(p, memo=Box(layout.left, round(top, 2),
                                         round(layout.right - layout.left, 2),
                                         round(end - 1.5 - top, 2)))
    return out


_TAG = re.compile(r"(<[^>]+>)")
_CODE = re.compile(r"<code>([^<]*)</code>")
_WORD = r"[A-Za-z0-9_.^'()\[\]]+(?:[-+][A-Za-z0-9_.^'()\[\]]+)*"
_TOGETHER = re.compile(rf"\$[^$<\n]+\$|{_WORD}(?:\s?[=<>≈≠≤≥+\-*/×÷→]=?\s?{_WORD})+"
                       rf"|[A-Za-z0-9_.]*[A-Za-z0-9][-+][A-Za-z0-9.]+")
KEEP_TOGETHER_CHARS = 24
"""A formula, an inline code span or a word with a hyphen up to this long is never broken
across lines of the printed notes ("h = 1e-8" would break after "h" or the hyphen)."""


def keep_together(html: str) -> str:
    """The notes' HTML with short formulas ("h = 1e-8", "$x^2$", "x + h") and short inline
    code in no-break spans; text inside links and longer runs break as before."""
    def code(match: re.Match[str]) -> str:
        short = len(match.group(1)) <= KEEP_TOGETHER_CHARS
        return f'<code class="nobr">{match.group(1)}</code>' if short else match.group(0)

    def text(part: str) -> str:
        return _TOGETHER.sub(lambda m: (f'<span class="nobr">{m.group(0)}</span>'
                                        if len(m.group(0)) <= KEEP_TOGETHER_CHARS
                                        else m.group(0)), part)

    parts, inside = [], 0
    for part in _TAG.split(_CODE.sub(code, html)):
        if part.startswith("<"):
            if re.match(r"<(a|code)\b", part):
                inside += 1
            elif re.match(r"</(a|code)>", part):
                inside -= 1
            parts.append(part)
        else:
            parts.append(part if inside else text(part))
    return "".join(parts)


def sheets_of(slides: list[PrintedSlide]) -> list[list[PrintedSlide]]:
    sheets: list[list[PrintedSlide]] = []
    for item in slides:
        if item.sheet == len(sheets):
            sheets.append([])
        sheets[item.sheet].append(item)
    return sheets


def frame_html(deck: Deck, slides: list[PrintedSlide], nup: int) -> str:
    title = deck.title
    layout = Layout(nup)
    header = Box(layout.left, layout.margin, round(layout.right - layout.left, 2),
                 layout.header - 1.5)
    return render("nup.html.j2", title=title, date=str(deck.front_matter.get("date") or ""),
                  pages=sheets_of(slides), nup=nup, header=header, rule_mm=RULE_MM,
                  cut=f"left:{layout.left}mm;width:{round(layout.right - layout.left, 2)}mm",
                  label_mm=LABEL_MM, memo=SAY[notebook_lang(deck)]["memo"])


def build_nup_pdf(deck: Deck, nup: int, stage: Path, pdf: Path,
                  slides_pdf: Path | None = None,
                  log: Callable[[str], None] = lambda _: None, paper: bool = True) -> int:
    """Write the n-up PDF to `pdf` (inside the staging folder); return its page count."""
    if nup not in NUPS:
        raise HandoutError(f"--nup must be one of {', '.join(map(str, NUPS))}, not {nup}")
    stage, pdf = stage.resolve(), pdf.resolve()
    pages = answers_last(handout_pages(deck, stage, slides_pdf, log, paper=paper),
                         lambda p: p.slide)
    box = pages[0].page.mediabox if pages else None
    aspect = float(box.width) / float(box.height) if box else 16 / 9
    slides = printed_slides(deck, [p.slide for p in pages], nup, aspect)
    html = stage / f"{deck.name}-nup.html"
    html.write_text(frame_html(deck, slides, nup), encoding="utf-8")
    frame = stage / f"{deck.name}-frame.pdf"
    run([chromium(), *CHROMIUM_FLAGS, "--no-pdf-header-footer", f"--print-to-pdf={frame}",
         html.as_uri()], "Chromium (print the handout sheets)", slides=len(slides))
    if not frame.is_file():
        raise HandoutError(f"Chromium wrote no {frame.name}")
    count = place_slides(frame, pages, slides, pdf)
    expected = max(1, len(sheets_of(slides)))
    if count != expected:
        raise HandoutError(f"{deck.path}: the {nup}-up handout has {count} pages, expected "
                           f"{expected} for {len(slides)} slides (notes too long for their box?)")
    return count


def answers_last(items: list[T], slide: Callable[[T], Slide] = lambda s: s) -> list[T]:
    """`items` (slides, or pages by their `slide`) with the answer slides (class `answer`)
    moved behind all the others, in their order: on paper, a task and its answer on one
    sheet give the answer away.  Each keeps its slide number, so a student finds it."""
    answers = [i for i in items if ANSWER in slide(i).classes]
    return [i for i in items if ANSWER not in slide(i).classes] + answers


def place_slides(frame: Path, pages: list[HandoutPage], slides: list[PrintedSlide],
                 out: Path) -> int:
    """Draw each slide page, scaled, into its frame on the sheets Chromium printed; write `out`.

    Each slide page becomes a form XObject (its content stream and resources
    unchanged, so nothing is re-parsed or rasterised) drawn with one `cm`/`Do`;
    fonts and images the slide pages share are written once.  Its links are
    carried onto the sheet (`_carry_links`).
    """
    writer = PdfWriter(clone_from=PdfReader(frame))
    sheets = list(writer.pages)
    started: set[int] = set()
    for index, (page, printed) in enumerate(zip(pages, slides, strict=True)):
        if printed.sheet >= len(sheets):
            break
        sheet = sheets[printed.sheet]
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
        # the slide, then its frame's thin grey rule drawn over its edge: a rule the sheet
        # drew under the slide would be hidden wherever the slide's white page covers it
        fx, fw, fh = (v / MM_PER_PT for v in (printed.frame.x, printed.frame.w, printed.frame.h))
        fy = float(sheet.mediabox.height) - (printed.frame.y + printed.frame.h) / MM_PER_PT
        draw.set_data((f"q {scale:.6f} 0 0 {scale:.6f} {left:.4f} {bottom:.4f} cm {name} Do Q "
                       f"q {FRAME_GREY} {FRAME_GREY} {FRAME_GREY} RG {FRAME_RULE_PT} w "
                       f"{fx:.4f} {fy:.4f} {fw:.4f} {fh:.4f} re S Q")
                      .encode("ascii"))
        if printed.sheet not in started:
            _isolate_contents(writer, sheet)
            started.add(printed.sheet)
        sheet[NameObject("/Contents")].get_object().append(writer._add_object(draw))
        _carry_links(writer, page.page, sheet, scale, left, bottom)
    _write_outline(writer, slides)
    with out.open("wb") as stream:
        writer.write(stream)
    return len(sheets)


@dataclass(frozen=True)
class Mark:
    """A bookmark of the handout: its title, the sheet (0-based) and the height on it (mm
    from the top) it opens at, and the bookmarks below it."""

    title: str
    sheet: int
    top: float
    children: list[Mark]


def handout_outline(slides: list[PrintedSlide]) -> list[Mark]:
    """The handout's bookmarks, nested as the slide PDF's (`render.outline.deck_bookmarks`:
    title, section dividers and back matter at the top, each section's slides below its
    divider), each opening at its slide on its sheet; the answer slides, printed last, hang
    below the answers heading."""
    answers = next((i for i, p in enumerate(slides) if p.heading is not None), len(slides))
    body = slides[:answers]
    tree: list[Mark] = []
    for mark in deck_bookmarks([p.slide for p in body]):
        printed = body[mark.page]
        entry = Mark(mark.title, printed.sheet, printed.frame.y, [])
        if mark.top or not tree:
            tree.append(entry)
        else:
            tree[-1].children.append(entry)
    if answers < len(slides):
        heading = slides[answers].heading
        assert heading is not None
        tree.append(Mark(heading.title, slides[answers].sheet, heading.box.y,
                         [Mark(p.slide.title.strip(), p.sheet, p.frame.y, [])
                          for p in slides[answers:] if p.slide.title.strip()]))
    return tree


def _write_outline(writer: PdfWriter, slides: list[PrintedSlide]) -> None:
    """`handout_outline` as the PDF's outline (open, as the slide PDF's), shown on opening."""
    def add(marks: list[Mark], parent: IndirectObject | None) -> None:
        for mark in marks:
            sheet = writer.pages[mark.sheet]
            top = float(sheet.mediabox.height) - max(0.0, mark.top - 3) / MM_PER_PT
            item = writer.add_outline_item(title=mark.title, page_number=mark.sheet, parent=parent,
                                           fit=Fit.xyz(left=0, top=round(top, 2)))
            add(mark.children, item)

    add(handout_outline(slides), None)
    writer.page_mode = "/UseOutlines"


def _carry_links(writer: PdfWriter, page: PageObject, sheet: PageObject, scale: float,
                 left: float, bottom: float) -> None:
    """The slide page's web links as link annotations of the sheet, over the scaled page.

    Links to a place in the slide PDF itself (`/Dest`, `GoTo`) are left out:
    the page they point to is not a page of the handout."""
    for ref in page.get(NameObject("/Annots")) or []:
        annot = ref.get_object()
        action = annot.get(NameObject("/A"))
        action = action.get_object() if action is not None else None
        if annot.get(NameObject("/Subtype")) != "/Link" or action is None \
                or action.get(NameObject("/S")) != "/URI":
            continue
        x1, y1, x2, y2 = (float(v) for v in annot[NameObject("/Rect")])
        link = DictionaryObject({
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject([FloatObject(round(v, 3)) for v in (
                left + x1 * scale, bottom + y1 * scale, left + x2 * scale, bottom + y2 * scale)]),
            NameObject("/Border"): ArrayObject([NumberObject(0)] * 3),
            NameObject("/A"): action.clone(writer),
        })
        annots = sheet.get(NameObject("/Annots"))
        if annots is None:
            annots = ArrayObject()
            sheet[NameObject("/Annots")] = annots
        annots.get_object().append(writer._add_object(link))


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
