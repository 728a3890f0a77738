"""The committed figures in img/ are what the figure code draws today, byte for byte."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lecture_figures import FIGURES, FigureError, Stale, render_into, select, stale_figures
from lecture_figures.cli import main
from lecture_figures.svg import svg_size_pt

ROOT = Path(__file__).resolve().parents[2]
IMG = ROOT / "img"


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("fresh")
    render_into(FIGURES, out)
    return out


def test_committed_figures_match_a_fresh_render(fresh: Path) -> None:
    stale = stale_figures(FIGURES, fresh, IMG)
    assert stale == [], f"figures out of date, run `make figures`: {stale}"


def test_a_render_in_another_process_is_byte_identical(fresh: Path, tmp_path: Path) -> None:
    env = os.environ | {"PYTHONHASHSEED": "12345"}
    subprocess.run(
        [sys.executable, str(ROOT / "scripts/figures/make_figures.py"), "--img-dir", str(tmp_path)],
        check=True, capture_output=True, env=env,
    )
    for figure in FIGURES:
        again = (tmp_path / figure.filename).read_bytes()
        assert again == (fresh / figure.filename).read_bytes(), figure.filename


def test_rendering_leaves_only_the_figures_behind(fresh: Path) -> None:
    assert sorted(path.name for path in fresh.iterdir()) == sorted(f.filename for f in FIGURES)


def test_figures_carry_no_date_version_or_live_text(fresh: Path) -> None:
    for figure in FIGURES:
        svg = (fresh / figure.filename).read_text(encoding="utf-8")
        assert "<dc:date>" not in svg and "Matplotlib v" not in svg, figure.filename
        # Text is drawn as outlines: no font is needed where the slides are shown.
        assert re.search(r"<text\b", svg) is None, figure.filename


def test_figures_are_vector_with_no_embedded_raster(fresh: Path) -> None:
    for figure in FIGURES:
        svg = (fresh / figure.filename).read_text(encoding="utf-8")
        assert svg.lstrip().startswith(("<?xml", "<svg")), figure.filename
        assert "<image" not in svg and "data:image/png" not in svg, figure.filename


def test_figures_fit_a_1280x720_slide(fresh: Path) -> None:
    for figure in FIGURES:
        width, height = svg_size_pt((fresh / figure.filename).read_bytes())
        assert width * 4 / 3 <= 1152 and height * 4 / 3 <= 720, (figure.filename, width, height)


def test_smallest_text_scales_with_the_width_the_figure_is_shown_at(fresh: Path) -> None:
    [figure] = select(["fd-error"])
    svg = (fresh / figure.filename).read_bytes()
    width_pt, _ = svg_size_pt(svg)
    assert min(figure.text_sizes_pt()) == 16
    # Shown at its natural size a point is 4/3 px; at half that width, half as much.
    assert figure.smallest_text_px(width_pt * 4 / 3, svg) == pytest.approx(16 * 4 / 3)
    assert figure.smallest_text_px(width_pt * 2 / 3, svg) == pytest.approx(16 * 2 / 3)


def test_graph_text_sizes_come_from_the_layout() -> None:
    [figure] = select(["graph-uv-paths"])
    # variables and operations at 24 pt, the partial derivatives on the edges at 22 pt
    # (31 px at the lecture's w:900: read from the back row), the 引く数 mark on the
    # edge into "−" at 18 pt
    assert sorted(set(figure.text_sizes_pt())) == [18.0, 22.0, 24.0]


def test_missing_and_changed_figures_are_reported_by_name(fresh: Path, tmp_path: Path) -> None:
    for figure in FIGURES:
        shutil.copy(fresh / figure.filename, tmp_path / figure.filename)
    (tmp_path / "graph-xt.svg").unlink()
    changed = (tmp_path / "fd-error.svg").read_bytes().replace(b"#36342f", b"#000000", 1)
    (tmp_path / "fd-error.svg").write_bytes(changed)
    (tmp_path / "graph-uv.svg").write_bytes(b"not an svg")

    assert stale_figures(FIGURES, fresh, tmp_path) == [
        Stale("fd-error.svg", "differs from a fresh render"),
        Stale("graph-xt.svg", "missing"),
        Stale("graph-uv.svg", "not an SVG document"),
    ]


def test_a_resized_figure_reports_both_sizes(fresh: Path, tmp_path: Path) -> None:
    svg = (fresh / "graph-xt.svg").read_bytes()
    width, height = svg_size_pt(svg)
    resized = re.sub(rb'width="[\d.]+pt"', b'width="100pt"', svg, count=1)
    (tmp_path / "graph-xt.svg").write_bytes(resized)
    assert stale_figures(select(["graph-xt"]), fresh, tmp_path) == [
        Stale("graph-xt.svg", f"size 100x{height:g}pt, a fresh render is {width:g}x{height:g}pt")
    ]


def test_check_mode_exits_1_and_names_the_missing_figure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--check", "--img-dir", str(tmp_path), "graph-xt"]) == 1
    err = capsys.readouterr().err
    assert f"stale: {tmp_path / 'graph-xt.svg'}: missing" in err
    assert "1 figure(s) out of date; run `make figures`" in err
    assert not (tmp_path / "graph-xt.svg").exists()


def test_check_mode_passes_on_current_figures(
    fresh: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--check", "--img-dir", str(fresh), "graph-xt", "graph-uv"]) == 0
    assert f"all 2 figure(s) in {fresh} are current" in capsys.readouterr().out


def test_a_current_figure_is_not_rewritten(fresh: Path, tmp_path: Path) -> None:
    shutil.copy(fresh / "graph-xt.svg", tmp_path / "graph-xt.svg")
    before = (tmp_path / "graph-xt.svg").stat().st_mtime_ns
    [rendered] = render_into(select(["graph-xt"]), tmp_path)
    assert rendered.status == "unchanged"
    assert (tmp_path / "graph-xt.svg").stat().st_mtime_ns == before


def test_unknown_figure_name_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph-zz"]) == 2
    assert "unknown figure(s): graph-zz" in capsys.readouterr().err


def test_a_glyph_missing_from_the_font_fails_the_figure() -> None:
    from matplotlib.figure import Figure

    from lecture_figures.mpl import render_matplotlib

    def tofu() -> Figure:
        figure = Figure(figsize=(2, 1))
        figure.text(0.1, 0.5, "\N{CAT FACE}")
        return figure

    with pytest.raises(FigureError, match=r"^tofu: matplotlib warned: .*[Gg]lyph .* missing"):
        render_matplotlib("tofu", tofu)


def test_a_graph_font_that_is_not_installed_fails_the_figure() -> None:
    import graphviz

    from lecture_figures.dot import render_dot

    graph = graphviz.Digraph()
    graph.node("a", fontname="No Such Font Sans")
    with pytest.raises(FigureError, match=r"^ghost: font 'No Such Font Sans' is not installed"):
        render_dot("ghost", graph)


PHONE_COLUMN_PX = 336
"""The reading page's text column on a 390 px phone (the page's and the slide's padding off)."""
PHONE_HALF_HEIGHT_PX = 422
"""Half an 844 px tall phone screen: the tallest the reading page draws a figure there."""


def phone_width(svg: bytes) -> float:
    width, height = svg_size_pt(svg)
    return min(PHONE_COLUMN_PX, PHONE_HALF_HEIGHT_PX * width / height)


def test_graph_labels_read_at_12px_on_a_phone_through_the_narrow_variants(fresh: Path) -> None:
    """A graph figure whose labels a 390 px phone would draw under 12 px has a narrow variant
    (top to bottom) beside it, whose labels are 12 px or more there; the reading page serves
    that variant to phones."""
    variants = {f.narrow_of: f for f in FIGURES if f.narrow_of}
    assert set(variants) == {"graph-uv.svg", "graph-uv-paths.svg"}
    for figure in FIGURES:
        if figure.kind != "dot" or figure.narrow_of:
            continue
        svg = (fresh / figure.filename).read_bytes()
        drawn = variants.get(figure.filename, figure)
        drawn_svg = (fresh / drawn.filename).read_bytes()
        px = drawn.smallest_text_px(phone_width(drawn_svg), drawn_svg)
        assert px >= 12, (figure.filename, drawn.filename, round(px, 1))
        if figure.filename in variants:   # the variant is needed: the figure alone reads small
            assert figure.smallest_text_px(phone_width(svg), svg) < 12, figure.filename
