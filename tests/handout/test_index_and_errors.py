"""dist/index.html: a line per existing file saying what it is for; a failing cell fails cleanly."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from lecturekit.deck import DeckError
from lecturekit.handout.build import Artefacts, build_handout, handout_pdf_suffix
from lecturekit.handout.index import ARTEFACTS, index_html, series_title, size_label
from lecturekit.handout.nup import Layout

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


class Lines(HTMLParser):
    """Each `<li>` of the index: its text and its links (href, text)."""

    def __init__(self) -> None:
        super().__init__()
        self.items: list[dict] = []
        self._href: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "li":
            self.items.append({"text": "", "links": []})
        if tag == "a" and self.items:
            self._href = dict(attrs).get("href")

    def handle_data(self, data: str) -> None:
        if self.items:
            self.items[-1]["text"] += data
            if self._href is not None:
                self.items[-1]["links"].append((self._href, data))
                self._href = None


def mini_project(root: Path, config: str) -> tuple[str, Lines]:
    """The fixture deck as `slides/lecture.md` of a project configured by `config`
    (pyproject.toml's text): its index page and the page's lines."""
    root.mkdir(exist_ok=True)
    (root / "pyproject.toml").write_text(config, encoding="utf-8")
    deck = root / "slides" / "lecture.md"
    deck.parent.mkdir(parents=True)
    deck.write_text((FIXTURES / "mini.md").read_text(encoding="utf-8"), encoding="utf-8")
    page = index_html([deck])
    lines = Lines()
    lines.feed(page)
    return page, lines


def test_index_links_every_existing_file_of_every_deck_with_title_and_date(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    (tmp_path / "slides").mkdir()
    decks = [tmp_path / "slides" / name for name in ("mini.md", "failing.md")]
    for deck in decks:
        deck.write_text((FIXTURES / deck.name).read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "dist"
    out.mkdir()
    for name in ("mini", "failing"):
        for path in [f"{name}.html", f"{name}.pdf",
                     *(str(p) for p in Artefacts.of(name, Path()).in_publish_order())]:
            (out / path).write_text("x", encoding="utf-8")
    (out / "failing-handout.pdf").unlink()
    subprocess.run([sys.executable, str(ROOT / "scripts" / "build-index.py"), *map(str, decks),
                    "--out", str(out)], check=True, capture_output=True)
    page = (out / "index.html").read_text(encoding="utf-8")
    parser = Anchors()
    parser.feed(page)
    assert "failing-handout.pdf" not in parser.hrefs   # no dead link
    for href in parser.hrefs:
        assert (out / href).is_file(), href
    assert len(parser.hrefs) == 11
    assert "第零回 テスト用デッキ" in page and "2024-05-01" in page and "失敗する例" in page
    assert all(not h.startswith(("http:", "https:", "//")) for h in parser.hrefs)
    assert parser.srcs == [] and "<link" not in page and "<script" not in page


def test_index_links_each_printed_layout_built_each_with_its_own_line(tmp_path: Path):
    """A 3-up or 4-up build writes its own PDF beside the 2-up one (`handout_pdf_suffix`):
    the index links every one that exists and says what each is for."""
    (tmp_path / "pyproject.toml").write_text('[tool.lecturekit]\nlang = "ja"\n', encoding="utf-8")
    deck = tmp_path / "mini.md"
    deck.write_text((FIXTURES / "mini.md").read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "dist"
    out.mkdir()
    assert [Artefacts.of("mini", out, nup).pdf.name for nup in (2, 3, 4)] == [
        "mini-handout.pdf", "mini-handout-3up.pdf", "mini-handout-4up.pdf"]
    pdfs = [suffix for suffix, *_ in ARTEFACTS if suffix.endswith(".pdf") and "handout" in suffix]
    assert pdfs == [handout_pdf_suffix(nup) for nup in (2, 3, 4)]
    for nup in (3, 4):
        (out / f"mini{handout_pdf_suffix(nup)}").write_text("x", encoding="utf-8")
    lines = Lines()
    lines.feed(index_html([deck], out=out))
    assert [(i["links"][0][0], " ".join(i["text"].split())) for i in lines.items] == [
        ("mini-handout-3up.pdf", "印刷用 PDF（3 枚ずつ）（1 KB） A4 1 枚にスライド 3 枚、"
                                 "横に細いメモ欄（スライドの文字が 4 枚ずつの約 1.25 倍）"),
        ("mini-handout-4up.pdf", "印刷用 PDF（4 枚ずつ）（1 KB） A4 1 枚にスライド 4 枚、"
                                 "横に広いメモ欄（紙がいちばん少ない。文字はいちばん小さい）")]
    # what the lines claim: 3-up's slides print about 1.25 times as wide, its notes narrower
    three, four = Layout(3).cell(0, 16 / 9), Layout(4).cell(0, 16 / 9)
    assert abs(three.frame.w / four.frame.w - 1.25) < 0.02 and three.notes.w < four.notes.w


def test_the_makefile_keeps_no_stamp_file_in_dist():
    """`dist/` is what students get: the n-up layout is in the PDF's name, not a stamp."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert not [line for line in makefile.splitlines() if line.startswith("dist/.")]
    assert "\t@rm -f dist/.nup-*" in makefile   # an earlier version's stamp goes
    assert "NUPPDF  := -handout$(if $(filter 2,$(NUP)),,-$(NUP)up).pdf" in makefile
    assert "dist/%$(NUPPDF)" in makefile


def test_index_says_in_one_line_what_each_file_is_for():
    page = index_html([ROOT / "slides" / "03-autodiff.md"])
    lines = Lines()
    lines.feed(page)
    texts = [" ".join(i["text"].split()) for i in lines.items]
    assert [t.split("開き方：")[0].replace(" Colab で開く ", " ").strip() for t in texts] == [
        f"{label} {note}" for _, label, note, _, _ in ARTEFACTS]
    assert [i["links"][0][0] for i in lines.items] == [
        f"03-autodiff{suffix}" for suffix, *_ in ARTEFACTS]


def test_index_says_once_how_a_notebook_opens_and_its_link_downloads_it(tmp_path: Path):
    """Said once at the top, not under each notebook: Jupyter or Colab, on a computer; with a
    Colab link, that it opens without downloading."""
    for repository, colab in (("", False), ('repository = "https://github.com/o/r"\n', True)):
        page, lines = mini_project(tmp_path / str(colab),
                                      f"[tool.lecturekit]\n{repository}lang = \"ja\"\n")
        assert page.count("ノートブック（.ipynb）は Jupyter で開くファイルで、パソコン向けです"
                          "（スマホには向きません）。") == 1
        assert "JupyterLab や VS Code" in page and "ノートブックをアップロード" in page
        assert ("「Colab で開く」からは、ダウンロードせずにそのままブラウザで開けます。"
                in page) == colab
        assert "開き方" not in page
        for item in lines.items:
            if item["links"][0][0].endswith(".ipynb"):
                assert f'<a href="{item["links"][0][0]}" download' in page


def test_index_says_where_to_start_once_only_when_it_links_both_files(tmp_path: Path):
    page, _ = mini_project(tmp_path / "all", '[tool.lecturekit]\nlang = "ja"\n')
    start = ("どれから使う？　授業の復習は「読み物」で（スマホでも読めます）。手を動かして"
             "練習するなら「演習ノートブック」で、その場で答え合わせができます。")
    assert page.count(start) == 1
    deck = tmp_path / "all" / "slides" / "lecture.md"
    out = tmp_path / "dist"
    out.mkdir()
    (out / "lecture.html").write_text("x", encoding="utf-8")
    slides_only = index_html([deck], out=out)
    assert "どれから使う" not in slides_only and ".ipynb）は" not in slides_only


def test_index_shows_each_files_size_beside_it(tmp_path: Path):
    """PDFs of a few MB matter on a phone: each existing file's size is beside its link."""
    (tmp_path / "pyproject.toml").write_text('[tool.lecturekit]\nlang = "ja"\n',
                                             encoding="utf-8")
    deck = tmp_path / "mini.md"
    deck.write_text((FIXTURES / "mini.md").read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "dist"
    out.mkdir()
    (out / "mini.pdf").write_bytes(b"x" * 2_400_000)
    (out / "mini-handout.html").write_bytes(b"x" * 310_400)
    lines = Lines()
    lines.feed(index_html([deck], out=out))
    assert [" ".join(i["text"].split()) for i in lines.items] == [
        "読み物（310 KB） スライドと実行結果を上から順に読む版（スマホでも読めます）",
        "スライド PDF（2.4 MB） 同じスライドの PDF（1 ページに 1 枚）"]
    assert size_label(999) == "1 KB" and size_label(1_000_000) == "1.0 MB"


def test_index_puts_the_reading_version_and_exercises_first_and_says_what_the_lecture_is(
        tmp_path: Path):
    """The two files a student starts from lead, marked for the eye; the deck's `description`
    (Marp's directive) says under its title what the lecture is about."""
    (tmp_path / "pyproject.toml").write_text('[tool.lecturekit]\nlang = "ja"\n',
                                             encoding="utf-8")
    deck = tmp_path / "mini.md"
    source = (FIXTURES / "mini.md").read_text(encoding="utf-8")
    deck.write_text(source.replace("---\n", "---\ndescription: 勾配を自動で求める回\n", 1),
                    encoding="utf-8")
    out = tmp_path / "dist"
    out.mkdir()
    for name in ("mini.html", "mini.pdf", "mini-handout.html", "mini-exercises.ipynb"):
        (out / name).write_text("x", encoding="utf-8")
    page = index_html([deck], out=out)
    parser = Anchors()
    parser.feed(page)
    assert parser.hrefs == ["mini-handout.html", "mini-exercises.ipynb", "mini.html", "mini.pdf"]
    assert re.findall(r'<li class="primary"><a href="([^"]+)"', page) == [
        "mini-handout.html", "mini-exercises.ipynb"]
    assert '<p class="about">勾配を自動で求める回</p>' in page


def test_index_names_a_deck_without_a_title_by_its_first_heading(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    decks = []
    for chapter, heading in (("ch02", "Chapter 2: *Lists*"), ("ch03", "第3章 辞書")):
        (tmp_path / chapter).mkdir()
        deck = tmp_path / chapter / "lecture.md"
        deck.write_text(f"---\nmarp: true\n---\n\n# {heading}\n\n---\n\n## More\n",
                        encoding="utf-8")
        decks.append(deck)
    page = index_html(decks)
    assert "<h2>Chapter 2: Lists</h2>" in page and "<h2>第3章 辞書</h2>" in page, page


def test_index_heading_is_the_projects_title(tmp_path: Path):
    page = index_html([FIXTURES / "mini.md"])
    series = series_title(ROOT)
    assert series == "traP Kaggle班 機械学習講習会"
    assert f"<title>{series}</title>" in page and f"<h1>{series}</h1>" in page
    assert index_html([FIXTURES / "mini.md"], title="統計勉強会").count("統計勉強会") == 2
    (tmp_path / "pyproject.toml").write_text('[tool.lecturekit]\ntitle = "統計勉強会"\n',
                                             encoding="utf-8")
    assert series_title(tmp_path) == "統計勉強会"
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "pyproject.toml").write_text('[tool.lecturekit]\nseries = "古い名前"\n',
                                                   encoding="utf-8")
    assert series_title(tmp_path / "a") == "古い名前"  # `series`, the older name of `title`
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "pyproject.toml").write_text("[tool.other]\n", encoding="utf-8")
    assert series_title(tmp_path / "b") == "b"  # unconfigured: the repository's folder name


def test_index_adds_a_colab_link_to_the_exercises_line_given_a_github_repository(
        tmp_path: Path):
    _, lines = mini_project(tmp_path, '[tool.lecturekit]\nrepository = '
                               '"https://github.com/o/r"\nlang = "en"\ntitle = "Course"\n')
    by_label = {i["links"][0][1]: i for i in lines.items}
    assert list(by_label) == [label for *_, label, _ in ARTEFACTS]
    assert by_label["Exercises notebook"]["links"] == [
        ("lecture-exercises.ipynb", "Exercises notebook"),
        ("https://colab.research.google.com/github/o/r/blob/gh-pages/"
         "lecture-exercises.ipynb", "Open in Colab")]
    assert sum(len(i["links"]) for i in lines.items) == len(ARTEFACTS) + 1


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


def test_index_has_no_colab_link_without_a_github_repository(tmp_path: Path):
    page, lines = mini_project(tmp_path, "")
    assert len(lines.items) == len(ARTEFACTS) and "colab.research" not in page
    assert all(len(i["links"]) == 1 for i in lines.items)


def test_index_page_fetches_nothing_and_never_scrolls_sideways_in_chromium(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.lecturekit]\nrepository = "https://github.com/o/r"\n'
        'title = "traP Kaggle班 機械学習講習会 2024 年度 前期 自動微分とその周辺"\n',
        encoding="utf-8")
    (tmp_path / "slides").mkdir()
    deck = tmp_path / "slides" / "03-autodiff.md"
    deck.write_text((ROOT / "slides" / "03-autodiff.md").read_text(encoding="utf-8"),
                    encoding="utf-8")
    page = tmp_path / "index.html"
    page.write_text(index_html([deck]), encoding="utf-8")
    done = subprocess.run(["node", str(Path(__file__).parent / "page_requests.mjs"), str(page)],
                          capture_output=True, text=True, timeout=120, check=True, cwd=ROOT)
    facts = json.loads(done.stdout)
    assert facts["network"] == [] and facts["scripts"] == 0   # the Colab link is only a link
    assert set(facts["sideways"].values()) == {0}, facts["sideways"]


