"""Marp layouts the build must count and measure as Marp renders them, and layout strictness.

`backgrounds.md` has advanced backgrounds (`![bg]`, split, multiple; extra
`background`/`pseudo` sections), local <audio>/<video>/<source>/poster files
that exist, and one slide with a background whose content overflows.
"""

from __future__ import annotations

import re

import pytest
from build_helpers import DECKS, build, line_of
from pypdf import PdfReader

pytestmark = pytest.mark.render
DECK = DECKS / "backgrounds.md"
OVERFLOW = re.compile(r"backgrounds\.md:(\d+): slide 4 \"背景つきで溢れる\" overflows its frame by "
                      r"(\d+)px at the bottom")


@pytest.fixture(scope="module")
def strict(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("strict")
    return build(DECK, out), out


@pytest.fixture(scope="module")
def warned(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("warn")
    return build(DECK, out, "--layout", "warn"), out


def test_only_the_overflowing_content_section_is_reported(strict) -> None:
    """Background sections are not slides, and existing media are not 'failing to load'."""
    run, out = strict
    assert run.code == 1
    problems = [ln for ln in run.stderr.splitlines() if not ln.startswith("[build]")]
    assert len(problems) == 1, run.stderr
    match = OVERFLOW.search(problems[0])
    assert match, problems[0]
    # The first list item that does not fit, not the slide's header line.
    assert int(match.group(1)) > line_of(DECK, "- 五行目")
    assert int(match.group(1)) <= line_of(DECK, "- 十四行目")
    assert ".build-" not in run.stderr and "tone.wav" not in run.stderr
    assert list(out.iterdir()) == []


def test_layout_warn_prints_the_same_text_and_publishes(strict, warned) -> None:
    run, out = warned
    assert run.code == 0, run.stderr
    strict_line = [ln for ln in strict[0].stderr.splitlines() if OVERFLOW.search(ln)][0]
    assert run.stderr.splitlines() == [f"warning: {strict_line}"]
    assert "checks ok (4 slides, 1 layout warnings)" in run.stdout
    assert len(PdfReader(out / "backgrounds.pdf").pages) == 4


def test_backgrounds_and_media_are_published_beside_the_html(warned) -> None:
    _, out = warned
    html = (out / "backgrounds.html").read_text(encoding="utf-8")
    assert 'data-marpit-advanced-background="background"' in html
    for name in ("grid.png", "tangent.png", "tone.wav"):
        assert (out / "img" / name).read_bytes() == (DECKS.parent / "img" / name).read_bytes()
