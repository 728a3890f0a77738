"""dist/index.html links every artefact; a failing cell fails the build cleanly."""

from __future__ import annotations

import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from lecturekit.deck import DeckError
from lecturekit.handout.build import Artefacts, build_handout
from lecturekit.handout.index import index_html, series_title

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).parents[2]


class Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.srcs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "href" and value:
                self.hrefs.append(value)
            if name == "src" and value:
                self.srcs.append(value)


def test_index_links_every_artefact_of_every_deck_with_title_and_date(tmp_path: Path):
    decks = [FIXTURES / "mini.md", FIXTURES / "failing.md"]
    subprocess.run([sys.executable, str(ROOT / "scripts" / "build-index.py"), *map(str, decks),
                    "--out", str(tmp_path)], check=True, capture_output=True)
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    parser = Anchors()
    parser.feed(page)
    for name in ("mini", "failing"):
        artefacts = Artefacts.of(name, Path())
        expected = [f"{name}.html", f"{name}.pdf",
                    *(str(p) for p in artefacts.in_publish_order())]
        assert set(expected) <= set(parser.hrefs)
    assert "第零回 テスト用デッキ" in page and "2024-05-01" in page and "失敗する例" in page
    assert all(not h.startswith(("http:", "https:", "//")) for h in parser.hrefs)
    assert parser.srcs == [] and "<link" not in page and "<script" not in page


def test_index_heading_is_the_series_title_from_pyproject_and_labels_say_it_once(
        tmp_path: Path):
    page = index_html([FIXTURES / "mini.md"])
    series = series_title(FIXTURES / "mini.md")
    assert series == "traP Kaggle班 機械学習講習会"  # this repository's [tool.lecturekit] title
    assert f"<title>{series}</title>" in page and f"<h1>{series}</h1>" in page
    labels = re.findall(r'<a href="[^"]+">([^<]+)</a>', page)
    assert len(labels) == len(set(labels)) == 6
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "pyproject.toml").write_text('[tool.lecturekit]\nseries = "統計勉強会"\n',
                                                   encoding="utf-8")
    assert series_title(tmp_path / "a") == "統計勉強会"
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "pyproject.toml").write_text("[tool.other]\n", encoding="utf-8")
    assert series_title(tmp_path / "b") == "b"  # unconfigured: the repository's folder name


def test_index_names_a_deck_it_cannot_read(tmp_path: Path):
    bad = tmp_path / "bad.md"
    bad.write_text("---\ntitle: [unclosed\n---\n", encoding="utf-8")
    with pytest.raises(DeckError) as caught:
        index_html([bad])
    assert caught.value.path == bad and caught.value.line == 2


def test_failing_cell_fails_the_build_at_its_deck_line_and_writes_nothing(tmp_path: Path):
    with pytest.raises(DeckError) as caught:
        build_handout(FIXTURES / "failing.md", tmp_path, nup=2, log=lambda _: None)
    assert (caught.value.line, caught.value.slide) == (17, 2)
    assert "ZeroDivisionError: division by zero" in caught.value.message
    assert list(tmp_path.iterdir()) == []


def test_cli_reports_deck_slide_and_line_without_a_traceback(tmp_path: Path):
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "build-handout.py"),
                           str(FIXTURES / "failing.md"), "--out", str(tmp_path)],
                          capture_output=True, text=True)
    assert done.returncode == 1
    assert "failing.md:17 (slide 2): a code cell failed in the notebook: ZeroDivisionError" \
        in done.stderr
    assert "Traceback" not in done.stderr
    assert "[handout] failing: executing 2 cells…" in done.stderr
