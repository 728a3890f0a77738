"""dist/X-handout.pdf: A4, N slides per page, notes beside each slide or ruled lines."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from pypdf import PdfReader

from lecturekit.deck import read_deck
from lecturekit.deck.variants import is_handout_only_slide
from lecturekit.handout.build import Built
from lecturekit.handout.errors import HandoutError
from lecturekit.handout.notebook import in_handout
from lecturekit.handout.nup import build_nup_pdf

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