@pytest.mark.parametrize("flags, fails, indexed", [
    ((), 0, True), (("--no-index",), 0, False), (("--out", "elsewhere"), 0, False),
    ((), 1, False)], ids=["default", "no-index", "out", "deck-failed"])
def test_handout_writes_the_index_its_reading_pages_link_to(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, flags: tuple[str, ...], fails: int,
        indexed: bool):
    """`lecturekit handout` into the project's own output folder links each reading page to
    the project's index (`site_index`), so it writes that index after the decks; `make
    handout` says `--no-index` per deck and writes it once after all; `--out` links none;
    when no deck was built, the deck's error stays the command's last word."""
    from lecturekit import cli
    from lecturekit.handout import command
    from lecturekit.handout.command import site_index
    from lecturekit.project import Project

    (tmp_path / "pyproject.toml").write_text('[tool.lecturekit]\ntitle = "Course"\n',
                                             encoding="utf-8")
    deck = tmp_path / "slides" / "ch02" / "lecture.md"
    deck.parent.mkdir(parents=True)
    deck.write_text((FIXTURES / "mini.md").read_text(encoding="utf-8"), encoding="utf-8")
    built: list[list[str]] = []
    monkeypatch.setattr(command, "handout_main", lambda argv: built.append(argv) or fails)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["handout", "slides/ch02/lecture.md", *flags]) == fails
    assert [argv[0] for argv in built] == ["slides/ch02/lecture.md"]
    project = Project.of(deck)
    index = project.out / "index.html"
    assert index.is_file() == indexed
    if indexed:
        link = site_index(project.out, project.output_folder(deck, project.out), True)
        assert link == "../index.html"
        assert (project.out / "ch02" / link).resolve() == index.resolve()
        assert "<title>Course" in index.read_text(encoding="utf-8")
