"""The typesetting check finds each fault it names; the lecture has none.

The lecture's figures are checked here too: their smallest text, at the
width the rendered slide shows them, is at least 20 px.

`lecturekit/render/engine/typesetting.mjs` runs in Chromium on marp-cli's HTML
(through tests/lecture/run-typesetting.mjs here, through the build's own page
there).  The fixture deck has one slide per fault, a clean slide, a slide
whose text the theme's kinsoku must keep legal, and an advanced-background
slide that must not shift the slide numbers.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from lecture_figures import FIGURES
from lecturekit.deck import read_deck
from lecturekit.deck.variants import slides_kept, slides_markdown

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"
RUNNER = Path(__file__).parent / "run-typesetting.mjs"
MARP = ROOT / "node_modules" / ".bin" / "marp"
LECTURE = ROOT / "slides" / "03-autodiff.md"

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not MARP.exists()
    or not Path(os.environ.get("CHROME_PATH", "/usr/bin/chromium")).exists(),
    reason="needs node, node_modules (npm ci) and Chromium",
)


def render_html(markdown: Path, out: Path) -> Path:
    html = out / f"{markdown.stem}.html"
    subprocess.run(
        [str(MARP), "--config-file", str(ROOT / "marp.config.mjs"), "--html", "--no-stdin",
         str(markdown), "-o", str(html)],
        cwd=ROOT, check=True, capture_output=True, timeout=300,
    )
    return html


def check(html: Path, options: dict[str, float] | None = None) -> dict:
    command = ["node", str(RUNNER), str(html)]
    if options:
        command += ["--options", json.dumps(options)]
    done = subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True,
                          timeout=300)
    [result] = json.loads(done.stdout)
    return result


@pytest.fixture(scope="module")
def fixture_html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("typesetting")
    shutil.copy(FIXTURES / "dot.svg", out / "dot.svg")
    deck = out / "typesetting.md"
    shutil.copy(FIXTURES / "typesetting.md", deck)
    return render_html(deck, out)


def test_each_fault_is_reported_with_its_slide_and_text(fixture_html: Path) -> None:
    result = check(fixture_html, {"minTextPx": 20})
    assert result["slides"] == 9
    assert result["findings"] == [
        {"slide": 2, "what": "line-start", "text": "あいうえお/っかきくけ",
         "detail": "line 2 of p starts with 「っ」, which must not begin a line (JIS X 4051)"},
        {"slide": 3, "what": "widow", "text": "あいうえお/す。",
         "detail": "the last line of p holds one character"},
        # slide 4 is the `![bg]` slide: Marp adds two sections for it, not counted
        {"slide": 4, "what": "contrast", "text": "うすい文字",
         "detail": "span: #c8c4b8 on #fffcf6 is 1.70:1, below 4.5:1"},
        {"slide": 4, "what": "contrast", "text": "うすい傍点",
         "detail": "span: emphasis marks #f0e0c0 on #fffcf6 are 1.27:1, below 3:1"},
        {"slide": 5, "what": "small-text", "text": "ちいさな文字",
         "detail": "span: 14.0px, below the minimum 20px"},
        {"slide": 7, "what": "widow", "text": "あいうえお/必要",
         "detail": "the last line of p holds 2 characters"},
        {"slide": 8, "what": "small-code", "text": "total = first_value + se…",
         "detail": "code: code at 22.5px, below the 26px the theme promises"},
    ]


def test_the_minimum_size_and_contrasts_are_options(fixture_html: Path) -> None:
    findings = check(fixture_html, {"minTextPx": 14, "minContrast": 1.5,
                                    "minMarkContrast": 1.2, "minLastLine": 2})["findings"]
    assert [(f["slide"], f["what"]) for f in findings] == [(2, "line-start"), (3, "widow"),
                                                           (8, "small-code")]


@pytest.fixture(scope="module")
def lecture(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The lecture's slides variant, rendered where it sits relative to img/, and checked."""
    out = tmp_path_factory.mktemp("lecture")
    deck = read_deck(LECTURE)
    (out / "slides").mkdir()
    (out / "img").symlink_to(ROOT / "img")
    source = out / "slides" / LECTURE.name
    source.write_text(slides_markdown(deck), encoding="utf-8")
    result = check(render_html(source, out))
    result["kept"] = len(slides_kept(deck))
    return result


