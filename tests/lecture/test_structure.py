"""The lecture's structure is what a reader can navigate by.

The agenda names the section dividers with the same numbers and words,
exercises are numbered 1..n in order, every answer belongs to an exercise,
boxes are not labelled twice, and the deck closes with a summary and
references that say who and where.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lecturekit.deck import read_deck
from lecturekit.deck.model import Slide

LECTURE = Path(__file__).resolve().parents[2] / "slides" / "03-autodiff.md"
THEME_LABELS = {"def": "定義", "thm": "定理", "proof": "手順", "goal": "目標", "note": "ポイント"}


@pytest.fixture(scope="module")
def slides() -> list[Slide]:
    return read_deck(LECTURE).slides


def _body(slide: Slide) -> str:
    """The slide's text without HTML comments (directives and presenter notes)."""
    return re.sub(r"<!--.*?-->", "", slide.source, flags=re.S)


def _divider_titles(slides: list[Slide]) -> list[str]:
    """Headings of lead slides that open a part: "1. …" or "付録…"."""
    return [heading for slide in slides if "lead" in slide.classes
            for level, heading, _ in slide.headings[:1]
            if level == 1 and re.match(r"\d+\. |付録", heading)]


def test_the_agenda_names_the_dividers_in_order(slides: list[Slide]) -> None:
    [agenda] = [slide for slide in slides if slide.header == "今日の内容"]
    entries = [f"{number}. {title}" if number else title
               for number, title in re.findall(r"^(?:(\d+)\. )?(\S.*)$", _body(agenda), re.M)
               if not title.startswith("<")]
    assert entries == _divider_titles(slides)
    assert entries[0].startswith("1. ") and entries[-1].startswith("付録")


def test_exercises_are_numbered_one_to_n_in_order(slides: list[Slide]) -> None:
    exercises = [slide for slide in slides if "exercise" in slide.classes]
    numbers = []
    for slide in exercises:
        match = re.match(r"演習(\d+)", slide.header or "")
        assert match, f"slide {slide.number}: exercise without a number: {slide.header!r}"
        numbers.append(int(match.group(1)))
    assert numbers == list(range(1, len(numbers) + 1))


def test_every_answer_belongs_to_an_exercise_before_it(slides: list[Slide]) -> None:
    seen: set[int] = set()
    answers = 0
    for slide in slides:
        number = re.match(r"演習(\d+)", slide.header or "")
        if "exercise" in slide.classes and number:
            seen.add(int(number.group(1)))
        if "answer" in slide.classes:
            answers += 1
            assert number and int(number.group(1)) in seen, (slide.number, slide.header)
            for fence in slide.code_blocks:
                ident = fence.value("answer")
                if ident:
                    assert ident.split("-")[0] == number.group(1), (slide.number, ident)
    assert answers >= len(seen)


def test_no_box_types_its_own_label_again(slides: list[Slide]) -> None:
    doubled = []
    for slide in slides:
        for kind, first in re.findall(r'<div class="(\w+)">\s*\n\s*\n\s*(\S[^\n]*)', slide.source):
            label = THEME_LABELS.get(kind)
            if label and re.match(rf"\*\*({label}|結果|ゴール|目標|定理)\*\*", first):
                doubled.append((slide.number, kind, first))
    assert doubled == []


def test_the_deck_closes_with_a_summary_and_references(slides: list[Slide]) -> None:
    headers = [slide.header for slide in slides]
    assert "まとめ" in headers[-4:]
    [references] = [slide for slide in slides if slide.header == "参考文献"]
    text = _body(references)
    assert "abap34「Juliaで歩く自動微分」" in text
    assert "https://speakerdeck.com/abap34/" in text
    assert "久保田光一・伊理正夫" in text


def test_images_alt_text_is_words_for_the_reader_not_a_placement_keyword(
        slides: list[Slide]) -> None:
    """The theme centres an image alone in its paragraph; `center` would be read aloud."""
    alts = [(slide.number, alt) for slide in slides
            for alt in re.findall(r"!\[([^\]]*)\]\(", _body(slide))]
    assert len(alts) == 7
    assert [(number, alt) for number, alt in alts if "center" in alt.split()] == []
    assert [(number, alt) for number, alt in alts
            if not re.sub(r"^(?:[wh]:\d+\s+)*", "", alt).strip()] == []
