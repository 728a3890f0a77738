"""End-to-end: scripts/build-deck.py on fixture decks (marp-cli + Chromium)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from build_helpers import DECKS, ROOT, build, line_of
from pypdf import PdfReader

from lecturekit.deck import read_deck
from lecturekit.deck.variants import slides_kept

pytestmark = pytest.mark.render
SHOWCASE = DECKS / "showcase.md"


def check_html(html: Path) -> dict:
    done = subprocess.run(["node", str(ROOT / "scripts" / "check-html.mjs"), str(html)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, check=True)
    return json.loads(done.stdout)[0]


def test_showcase_builds_with_progress_lines(showcase) -> None:
    out, run = showcase
    assert run.code == 0, run.stderr
    slides = len(slides_kept(read_deck(SHOWCASE)))
    assert f"[build] showcase: checks ok ({slides} slides)" in run.stdout
    assert sorted(p.name for p in out.iterdir()) == ["img", "showcase.html", "showcase.pdf"]


def test_showcase_pdf_has_one_page_per_slide(showcase) -> None:
    out, _ = showcase
    deck = read_deck(SHOWCASE)
    assert len(PdfReader(out / "showcase.pdf").pages) == len(slides_kept(deck))
    assert len(slides_kept(deck)) == len(deck.slides) - 1


def test_showcase_pdf_outline_has_sections_with_their_slide_titles(showcase) -> None:
    out, _ = showcase
    reader = PdfReader(out / "showcase.pdf")
    outline = reader.outline
    top = [item.title for item in outline if not isinstance(item, list)]
    assert top == ["honwaka テーマ見本", "第1章　計算グラフ", "おわり"]
    titles = [None if isinstance(item, list) else item.title for item in outline]
    chapter = outline[titles.index("第1章　計算グラフ") + 1]
    assert [item.title for item in chapter[:2]] == ["定義・ポイント・手順",
                                                    "API シグネチャとコード"]
    assert reader.get_destination_page_number(chapter[0]) == 3


def test_showcase_pdf_text_is_searchable_japanese(showcase) -> None:
    out, _ = showcase
    text = subprocess.run(["pdftotext", "-layout", str(out / "showcase.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert "偏微分" in text and "連鎖律" in text
    assert "見出しバーと本文" in text
    assert "配布資料だけ" not in text


def test_showcase_images_are_copied_and_referenced_next_to_the_html(showcase) -> None:
    out, _ = showcase
    html = (out / "showcase.html").read_text(encoding="utf-8")
    for name in ("tangent.png", "grid.png"):
        assert (out / "img" / name).read_bytes() == (DECKS.parent / "img" / name).read_bytes()
        assert f'src="img/{name}"' in html


def test_showcase_html_opens_on_its_own_offline(showcase, tmp_path: Path) -> None:
    out, _ = showcase
    moved = tmp_path / "elsewhere"
    shutil.copytree(out, moved)
    report = check_html(moved / "showcase.html")
    assert (report["blocked"], report["missing"]) == ([], [])
    assert report["slides"] == len(slides_kept(read_deck(SHOWCASE)))


def test_showcase_emoji_and_math_need_no_cdn(showcase) -> None:
    out, _ = showcase
    html = (out / "showcase.html").read_text(encoding="utf-8")
    assert "😊" in html and "🚀" in html
    assert not re.search(r"""src=["'](?:https?:)?//""", html)
    assert "twemoji" not in html
    assert 'jax="SVG"' in html


def assert_refused(run, out: Path, expected: str) -> None:
    assert run.code == 1
    assert expected in run.stderr, run.stderr
    assert "Traceback" not in run.stderr
    if out.exists():
        assert list(out.iterdir()) == []


def test_missing_image_is_refused_naming_file_line_and_slide(tmp_path: Path) -> None:
    deck = DECKS / "missing-image.md"
    line = line_of(deck, "does-not-exist.png")
    run = build(deck, tmp_path)
    assert_refused(run, tmp_path, f'missing-image.md:{line}: slide 2 "図のスライド" references '
                                  "../img/does-not-exist.png, a file that does not exist")


def test_unknown_theme_is_refused_naming_the_theme_line(tmp_path: Path) -> None:
    deck = DECKS / "unknown-theme.md"
    line = line_of(deck, "theme: no-such-theme")
    run = build(deck, tmp_path)
    assert_refused(run, tmp_path, f'unknown-theme.md:{line}: theme "no-such-theme" is not '
                                  "defined by any CSS file of the project")


def test_remote_image_is_refused_naming_file_line_and_slide(tmp_path: Path) -> None:
    deck = DECKS / "remote-image.md"
    line = line_of(deck, "https://example.org/cat.png")
    run = build(deck, tmp_path)
    assert_refused(run, tmp_path, f'remote-image.md:{line}: slide 2 "ネットの画像" loads '
                                  "https://example.org/cat.png from the network")


