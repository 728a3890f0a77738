"""Repositories that are not this one, built as an adopter would (`lecturekit` run in them).

The series' layout (one folder per chapter, `chNN/lecture.md` with `chNN/img/`,
its own theme `honwaka` in `assets/marp-style.css`) must build to distinct
outputs carrying the series' theme; a deck only a marp-cli configuration
enables, in Marp's `gaia` (which imports web fonts), must be checked and built.
Two real builds; everything else about projects is in test_project.py.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parents[2]
IMAGES = ROOT / "tests" / "build" / "fixtures" / "img"
MARP = ROOT / "node_modules" / ".bin" / "marp"

THEIR_HONWAKA = """\
/* The series' own theme: same name as lecturekit's, a different look.
 * @theme honwaka
 */
@import 'default';
@import url('https://fonts.googleapis.com/css2?family=Zen+Maru+Gothic');
section { --series-mark: 1; background: rgb(250, 240, 200); font-size: 30px; }
"""
FONT = "https://fonts.googleapis.com/css2?family=Zen+Maru+Gothic"


def lecturekit(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lecturekit", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600, check=False)


def chapter(title: str, slides: int) -> str:
    body = "\n\n---\n\n".join(f"## {title} {n}\n\n![w:200](img/figure.png)"
                              for n in range(1, slides + 1))
    return f"---\nmarp: true\ntheme: honwaka\ntitle: {title}\n---\n\n{body}\n"


@pytest.fixture
def series(tmp_path: Path) -> Path:
    """The real series' layout with small decks of our own."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "lecturekit.toml").write_text('decks = ["ch*/lecture.md"]\n', encoding="utf-8")
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "marp-style.css").write_text(THEIR_HONWAKA, encoding="utf-8")
    for name, slides, image in (("ch02", 2, "grid.png"), ("ch03", 3, "tangent.png")):
        (tmp_path / name / "img").mkdir(parents=True)
        shutil.copyfile(IMAGES / image, tmp_path / name / "img" / "figure.png")
        (tmp_path / name / "lecture.md").write_text(chapter(name, slides), encoding="utf-8")
    return tmp_path


def marp_slide_count(deck: Path, theme: Path) -> int:
    """How many slides bare marp-cli renders of the deck with the series' theme."""
    html = deck.with_suffix(".bare.html")
    subprocess.run([str(MARP), "--no-stdin", "--html", str(deck), "-o", str(html),
                    "--theme-set", str(theme)], check=True, capture_output=True, timeout=120)
    count = len(re.findall(r"<svg[^>]*data-marpit-svg", html.read_text(encoding="utf-8")))
    html.unlink()
    return count


@pytest.mark.render
def test_a_series_in_chapter_folders_builds_each_chapter_apart_in_its_own_theme(
        series: Path) -> None:
    run = lecturekit(series, "build", "ch02/lecture.md", "ch03/lecture.md",
                     "--layout", "warn", "--no-check")
    assert run.returncode == 0, run.stderr
    assert "[build] ch02/lecture: html" in run.stdout
    assert "[build] ch03/lecture: pdf" in run.stdout
    theme = series / "assets" / "marp-style.css"
    for name, image in (("ch02", "grid.png"), ("ch03", "tangent.png")):
        html = series / "dist" / name / "lecture.html"
        pdf = series / "dist" / name / "lecture.pdf"
        page = html.read_text(encoding="utf-8")
        assert "--series-mark" in page  # their honwaka ...
        assert "--hw-font" not in page  # ... not ours
        assert len(PdfReader(pdf).pages) == marp_slide_count(series / name / "lecture.md", theme)
        published = series / "dist" / name / "img" / "figure.png"
        assert published.read_bytes() == (IMAGES / image).read_bytes()
        assert 'src="img/figure.png"' in page
        assert FONT not in page  # the published page loads nothing from the network
    # Their web font: blocked, one warning per deck; their theme is not held to our
    # typesetting rules.
    assert [line for line in run.stderr.splitlines() if line.startswith("warning:")] == [
        f'warning: {name}/lecture.md: theme "honwaka" imports {FONT} from the network: '
        "blocked (nothing is fetched); the local fallback font is used"
        for name in ("ch02", "ch03")]
    assert "typesetting problem" not in run.stderr
    assert not (series / "dist" / "lecture.html").exists()


@pytest.mark.render
def test_a_deck_enabled_by_the_marp_config_in_gaia_is_checked_and_built_with_one_warning(
        tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".marprc.yml").write_text("inputDir: ./decks\nlang: en\n", encoding="utf-8")
    (tmp_path / "decks").mkdir()
    deck = tmp_path / "decks" / "intro part 1.md"  # a space in the name, too
    deck.write_text("---\ntheme: gaia\n---\n\n# Intro\n\n```python\nprint(6 * 7)\n```\n\n"
                    "```\n42\n```\n\n---\n\n# Two\n", encoding="utf-8")

    check = lecturekit(tmp_path, "check", "-q")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "1 passed" in check.stdout

    run = lecturekit(tmp_path, "build", "decks/intro part 1.md")
    assert run.returncode == 0, run.stderr
    assert "no Python blocks" not in run.stdout
    assert re.search(r"\[build\] intro part 1: code check ok \(.*1 passed", run.stdout), run.stdout
    warnings = [line for line in run.stderr.splitlines() if "warning" in line]
    assert len(warnings) == 1, run.stderr
    assert re.search(r'theme "gaia" imports https://fonts\.bunny\.net/\S+ from the network: '
                     r"blocked \(nothing is fetched\); the local fallback font is used",
                     warnings[0]), warnings[0]
    assert len(PdfReader(tmp_path / "dist" / "intro part 1.pdf").pages) == 2
    html = (tmp_path / "dist" / "intro part 1.html").read_text(encoding="utf-8")
    assert '<html lang="en"' in html  # the marp-cli configuration's `lang`
    assert "fonts.bunny.net" not in html
