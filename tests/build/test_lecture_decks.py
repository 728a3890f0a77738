"""Every lecture deck in slides/ builds cleanly: no overflow, missing image or warning."""

from __future__ import annotations

from pathlib import Path

import pytest
from build_helpers import ROOT, build
from pypdf import PdfReader

from lecturekit.deck import read_deck
from lecturekit.deck.variants import slides_kept

pytestmark = pytest.mark.render
LECTURES = sorted((ROOT / "slides").glob("*.md"))


@pytest.mark.parametrize("deck", LECTURES, ids=[p.stem for p in LECTURES])
def test_lecture_deck_builds_without_a_single_problem(deck: Path, tmp_path: Path) -> None:
    run = build(deck, tmp_path)
    assert run.code == 0, run.stdout + run.stderr
    assert run.stderr == ""
    slides = len(slides_kept(read_deck(deck)))
    assert f"checks ok ({slides} slides)" in run.stdout
    assert len(PdfReader(tmp_path / f"{deck.stem}.pdf").pages) == slides