@pytest.fixture(scope="module")
def overflow_run(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("overflow-dist")
    return build(DECKS / "overflow.md", out), out


def test_overflowing_slide_is_refused_naming_the_first_line_that_does_not_fit(
        overflow_run) -> None:
    run, out = overflow_run
    deck = DECKS / "overflow.md"
    match = re.search(r'overflow.md:(\d+): slide 2 "長すぎるスライド" overflows its frame by '
                      r"(\d+)px at the bottom", run.stderr)
    assert_refused(run, out, 'slide 2 "長すぎるスライド" overflows its frame by ')
    assert match, run.stderr
    line, px = int(match.group(1)), int(match.group(2))
    items = [line_of(deck, f"- 項目 {n}:") for n in range(1, 19)]
    # Not the slide's header line, nor the list's first item (which fits): an item further down.
    assert line in items[3:], (line, items)
    assert 300 < px < 500
    assert "slide 1 " not in run.stderr


def test_code_too_wide_to_read_is_refused(overflow_run) -> None:
    run, out = overflow_run
    line = line_of(DECKS / "overflow.md", "x = torch.tensor([1.0, 2.0")
    assert_refused(run, out, f'overflow.md:{line}: slide 3 "横に長いコード" has a code block '
                             "so wide that Marp shrinks it to ")
    percent = int(re.search(r"shrinks it to (\d+)%", run.stderr).group(1))
    assert 40 < percent < 75


def test_table_cut_off_by_the_slide_is_refused(overflow_run) -> None:
    run, out = overflow_run
    line = line_of(DECKS / "overflow.md", "| a | b | c |")
    assert_refused(run, out, f'overflow.md:{line}: slide 4 "広い表" has a table too big for '
                             "the slide: ")


def test_header_too_long_for_the_title_bar_is_refused(overflow_run) -> None:
    run, out = overflow_run
    line = line_of(DECKS / "overflow.md", "_header: 見出しバーに収まらない")
    assert_refused(run, out, f"overflow.md:{line}: slide 5 ")
    assert "has a header too long for its title bar" in run.stderr


def test_stylesheet_fetching_from_the_network_is_refused(tmp_path: Path) -> None:
    deck = DECKS / "network-style.md"
    run = build(deck, tmp_path)
    line = line_of(deck, "@import")
    assert_refused(run, tmp_path, f'network-style.md:{line}: slide 1 "ウェブフォントを読むデッキ" '
                                  "loads https://fonts.example.org/css?family=Fancy from the "
                                  "network")
    assert run.stderr.count("fonts.example.org") == 1


def test_unreadable_deck_is_one_clear_line_without_traceback(tmp_path: Path) -> None:
    deck = tmp_path / "slides" / "broken.md"
    deck.parent.mkdir()
    deck.write_text("---\nmarp: true\n---\n\n# A\n\n```python\nprint(1)\n", encoding="utf-8")
    out = tmp_path / "dist"
    run = build(deck, out)
    assert_refused(run, out, f"{deck}:7: code fence ``` opened here is never closed")
    assert run.stderr.count("\n") == 2


def test_failed_build_keeps_the_previous_outputs(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    out.mkdir()
    (out / "missing-image.html").write_text("previous build")
    run = build(DECKS / "missing-image.md", out)
    assert run.code == 1
    assert [p.name for p in out.iterdir()] == ["missing-image.html"]
    assert (out / "missing-image.html").read_text() == "previous build"


def test_missing_chromium_is_one_clear_line_naming_the_path_tried(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHROME_PATH", str(tmp_path / "no-chromium"))
    out = tmp_path / "dist"
    run = build(SHOWCASE, out)
    assert_refused(run, out, f"{SHOWCASE}: Chromium not found at {tmp_path / 'no-chromium'}: "
                             f"install it")
    assert "Traceback" not in run.stderr and "at ChromeLauncher" not in run.stderr


NAVIGATE = """
import puppeteer from 'puppeteer-core'
const browser = await puppeteer.launch({
  executablePath: process.env.CHROME_PATH || '/usr/bin/chromium',
  headless: true, args: ['--no-sandbox', '--disable-gpu'] })
const page = await browser.newPage()
await page.goto(process.argv[1], { waitUntil: 'load' })
const hashes = [await page.evaluate(() => location.hash)]
for (const key of ['ArrowRight', 'ArrowRight', 'ArrowLeft']) {
  await page.keyboard.press(key)
  await new Promise((done) => setTimeout(done, 300))
  hashes.push(await page.evaluate(() => location.hash))
}
console.log(JSON.stringify(hashes))
await browser.close()
"""


def test_published_html_is_a_marp_deck_driven_by_the_keyboard(showcase) -> None:
    out, _ = showcase
    done = subprocess.run(["node", "--input-type=module", "-e", NAVIGATE,
                           (out / "showcase.html").as_uri()],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, check=True)
    assert json.loads(done.stdout) == ["", "#2", "#3", "#2"]
