"""dist/X-handout.pdf: A4, N slides per page, notes beside each slide or ruled lines."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from pypdf import PdfReader

from lecturekit.deck import DeckError, parse_deck, read_deck
from lecturekit.deck.variants import is_handout_only_slide
from lecturekit.handout.build import Built
from lecturekit.handout.errors import HandoutError
from lecturekit.handout.notebook import in_handout
from lecturekit.handout.nup import MAX_NOTES, build_nup_pdf, printed_slides

MINI = Path(__file__).parent / "fixtures" / "mini.md"
A4_POINTS = (595, 842)


def printed_slide_count() -> int:
    deck = read_deck(MINI)
    return sum(1 for s in deck.slides if in_handout(s) and not is_handout_only_slide(s))


def page_size(reader: PdfReader) -> tuple[int, int]:
    box = reader.pages[0].mediabox
    return round(float(box.width)), round(float(box.height))


def test_slides_printed_leave_out_handout_only_and_slides_only_slides():
    assert printed_slide_count() == len(read_deck(MINI).slides) - 2


def test_four_up_pdf_has_ceil_slides_over_four_a4_pages(built: Built):
    reader = PdfReader(built.artefacts.pdf)
    assert len(reader.pages) == math.ceil(printed_slide_count() / 4) == built.pages
    assert page_size(reader) == A4_POINTS


def test_presenter_notes_are_printed_beside_their_slide(built: Built):
    text = "".join(page.extract_text() for page in PdfReader(built.artefacts.pdf).pages)
    assert "ここで黒板に接線を描く" in text
    assert "配布資料にだけ載る補足です" not in text


def test_two_up_pdf_has_ceil_slides_over_two_pages_from_relative_paths(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    Path("stage").mkdir()
    pages = build_nup_pdf(read_deck(MINI), 2, Path("stage"), Path("two.pdf"))
    reader = PdfReader(tmp_path / "two.pdf")
    assert len(reader.pages) == pages == math.ceil(printed_slide_count() / 2)
    assert page_size(reader) == A4_POINTS


def test_other_slide_counts_per_page_are_refused(tmp_path: Path):
    with pytest.raises(HandoutError, match="--nup must be one of 2, 4, not 3"):
        build_nup_pdf(read_deck(MINI), 3, tmp_path, tmp_path / "x.pdf")


def test_notes_too_long_for_their_box_are_refused_at_their_line_not_cut_off():
    notes = "話す内容。" * (MAX_NOTES[4] // 5 + 1)
    deck = parse_deck(f"---\nmarp: true\n---\n\n# 一枚目\n\n---\n\n<!-- _header: 長いノート -->\n"
                      f"\n<!-- {notes} -->\n", "long.md")
    images = [Path(f"slide.{n:03}.png") for n in (1, 2)]
    with pytest.raises(DeckError) as info:
        printed_slides(deck, images, 4)
    assert str(info.value) == (
        f'long.md:11 (slide 2): presenter notes of "長いノート" are too long to print beside it '
        f"in the 4-up handout ({len(notes)} characters, at most {MAX_NOTES[4]}): shorten them "
        f"or use NUP=2")
    assert [p.slide.number for p in printed_slides(deck, images, 2)] == [1, 2]
