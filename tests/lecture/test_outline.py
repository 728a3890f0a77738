"""PDF bookmarks: section dividers at level 1, their slides below, front and back matter apart.

The rule lives in `lecturekit/render/outline.py`; the fixture deck
(fixtures/outline.md) has one slide for each case of it: lead slides that are
not dividers, a numbered divider, a divider seen only by its section tag
changing, an untagged slide inside a section, back matter and a closing slide.
The built PDF's outline is read back to prove the engine nests it the same way.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from lecturekit.deck import read_deck
from lecturekit.deck.variants import slides_kept
from lecturekit.render.outline import bookmark_tree, deck_bookmarks, numbered_title, section_tag

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).parent / "fixtures" / "outline.md"
LECTURE = ROOT / "slides" / "03-autodiff.md"

FIXTURE_TREE = [
    ("講義のタイトル", ["ふりかえり", "前回の問題3、覚えていますか", "今日の内容"]),
    ("1. 準備", ["準備その一", "100 回唱えよう", "準備その二"]),
    ("応用編", ["応用その一", "札を忘れたスライド", "応用その二"]),
    ("まとめ", []),
    ("参考文献", []),
    ("おつかれさまでした", []),
]


def tree_of(deck: Path) -> list[tuple[str, list[str]]]:
    return bookmark_tree(deck_bookmarks(slides_kept(read_deck(deck))))


@pytest.mark.parametrize("title", ["1. PyTorch の紹介", "2．テンソル", "3) 応用",
                                   "第1章　計算グラフ", "第二部 実践", "Chapter 2: Tensors",
                                   "Part II", "§3 証明", "付録：自動微分のしくみ", "Appendix A"])
def test_numbered_and_appendix_titles_read_as_sections(title: str) -> None:
    assert numbered_title(title)


@pytest.mark.parametrize("title", ["100 回唱えよう", "前回の問題3、覚えていますか", "3階テンソル",
                                   "2024 年の講習会", "おつかれさまでした", "Partial derivatives"])
def test_other_titles_do_not_read_as_sections(title: str) -> None:
    assert not numbered_title(title)


def test_section_tag_is_the_text_of_the_section_div() -> None:
    slides = read_deck(FIXTURE).slides
    assert [section_tag(slide) for slide in slides[1:6]] == ["はじめに", None, "はじめに", None,
                                                             "1. 準備"]
    assert section_tag(slides[11]) == "応用"  # the tag written over several lines


def test_fixture_outline_puts_dividers_at_level_one_and_matter_apart() -> None:
    assert tree_of(FIXTURE) == FIXTURE_TREE


@pytest.mark.skipif(shutil.which("node") is None or not (ROOT / "node_modules").exists(),
                    reason="needs node and node_modules (npm ci)")
def test_built_pdf_outline_nests_as_the_rule_says(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "build-deck.py"), str(FIXTURE),
                           "--out", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    reader = PdfReader(tmp_path / "outline.pdf")
    tree: list[tuple[str, list[str]]] = []
    for item in reader.outline:
        if isinstance(item, list):
            tree[-1] = (tree[-1][0], [child.title for child in item])
        else:
            tree.append((item.title, []))
    assert tree == FIXTURE_TREE
    pages = {item.title: reader.get_destination_page_number(item)
             for item in reader.outline if not isinstance(item, list)}
    assert pages["応用編"] == 8 and pages["おつかれさまでした"] == 14


def test_lecture_outline_has_the_dividers_at_level_one() -> None:
    tree = dict(tree_of(LECTURE))
    assert list(tree) == ["機械学習講習会 第三回", "1. PyTorch の紹介", "2. テンソル",
                          "3. 計算の記録と backward()", "4. 自動微分で勾配降下法",
                          "付録：自動微分のしくみ", "まとめ", "参考文献", "おつかれさまでした"]
    front = tree["機械学習講習会 第三回"]
    assert front[0] == "前回のふりかえり" and front[-1] == "今日の内容"
    assert any(title.startswith("前回の問題3") for title in front)
    chapter3 = tree["3. 計算の記録と backward()"]
    assert "100 回唱えよう" in chapter3 and "演習2" in chapter3
    assert tree["付録：自動微分のしくみ"][-1] == "もっと知りたい人へ"
    assert tree["まとめ"] == tree["参考文献"] == tree["おつかれさまでした"] == []
