"""Images in the student notebooks: an SVG becomes its PNG drawing, which every viewer shows
(JupyterLab renders no SVG attachment; GitHub and Colab may not either)."""

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


def test_svg_figures_are_attached_as_png_drawings_at_their_own_size(lecture_notebooks):
    """A notebook shows a Markdown image at its pixel size: the drawing is the SVG's size,
    so a figure shows as large as on the slide; the slides' cream background is white."""
    from PIL import Image

    nb, _ = lecture_notebooks
    attached = {name: bundle for c in nb.cells for name, bundle in c.get("attachments",
                                                                         {}).items()}
    assert len(attached) >= 7
    for name, bundle in attached.items():
        assert list(bundle) == ["image/png"] and name.endswith(".png"), name
        svg = next((LECTURE.parents[1] / "img").glob(Path(name).stem + ".svg")).read_text(
            encoding="utf-8")
        width, height = svg_size(svg)
        image = Image.open(io.BytesIO(base64.b64decode(bundle["image/png"])))
        assert abs(image.width - width) <= 2 and abs(image.height - height) <= 2, name
        rgb = image.convert("RGB")
        assert rgb.getpixel((0, 0)) == (255, 255, 255), name
        assert (255, 252, 246) not in {c for _, c in rgb.getcolors(1 << 20) or []}, name  # cream
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
        assert colours is None or len(colours) > 10, name  # a drawing, not a blank
    for cell in nb.cells:
        for name in re.findall(r"attachment:([^)\s]+)", cell.source):
            assert name in cell.get("attachments", {}), name


def test_svg_size_reads_points_pixels_and_the_viewbox():
    assert svg_size('<svg width="552pt" height="345pt" viewBox="0 0 552 345">') == (736, 460)
    assert svg_size('<svg width="100" height="50px">') == (100, 50)
    assert svg_size('<svg viewBox="0 0 40 30">') == (40, 30)
    assert svg_size('<svg>') == (300, 150)
