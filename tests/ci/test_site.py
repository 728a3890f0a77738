"""`make site`: exactly the reachable artefacts, an index of what exists, no broken links."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lecturekit.handout.colab import PAGES_BRANCH, colab_links, site_notebook
from lecturekit.site import SiteError, build_site, main
from lecturekit.site.links import check_site, references

ROOT = Path(__file__).resolve().parents[2]
PAGE = "<!DOCTYPE html><html><body>{}</body></html>\n"


def write(path: Path, text: str = "x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path: Path) -> tuple[list[Path], Path]:
    """Two decks: `01-intro` fully built, `02-next` with slides only; plus leftovers in dist/."""
    slides, dist = tmp_path / "slides", tmp_path / "dist"
    decks = [write(slides / "01-intro.md", "---\nmarp: true\ntitle: 第一回 入門\n"
                                           "date: 2024-05-10\n---\n\n# 入門\n"),
             write(slides / "02-next.md", "---\nmarp: true\n---\n\n# 次\n")]
    write(dist / "01-intro.html", PAGE.format(
        '<img src="img/a.png"><a href="https://example.org/ref">ref</a>'
        '<a href="#slide-2">2</a><div style="background-image:url(\'img/bg.png\')"></div>'))
    for name in ("01-intro.pdf", "01-intro-handout.pdf", "01-intro.ipynb",
                 "01-intro-exercises.ipynb", "02-next.pdf", "img/a.png", "img/bg.png",
                 "img/unused.png", "99-removed.html", ".nup-4", ".build-01-intro/x.html"):
        write(dist / name)
    write(dist / "01-intro-handout.html", PAGE.format('<a href="01-intro.ipynb">nb</a>'))
    write(dist / "02-next.html", PAGE.format("<p>次</p>"))
    write(dist / "index.html", PAGE.format('<a href="99-removed.html">old index</a>'))
    return decks, dist


def site_files(site: Path) -> set[str]:
    return {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}


def test_site_holds_exactly_the_linked_artefacts_and_what_they_reference(project):
    decks, dist = project
    build_site(decks, dist, dist / "site", series="機械学習講習会")
    assert site_files(dist / "site") == {
        ".nojekyll", "index.html", "01-intro.html", "01-intro.pdf", "01-intro-handout.html",
        "01-intro-handout.pdf", "01-intro.ipynb", "01-intro-exercises.ipynb", "img/a.png",
        "img/bg.png", "02-next.html", "02-next.pdf"}


def test_index_lists_every_deck_with_its_date_and_only_existing_files(project):
    decks, dist = project
    build_site(decks, dist, dist / "site", series="機械学習講習会")
    index = (dist / "site" / "index.html").read_text(encoding="utf-8")
    assert "<h1>機械学習講習会</h1>" in index
    assert "<h2>第一回 入門</h2>" in index and "<time>2024-05-10</time>" in index
    assert "<h2>次</h2>" in index  # no title in the front matter: its first heading
    hrefs = [r.url for r in references(index)]
    assert hrefs == ["01-intro-handout.html", "01-intro-exercises.ipynb", "01-intro.html",
                     "01-intro.pdf", "01-intro-handout.pdf", "01-intro.ipynb",
                     "02-next.html", "02-next.pdf"]


def test_every_link_of_the_site_resolves_offline(project):
    decks, dist = project
    build_site(decks, dist, dist / "site")
    assert check_site(dist / "site") == []


def test_link_checker_names_each_broken_reference_with_its_line(tmp_path):
    write(tmp_path / "ok.png")
    write(tmp_path / "docs" / "page.html",
          "<html><body>\n"
          '<img src="../ok.png">\n'
          '<img src="missing.png">\n'
          '<script src="https://cdn.example.org/x.js"></script>\n'
          '<a href="http://example.org/">plain http</a>\n'
          '<a href="../../outside.html">up</a>\n'
          '<a href="../.nup-4">hidden</a>\n'
          "<style>\n.x { background: url(gone.svg); }\n</style>\n"
          '<a href="https://example.org/fine">fine</a> <a href="#top">top</a>\n'
          "</body></html>\n")
    assert [str(p) for p in check_site(tmp_path)] == [
        "docs/page.html:3: missing.png does not exist in the site",
        "docs/page.html:4: https://cdn.example.org/x.js is loaded from the network; "
        "the site must work offline",
        "docs/page.html:5: http://example.org/ is not an https link",
        "docs/page.html:6: ../../outside.html points outside the site",
        "docs/page.html:7: ../.nup-4 names a hidden file, which the site does not publish",
        "docs/page.html:9: gone.svg does not exist in the site",
    ]


def test_a_broken_reference_stops_the_build_and_keeps_the_old_site(project):
    decks, dist = project
    build_site(decks, dist, dist / "site")
    before = site_files(dist / "site")
    write(dist / "02-next.html", PAGE.format('\n<img src="img/plot.png">'))
    with pytest.raises(SiteError) as raised:
        build_site(decks, dist, dist / "site")
    assert str(raised.value) == \
        f"{dist / '02-next.html'}:2: img/plot.png does not exist in the site"
    assert site_files(dist / "site") == before
    assert sorted(p.name for p in dist.iterdir() if p.name.startswith(".site")) == []


def test_cli_says_which_deck_is_not_built(project, capsys):
    decks, dist = project
    (dist / "02-next.html").unlink()
    (dist / "02-next.pdf").unlink()
    assert main([*map(str, decks), "--dist", str(dist)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [f"{decks[1]}: not built (nothing in {dist} for it: {dist / '02-next.html'} "
                   "is missing); run `make slides` first",
                   f"[site] FAILED, {dist / 'site'} left as it was"]
    assert not (dist / "site").exists()


def test_cli_builds_the_site_and_says_where(project, capsys):
    decks, dist = project
    assert main([*map(str, decks), "--dist", str(dist), "--title", "講習会"]) == 0
    assert capsys.readouterr().err == f"[site] 2 deck(s), 12 files -> {dist / 'site'}/\n"
    assert "<title>講習会</title>" in (dist / "site" / "index.html").read_text(encoding="utf-8")


def test_site_of_a_real_marp_build_passes_the_offline_link_check(tmp_path):
    """Differential: what marp-cli really writes (images, inline SVG, data: URIs) links cleanly."""
    deck = ROOT / "tests" / "build" / "fixtures" / "slides" / "showcase.md"
    dist = tmp_path / "dist"
    done = subprocess.run([sys.executable, "scripts/build-deck.py", str(deck), "--out",
                           str(dist)], cwd=ROOT, capture_output=True, text=True, timeout=600,
                          check=False)
    assert done.returncode == 0, done.stderr
    images = {f"img/{p.name}" for p in (dist / "img").iterdir()}
    assert images, "the showcase deck uses images; the test needs some"
    (dist / ".nup-4").touch()
    build_site([deck], dist, dist / "site")
    assert site_files(dist / "site") == {".nojekyll", "index.html", "showcase.html",
                                         "showcase.pdf", *images}
    assert check_site(dist / "site") == []


def on_github(project) -> None:
    """The fixture project, its repository on GitHub (so the index and notebooks link Colab)."""
    decks, _ = project
    write(decks[0].parents[1] / "pyproject.toml",
          '[tool.lecturekit]\nrepository = "https://github.com/o/r"\n')


def test_every_colab_link_of_the_site_opens_a_notebook_the_site_holds(project):
    decks, dist = project
    on_github(project)
    write(dist / "01-intro-exercises.ipynb",
          '{"cells": [{"source": ["[Open](https://colab.research.google.com/github/o/r/blob/'
          'gh-pages/01-intro-exercises.ipynb)"]}]}')
    build_site(decks, dist, dist / "site")
    site = dist / "site"
    found = [(page, link) for page in ("index.html", "01-intro-exercises.ipynb")
             for link in colab_links((site / page).read_text(encoding="utf-8"))]
    assert [(page, branch, path) for page, (_, branch, path) in found] == [
        ("index.html", PAGES_BRANCH, "01-intro-exercises.ipynb"),
        ("01-intro-exercises.ipynb", PAGES_BRANCH, "01-intro-exercises.ipynb")]
    assert all(site_notebook(link, site) is None for _, link in found)


def test_a_colab_link_to_a_notebook_the_site_lacks_stops_the_build(project):
    decks, dist = project
    on_github(project)
    write(dist / "01-intro-exercises.ipynb",
          '{"cells": [\n{"source": ["[Open](https://colab.research.google.com/github/o/r/blob/'
          'gh-pages/old-name-exercises.ipynb)"]}]}')
    with pytest.raises(SiteError) as raised:
        build_site(decks, dist, dist / "site")
    assert str(raised.value) == (
        "01-intro-exercises.ipynb:2: Colab link https://colab.research.google.com/github/o/r/"
        "blob/gh-pages/old-name-exercises.ipynb opens old-name-exercises.ipynb, which the "
        "published site does not hold")
    assert not (dist / "site").exists()


def test_a_colab_link_to_another_branch_stops_the_build(project):
    decks, dist = project
    write(dist / "01-intro-exercises.ipynb",
          '{"cells": [{"source": ["https://colab.research.google.com/github/o/r/blob/main/'
          '01-intro-exercises.ipynb"]}]}')
    with pytest.raises(SiteError, match=r"^01-intro-exercises.ipynb:1: Colab link \S+ opens "
                                        r"branch 'main', but the site is published to "
                                        r"'gh-pages'$"):
        build_site(decks, dist, dist / "site")


def test_published_slides_leave_out_the_lecturers_notes_and_keep_the_others(tmp_path):
    """Differential: the notes as marp-cli writes them into the presenter view.  The
    lecturer's own dist/ copy keeps every note; the site's copy only the students' ones."""
    deck = write(tmp_path / "slides" / "talk.md",
                 "---\nmarp: true\n---\n\n# A\n\n<!-- 講師: 時間が押したら飛ばす -->\n\n"
                 "<!-- 黒板に接線 & 法線 -->\n\n---\n\n# B\n\n<!-- Instructor: skip if late\n\n"
                 "second paragraph -->\n")
    dist = tmp_path / "dist"
    dist.mkdir()
    subprocess.run([str(ROOT / "node_modules" / ".bin" / "marp"), str(deck), "-o",
                    str(dist / "talk.html")], check=True, capture_output=True, timeout=300)
    built = (dist / "talk.html").read_text(encoding="utf-8")
    assert "講師: 時間が押したら飛ばす" in built and "Instructor: skip if late" in built
    build_site([deck], dist, dist / "site")
    published = (dist / "site" / "talk.html").read_text(encoding="utf-8")
    assert "時間が押したら" not in published and "skip if late" not in published
    assert "second paragraph" not in published   # one comment, one note, however many lines
    assert "<p>黒板に接線 &amp; 法線</p>" in published
    assert published.count('class="bespoke-marp-note"') == built.count(
        'class="bespoke-marp-note"') == 2
    assert (dist / "talk.html").read_text(encoding="utf-8") == built


def test_a_srcset_data_url_is_one_reference_not_split_at_its_commas():
    """The reading page serves a figure's narrow variant as `<source srcset="data:...">`: the
    data URL's comma is part of it (browsers read a URL to white space), so the site finds
    no file reference in it; listed candidates still split at their commas."""
    page = ('<picture><source srcset="data:image/svg+xml;base64,PHN2Zz4=">'
            '<img src="a.png" srcset="a.png 1x, img/b.png 2x,c.png"></picture>')
    assert [r.url for r in references(page)] == [
        "data:image/svg+xml;base64,PHN2Zz4=", "a.png", "a.png", "img/b.png", "c.png"]