def test_the_lecture_has_no_typesetting_fault(lecture: dict) -> None:
    assert lecture["slides"] == lecture["kept"]
    assert lecture["findings"] == []


def test_figure_text_is_at_least_20px_where_the_lecture_shows_it(lecture: dict) -> None:
    figures = {figure.filename: figure for figure in FIGURES if not figure.narrow_of}
    shown = [image for image in lecture["images"] if Path(image["src"]).name in figures]
    assert {Path(image["src"]).name for image in shown} == set(figures)
    sizes = {}
    for image in shown:
        name = Path(image["src"]).name
        svg = (ROOT / "img" / name).read_bytes()
        sizes[name] = round(figures[name].smallest_text_px(image["width"], svg), 1)
    assert {name: px for name, px in sizes.items() if px < 20} == {}, sizes


def test_figure_exponents_and_subscripts_are_at_least_18px_where_shown(lecture: dict) -> None:
    """Tick labels such as 10⁻⁶ set their exponent at 0.7 of the label: still >= 18 px."""
    figures = {figure.filename: figure for figure in FIGURES}
    sizes = {}
    for image in lecture["images"]:
        name = Path(image["src"]).name
        if name in figures:
            svg = (ROOT / "img" / name).read_bytes()
            script = figures[name].smallest_script_px(image["width"], svg)
            if script is not None:
                sizes[name] = round(script, 1)
    assert "fd-error.svg" in sizes  # its tick labels are powers of ten
    assert {name: px for name, px in sizes.items() if px < 18} == {}, sizes


def test_emphasis_dots_sit_right_above_their_characters(fixture_html: Path) -> None:
    """傍点 were CSS emphasis marks floating 0.28em above the ideographs; now a row of
    dots ends just above the ink of the characters: clear of it (a gap of 0.04em read
    as touching) but nearer than the old marks (a gap between 0.1em and 0.2em).  (The
    lecture itself now marks with the marker, which reads from the back row.)"""
    gaps = {dot["text"]: round(dot["gapEm"], 3) for dot in check(fixture_html)["dots"]}
    assert set(gaps) == {"手で"}
    assert all(0.1 <= gap <= 0.2 for gap in gaps.values()), gaps


def test_every_code_block_of_the_lecture_is_one_size(lecture: dict) -> None:
    """Neighbouring slides no longer jump between 26 px and 32 px code: the lecture sets
    every block, a hint's too, at the theme's 26.2 px (no big-code slides)."""
    sizes = {round(block["px"], 1) for block in lecture["codeSizes"]}
    assert sizes == {26.2}, sorted(lecture["codeSizes"], key=lambda block: block["px"])[-3:]


def test_a_marked_phrase_runs_through_its_code(lecture: dict) -> None:
    """Code inside a marker phrase drops its chip, so the marker is one stroke (slide 32)."""
    marked = {(code["slide"], code["text"]): code["background"] for code in lecture["markedCode"]}
    assert (32, "backward()") in marked
    assert set(marked.values()) == {"rgba(0, 0, 0, 0)"}, marked


def test_footnotes_stand_clear_of_the_bottom_edge(lecture: dict) -> None:
    """A footnote's rule and text sit 34 px up, clear of the page number's pill (16 px up)
    and of the bottom strip a lecture room hides."""
    gaps = {cite["slide"]: round(cite["gap"]) for cite in lecture["cites"]}
    assert len(gaps) >= 5 and set(gaps.values()) == {34}, gaps


def test_a_printout_on_a_slide_is_labelled_output(lecture: dict) -> None:
    outputs = [(block["slide"], block["label"]) for block in lecture["outputs"]]
    assert outputs == [(45, '"出力"')]
