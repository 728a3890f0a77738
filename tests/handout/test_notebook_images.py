"""Images in the student notebooks: an SVG becomes its PNG drawing, a data URI in the cell's
Markdown, which every viewer shows (Colab shows no cell attachment at all)."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import pytest

from lecturekit.deck import read_deck
from lecturekit.handout.exercises import exercises_notebook
from lecturekit.handout.notebook import deck_notebook
from lecturekit.handout.raster import svg_size
from lecturekit.render import tools

LECTURE = Path(__file__).parents[2] / "slides" / "03-autodiff.md"

pytestmark = pytest.mark.skipif(bool(tools.chromium_problem()), reason="needs Chromium")


@pytest.fixture(scope="module")
def lecture_notebooks():
    if not LECTURE.exists():
        pytest.skip(f"{LECTURE} is not written yet")
    deck = read_deck(LECTURE)
    return deck_notebook(deck), exercises_notebook(deck)


def test_svg_figures_are_png_drawings_at_twice_their_size_shown_at_their_own(
        lecture_notebooks):
    """A figure is an `<img>` of a data URI (Colab shows no attachment): the SVG's PNG
    drawing at twice its size, its `width` the SVG's, so it shows as large as on the slide
    and sharp; the slides' cream background is white; the exercises notebook alike."""
    from PIL import Image

    nb, exercises = lecture_notebooks
    shown = re.compile(r'<img src="data:image/png;base64,([^"]+)" alt="([^"]*)" width="(\d+)">')
    figures = [(m, c) for c in nb.cells if c.cell_type == "markdown"
               for m in shown.finditer(c.source)]
    assert len(figures) >= 7
    svgs = {p.stem: svg_size(p.read_text(encoding="utf-8"))
            for p in (LECTURE.parents[1] / "img").glob("*.svg")}
    for match, cell in figures:
        image = Image.open(io.BytesIO(base64.b64decode(match[1])))
        width = int(match[3])
        size = next(s for s in svgs.values() if abs(s[0] - width) <= 1
                    and abs(s[1] * image.width / image.height - s[0]) <= 3)
        assert abs(image.width - 2 * size[0]) <= 2 and abs(image.height - 2 * size[1]) <= 2
        assert match[2] and "center" not in match[2].split()   # alt without Marp keywords
        rgb = image.convert("RGB")
        assert rgb.getpixel((0, 0)) == (255, 255, 255)
        assert (255, 252, 246) not in {c for _, c in rgb.getcolors(1 << 22) or []}  # cream
        colours = rgb.getcolors(maxcolors=1 << 22)
        assert colours is None or len(colours) > 10  # a drawing, not a blank
        # an HTML block runs to a blank line: the Markdown after the figure stays Markdown
        after = cell.source[match.end():]
        assert not after.strip() or after.startswith("\n\n"), after[:40]
    for notebook in (nb, exercises):
        for cell in notebook.cells:
            assert "attachment:" not in cell.source and not cell.get("attachments")


def test_svg_size_reads_points_pixels_and_the_viewbox():
    assert svg_size('<svg width="552pt" height="345pt" viewBox="0 0 552 345">') == (736, 460)
    assert svg_size('<svg width="100" height="50px">') == (100, 50)
    assert svg_size('<svg viewBox="0 0 40 30">') == (40, 30)
    assert svg_size('<svg>') == (300, 150)
