"""A display formula too wide for a phone's column is also typeset broken into lines.

The reading HTML shows those lines on phones (the CSS: tests/handout/test_reading_phone.py
measures them in Chromium); here, where the lines break: at the `\\qquad` between side-by-side
formulas first, then before relations, then before + - between terms, only at the formula's top
level, pieces joined again while a row fits, and never for a formula that fits or has no such
place.  A row of the lines is a MathJax `mtr` node, so the rows are counted in the SVG.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lecturekit.deck import parse_deck
from lecturekit.handout import html

LONG = r"\frac{\partial z}{\partial x}\frac{\partial x}{\partial u}"   # about 8 ex


def typeset(tex: str, tmp_path: Path) -> list[str]:
    """The display containers MathJax writes for `$$tex$$`, each as its opening tag + SVG."""
    deck = parse_deck("---\nmarp: true\n---\n\n# a\n", tmp_path / "deck.md")
    page = html.typeset_math(f"<main><p>$${tex}$$</p></main>", deck)
    return re.findall(r'<mjx-container class="MathJax" jax="SVG" display="true"[^>]*>.*?'
                      r'</mjx-container>', page, re.S)


def rows(container: str) -> int:
    return container.count('data-mml-node="mtr"')


@pytest.fixture(scope="module")
def tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("math")


def test_a_formula_that_fits_a_phone_is_typeset_once(tmp: Path):
    assert len(typeset(r"a = b + c", tmp)) == 1


def test_side_by_side_formulas_are_put_one_under_the_other(tmp: Path):
    wide, narrow = typeset(rf"z_u = {LONG} + {LONG} \qquad z_v = {LONG} + {LONG}", tmp)
    assert "data-lk-wide" in wide and "data-lk-narrow" in narrow
    assert rows(narrow) == 2
    assert 'aria-label="z_u = ' in narrow   # named by the formula as written, as the wide one


def test_a_chain_of_equalities_breaks_before_its_later_relations(tmp: Path):
    _, narrow = typeset(rf"z = {LONG} {LONG} = {LONG} {LONG} = {LONG} {LONG} \approx 8", tmp)
    assert first_glyphs(narrow) == ["z", "=", "="]   # "≈ 8" fits on the row before it
    assert glyphs(row_texts(narrow)[2])[-2:] == ["≈", "8"]
    assert "=" in glyphs(row_texts(narrow)[0])   # the first row: z and its "=" (aligned on it)


def test_a_long_sum_breaks_before_its_terms_and_a_leading_minus_stays(tmp: Path):
    _, narrow = typeset(rf"f = -{LONG} + {LONG} + {LONG} + {LONG} + {LONG}", tmp)
    assert first_glyphs(narrow) == ["f", "+"]   # terms joined on a row while it fits
    assert glyphs(row_texts(narrow)[0])[:3] == ["f", "=", "−"]   # the unary minus stays
    assert width_ex(narrow) <= html.PHONE_COLUMN_EX


def test_nothing_breaks_inside_brackets_braces_or_environments(tmp: Path):
    inside = "+".join([LONG] * 6)
    for tex in (rf"f = \left({inside}\right)", rf"f = {{{inside}}}",
                rf"f = \begin{{pmatrix}} {inside} \end{{pmatrix}}"):
        assert len(typeset(tex, tmp)) == 1, tex


def width_ex(container: str) -> float:
    return float(re.search(r'<svg[^>]*?\swidth="([\d.]+)ex"', container)[1])


def row_texts(container: str) -> list[str]:
    return container.split('data-mml-node="mtr"')[1:]


def glyphs(row: str) -> list[str]:
    """The characters a row draws, in order (MathJax names each glyph's code point)."""
    letters = {"1D467": "z", "1D453": "f"}
    return [letters.get(code, chr(int(code, 16)))
            for code in re.findall(r'data-c="([0-9A-F]+)"', row)]


def first_glyphs(container: str) -> list[str]:
    return [glyphs(row)[0] for row in row_texts(container)]
