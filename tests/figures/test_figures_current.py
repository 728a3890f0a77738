"""The committed figures in img/ are what the figure code draws today."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from lecturekit.figures import FIGURES, FigureError, Stale, render_into, select, stale_figures
from lecturekit.figures.cli import main
from lecturekit.figures.png import encode_png

ROOT = Path(__file__).resolve().parents[2]
IMG = ROOT / "img"


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("fresh")
    render_into(FIGURES, out)
    return out


def _chunk_types(data: bytes) -> list[bytes]:
    types, at = [], 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        types.append(data[at + 4 : at + 8])
        at += 12 + length
    return types


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


def test_figures_carry_no_text_or_time_chunks(fresh: Path) -> None:
    for figure in FIGURES:
        types = set(_chunk_types((fresh / figure.filename).read_bytes()))
        assert types == {b"IHDR", b"IDAT", b"IEND"}, (figure.filename, types)


def test_figures_fit_a_1280x720_slide(fresh: Path) -> None:
    for figure in FIGURES:
        with Image.open(fresh / figure.filename) as image:
            width, height = image.size
        assert width <= 1000 and height <= 720, (figure.filename, image.size)


def test_missing_and_changed_figures_are_reported_by_name(fresh: Path, tmp_path: Path) -> None:
    for figure in FIGURES:
        shutil.copy(fresh / figure.filename, tmp_path / figure.filename)
    (tmp_path / "graph-xt.png").unlink()
    with Image.open(tmp_path / "fd-error.png") as image:
        changed = image.copy()
    changed.putpixel((10, 10), (0, 0, 0))
    (tmp_path / "fd-error.png").write_bytes(encode_png(changed))
    (tmp_path / "graph-uv.png").write_bytes(b"not a png")

    assert stale_figures(FIGURES, fresh, tmp_path) == [
        Stale("fd-error.png", "pixels differ from a fresh render"),
        Stale("graph-xt.png", "missing"),
        Stale("graph-uv.png", "not a readable PNG"),
    ]


def test_a_resized_figure_reports_both_sizes(fresh: Path, tmp_path: Path) -> None:
    with Image.open(fresh / "graph-xt.png") as image:
        smaller = image.resize((100, 40))
    (tmp_path / "graph-xt.png").write_bytes(encode_png(smaller))
    assert stale_figures(select(["graph-xt"]), fresh, tmp_path) == [
        Stale("graph-xt.png", f"size 100x40, a fresh render is {image.width}x{image.height}")
    ]


def test_check_mode_exits_1_and_names_the_missing_figure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--check", "--img-dir", str(tmp_path), "graph-xt"]) == 1
    err = capsys.readouterr().err
    assert f"stale: {tmp_path / 'graph-xt.png'}: missing" in err
    assert "1 figure(s) out of date; run `make figures`" in err
    assert not (tmp_path / "graph-xt.png").exists()


def test_check_mode_passes_on_current_figures(
    fresh: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--check", "--img-dir", str(fresh), "graph-xt", "graph-uv"]) == 0
    assert f"all 2 figure(s) in {fresh} are current" in capsys.readouterr().out


def test_same_pixels_in_other_bytes_are_left_alone(fresh: Path, tmp_path: Path) -> None:
    with Image.open(fresh / "graph-xt.png") as image:
        recompressed = tmp_path / "graph-xt.png"
        image.save(recompressed, format="PNG", compress_level=1)
    before = recompressed.read_bytes()
    [rendered] = render_into(select(["graph-xt"]), tmp_path)
    assert rendered.status == "unchanged"
    assert recompressed.read_bytes() == before


def test_unknown_figure_name_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph-zz"]) == 2
    assert "unknown figure(s): graph-zz" in capsys.readouterr().err


def test_a_glyph_missing_from_the_font_fails_the_figure() -> None:
    from matplotlib.figure import Figure

    from lecturekit.figures.mpl import render_matplotlib

    def tofu() -> Figure:
        figure = Figure(figsize=(2, 1))
        figure.text(0.1, 0.5, "\N{CAT FACE}")
        return figure

    with pytest.raises(FigureError, match=r"^tofu: matplotlib warned: .*[Gg]lyph .* missing"):
        render_matplotlib("tofu", tofu)


def test_a_graph_font_that_is_not_installed_fails_the_figure() -> None:
    import graphviz

    from lecturekit.figures.dot import render_dot

    graph = graphviz.Digraph()
    graph.node("a", fontname="No Such Font Sans")
    with pytest.raises(FigureError, match=r"^ghost: font 'No Such Font Sans' is not installed"):
        render_dot("ghost", graph)
