"""dist/X-handout.html: a self-contained reading version that makes no network request."""

from __future__ import annotations

import json
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from lecturekit.deck import DeckError, parse_deck
from lecturekit.handout.build import Built
from lecturekit.handout.html import handout_html
from lecturekit.handout.notebook import deck_notebook

PAGE_REQUESTS = Path(__file__).parent / "page_requests.mjs"


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.ids: set[str] = set()
        self.toc: list[str] = []
        self.h2: list[str] = []
        self._in_h2 = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.urls += [v for k, v in attrs if k in ("src", "href") and v]
        if values.get("id"):
            self.ids.add(values["id"])
        if tag == "a" and (values.get("href") or "").startswith("#slide-"):
            self.toc.append(values["href"][1:])
        self._in_h2 = tag == "h2"

    def handle_data(self, data: str) -> None:
        if self._in_h2 and data.strip():
            self.h2.append(data.strip())
            self._in_h2 = False


@pytest.fixture(scope="module")
def page(built: Built) -> str:
    return built.artefacts.html.read_text(encoding="utf-8")


def test_page_makes_no_network_request_in_a_real_browser(built: Built):
    done = subprocess.run(["node", str(PAGE_REQUESTS), str(built.artefacts.html)],
                          capture_output=True, text=True, timeout=120, check=True)
    facts = json.loads(done.stdout)
    assert facts["network"] == [] and facts["failed"] == []
    assert facts["brokenImages"] == 0
    assert facts["math"] >= 4
    assert facts["scripts"] == 0
    assert "Noto Sans CJK JP" in facts["font"]


def test_page_links_only_to_itself_or_inline_data(page: str):
    parser = Links()
    parser.feed(page)
    outside = [u for u in parser.urls if not u.startswith(("#", "data:"))]
    assert outside == []


def test_math_is_typeset_to_svg_at_build_time(page: str):
    body = page.split("<main>", 1)[1]
    assert "<mjx-container" in body
    prose = re.sub(r"<pre.*?</pre>|<svg.*?</svg>", "", body, flags=re.S)
    assert "\\frac" not in prose and "$x^2$" not in prose


def test_title_and_date_from_front_matter_head_the_page(page: str):
    header = page.split('<header class="lk-title">', 1)[1].split("</header>", 1)[0]
    assert "第零回 テスト用デッキ" in header and "2024-05-01" in header


def test_table_of_contents_links_every_slide_title_section(page: str):
    parser = Links()
    parser.feed(page)
    assert parser.toc and all(anchor in parser.ids for anchor in parser.toc)
    for title in ("定義と図", "最初のコード", "対話モード", "演習の答え"):
        assert title in parser.h2
    assert "スライドだけ" not in page


def test_code_is_shown_with_its_outputs_and_hidden_cells_are_left_out(page: str):
    assert "tensor(8.)" in page
    assert "_lk_seed" not in page and "hidden = torch.arange" not in page
    assert "このコードは実行しません" in page
    assert "このコードはエラーになります" in page


def test_bad_tex_fails_the_build_at_its_deck_line():
    deck = parse_deck("# a\n\n---\n\n## b\n\nok $x$ and\n$\\frac{1}{2}}$\n", "tex.md")
    with pytest.raises(DeckError) as caught:
        handout_html(deck_notebook(deck), deck)
    assert (caught.value.line, caught.value.slide) == (8, 2)
    assert "Extra close brace" in caught.value.message
