"""dist/X-handout.html: a self-contained reading version that makes no network request."""

from __future__ import annotations

import html
import json
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from lecturekit.deck import DeckError, parse_deck, read_deck
from lecturekit.handout.build import Built
from lecturekit.handout.command import site_index
from lecturekit.handout.html import (
    WORDS,
    fold_label,
    handout_html,
    highlight,
    shows_values_inline,
    strip_expectations,
)
from lecturekit.handout.notebook import deck_notebook

FIXTURES = Path(__file__).parent / "fixtures"
PAGE_REQUESTS = Path(__file__).parent / "page_requests.mjs"
INSTRUCTOR_NOTE = "時間が押していたらこのスライドは飛ばす"   # `講師:` note of the fixture deck
PUBLIC_NOTE = "ここで黒板に接線を描く"


class Sections(HTMLParser):
    """Per `<section data-header=...>`: its direct children as (tag, classes, first text line)."""

    VOID = {"img", "br", "hr", "input", "meta", "link", "source", "wbr", "path", "use", "rect"}
    OURS = {"lk-fig-close", "lk-fig-hint", "lk-fig-sideways", "lk-chip"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: dict[str, list[list[str]]] = {}
        self._current: list[list[str]] | None = None
        self._depth = 0
        self._child: list[str] | None = None
        self._ours: int | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "section" and values.get("data-header"):
            self._current = self.sections.setdefault(values["data-header"] or "", [])
            self._depth = 0
            return
        if self._current is None or tag in self.VOID:
            return
        if self._depth == 0:
            self._child = [tag, values.get("class") or "", ""]
            self._current.append(self._child)
        self._depth += 1
        if self._ours is None and (values.get("class") or "") in self.OURS:
            self._ours = self._depth   # a figure's close link and hint, the bar's tag copy: ours

    def handle_endtag(self, tag: str) -> None:
        if self._current is None or tag in self.VOID:
            return
        if tag == "section" and self._depth == 0:
            self._current = None
            return
        if self._ours == self._depth:
            self._ours = None
        self._depth -= 1

    def handle_data(self, data: str) -> None:
        if (self._current is not None and self._child is not None and self._depth > 0
                and self._ours is None):
            self._child[2] += data


def shape(children: list[list[str]]) -> list[tuple[str, str]]:
    """Tag and first code/text line of each child, our own additions (outputs of the executed
    code, notes) left out; an `output` fence is on the slide, so it stays."""
    kept = []
    for tag, classes, text in children:
        if ("lk-output" in classes and "lk-on-slide" not in classes) or "lk-note" in classes:
            continue
        first = text.strip().split("\n")[0].split("# ->")[0].strip()
        kept.append((tag, first if tag == "pre" else first[:6]))
    return kept


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.toc: list[str] = []
        self.h2: list[str] = []
        self._in_h2 = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.urls += [v for k, v in attrs if (k == "src" or (k == "href" and tag != "a")) and v]
        if tag == "a" and values.get("href"):
            self.links.append(values["href"] or "")
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


@pytest.fixture(scope="module")
def browser(built: Built) -> dict:
    """What headless Chromium measured on the page (tests/handout/page_requests.mjs)."""
    done = subprocess.run(["node", str(PAGE_REQUESTS), str(built.artefacts.html)],
                          capture_output=True, text=True, timeout=120, check=True)
    return json.loads(done.stdout)


def test_page_makes_no_network_request_in_a_real_browser(browser: dict):
    facts = browser
    assert facts["network"] == [] and facts["failed"] == []
    assert facts["brokenImages"] == 0
    assert facts["math"] >= 4
    assert facts["scripts"] == 0
    assert "Noto Sans CJK JP" in facts["font"]


def test_page_never_scrolls_sideways_from_phone_to_desktop_widths(browser: dict):
    sideways = browser["sideways"]
    assert sideways == {width: 0 for width in ("320", "360", "390", "414", "600", "768", "820",
                                               "1280")}


def test_on_a_phone_prose_is_16px_and_code_13px_wrapping_in_its_box(browser: dict):
    """At 390 px the page is text, not slides zoomed to a quarter (body was 8.6 px); a long
    code line wraps in its box rather than scrolling it."""
    phone = browser["phone"]
    assert phone["prose"] >= 16
    assert phone["code"] >= 13
    assert phone["scrollingCode"] == 0
    assert phone["sideways"] == 0


def test_page_loads_only_itself_or_inline_data_and_web_links_are_only_links(page: str):
    parser = Links()
    parser.feed(page)
    outside = [u for u in parser.urls if not u.startswith(("#", "data:"))]
    assert outside == []
    assert [u for u in parser.links if not u.startswith("#")] == [
        "mini-exercises.ipynb",   # the deck's exercises notebook, beside the page
        "https://pytorch.org/docs/stable/autograd.html",   # on the slide
        "https://docs.pytest.org/en/stable/how-to/skipping.html"]   # a bare URL in a note


def test_math_is_typeset_to_svg_at_build_time(page: str):
    body = page.split("<main>", 1)[1]
    assert "<mjx-container" in body
    prose = re.sub(r"<pre.*?</pre>|<svg.*?</svg>", "", body, flags=re.S)
    assert "\\frac" not in prose and "$x^2$" not in prose


def test_title_and_date_from_front_matter_head_the_page(page: str):
    header = page.split('<header class="lk-title">', 1)[1].split("</header>", 1)[0]
    assert "第零回 テスト用デッキ" in header and "2024-05-01" in header


def test_table_of_contents_links_every_handout_slide(page: str):
    parser = Links()
    parser.feed(page)
    assert parser.toc and all(anchor in parser.ids for anchor in parser.toc)
    sections = Sections()
    sections.feed(page)
    for title in ("定義と図", "最初のコード", "対話モード", "配布資料だけ", "演習の答え"):
        assert title in sections.sections
    assert "スライドだけ" not in page


def test_each_slide_has_marps_order_of_prose_and_code_with_outputs_after_their_code(
        built: Built, page: str):
    """Differential: the slide build's own HTML (marp-cli) against the reading page."""
    marp = Sections()
    marp.feed((built.artefacts.notebook.parent / "mini.html").read_text(encoding="utf-8"))
    ours = Sections()
    ours.feed(page)
    compared = 0
    for header, children in marp.sections.items():
        if header == "スライドだけ":   # slides-only
            assert header not in ours.sections
            continue
        assert shape(ours.sections[header]) == shape(children), header
        compared += 1
    assert compared >= 5
    code = [(tag, classes, text.strip()) for tag, classes, text in ours.sections["最初のコード"]]
    assert [c[2].split("\n")[-1].strip() for c in code if c[0] == "pre"] == [
        "print(x.grad)", "tensor(8.)", "print(k * k)", "4"]
    assert [c[1] for c in code if c[0] == "pre"] == ["", "lk-output", "", "lk-output lk-on-slide"]


def test_expected_values_show_once_as_output_not_as_comments(page: str):
    sections = Sections()
    sections.feed(page)
    text = "".join(t for _, _, t in sections.sections["最初のコード"])
    inline = sections.sections["値を並べる"]   # values of bare expressions: as on the slide
    assert [header for header, children in sections.sections.items()
            if "# ->" in "".join(t for _, _, t in children)] == ["値を並べる"]
    assert "".join(t for _, _, t in inline).count("# -> ") == 3
    assert text.count("tensor(8.)") == 1


def test_theme_draws_the_boxes_and_the_section_tag_as_on_the_slides(page: str):
    sections = Sections()
    sections.feed(page)
    children = sections.sections["定義と図"]
    assert ["div", "section", "はじめに"] in children
    assert any(tag == "div" and classes == "def" for tag, classes, _ in children)
    assert "section > .section {" in page and "section .def::before" in page
    assert "@import" not in page


def test_public_notes_are_shown_and_instructor_notes_are_not(page: str):
    assert PUBLIC_NOTE in page
    assert INSTRUCTOR_NOTE not in page and "講師" not in page


def test_hidden_and_skipped_code_is_marked_or_left_out(page: str):
    assert "_lk_seed" not in page and "hidden = torch.arange" not in page
    assert "このコードは実行しません" in page
    assert "RuntimeError: Only Tensors" in page


def test_bad_tex_fails_the_build_at_its_deck_line():
    deck = parse_deck("# a\n\n---\n\n## b\n\nok $x$ and\n$\\frac{1}{2}}$\n", "tex.md")
    with pytest.raises(DeckError) as caught:
        handout_html(deck_notebook(deck), deck)
    assert (caught.value.line, caught.value.slide) == (8, 2)
    assert "Extra close brace" in caught.value.message


def test_values_of_bare_expressions_mid_block_stay_as_the_slides_comments():
    deck = parse_deck("# a\n\n```python\nx = 2\nx + 1  # -> 3\nx * 2  # -> 4\n```\n\n"
                      "```python\ny = 3\nprint(y)  # -> 3\ny * 2  # -> 6\n```\n", "v.md")
    inline, last_only = deck.code_blocks
    assert shows_values_inline(inline) and not shows_values_inline(last_only)
    assert strip_expectations(last_only) == "y = 3\nprint(y)\ny * 2"


MARP_IMAGE_WORDS = re.compile(r"^(?:\w[\w-]*:\S*|center|bg|left|right|fit|contain|cover|auto|"
                              r"vertical|\d+(?:\.\d+)?%)$")


def alt_texts(page: str) -> list[str]:
    return [html.unescape(m) for m in re.findall(r"<img\b[^>]*\balt=\"([^\"]*)\"", page)]


def test_alt_text_is_the_images_own_words_or_the_slide_title_never_a_marp_keyword(page: str):
    deck = parse_deck("---\nmarp: true\n---\n\n<!-- _header: 放物線 -->\n\n"
                      "![w:300 center 放物線 y = x^2 のグラフ](img/parabola.png)\n\n---\n\n"
                      "<!-- _header: 同じ図 -->\n\n![w:200 center](img/parabola.png)\n",
                      FIXTURES / "alt.md")
    own = alt_texts(handout_html(deck_notebook(deck), deck))
    assert own == ["放物線 y = x^2 のグラフ", "図（同じ図）"]
    fixture = alt_texts(page.split("<main>", 1)[1])
    assert fixture == ["図（定義と図）"]   # the fixture's `![w:300 center](...)` has no words
    assert not [word for alt in own + fixture for word in alt.split()
                if MARP_IMAGE_WORDS.match(word)]


def test_an_image_alone_in_its_paragraph_is_centred_without_a_keyword_as_the_theme_does():
    deck = parse_deck("---\nmarp: true\n---\n\n<!-- _header: 放物線 -->\n\n"
                      "![w:300 放物線のグラフ](img/parabola.png)\n\n"
                      "本文の中の ![w:40 小さな図](img/parabola.png) は行の中\n",
                      FIXTURES / "alt.md")
    page = handout_html(deck_notebook(deck), deck)
    images = re.findall(r"<img\b[^>]*>", page.split("<main>", 1)[1])
    assert [('class="lk-center"' in tag, alt) for tag, alt in
            zip(images, alt_texts("".join(images)), strict=True)] == [(True, "放物線のグラフ"),
                                                         (False, "小さな図")]


def test_contents_group_slides_under_section_dividers_with_a_way_back():
    deck = parse_deck("---\nmarp: true\n---\n\n<!-- _class: lead -->\n\n# 講義\n\n---\n\n"
                      "<!-- _header: 目標 -->\n\n本文\n\n---\n\n<!-- _class: lead -->\n\n"
                      "# 1. 第一節\n\n---\n\n<!-- _header: 一つ目 -->\n\nA\n\n---\n\n"
                      "<!-- _header: 二つ目 -->\n\nB\n", "toc.md")
    page = handout_html(deck_notebook(deck), deck)
    toc = page.split('<nav class="lk-toc"', 1)[1].split("</nav>", 1)[0]
    groups = [(m[0], re.findall(r'<li><a href="#slide-\d+">([^<]*)</a>', m[1]))
              for m in re.findall(r'<summary><a href="#slide-\d+">([^<]*)</a>.*?</summary>'
                                  r'(.*?)</details>', toc, re.S)]
    assert groups == [("はじめに", ["目標"]), ("1. 第一節", ["一つ目", "二つ目"])]
    back = re.search(r'<a class="lk-top" href="#([^"]+)"', page)
    assert back and f'id="{back[1]}"' in page


def test_answer_slides_are_folded_until_opened_and_exercises_are_not(page: str):
    main = page.split("<main>", 1)[1]
    folded = re.findall(r'<details class="lk-fold">\s*<summary>([^<]*)</summary>'
                        r'\s*<section id="slide-\d+" class="lk-slide ([^"]*)"', main)
    assert folded == [("解答を見る：演習の答え", "answer")]
    assert len(re.findall(r'<section[^>]*class="lk-slide answer', main)) == 1
    assert re.search(r'<section id="slide-\d+" class="lk-slide exercise"', main)


def test_fold_label_names_the_exercise_once():
    """The summary says 解答を見る already: the title's own 解答 is not repeated."""
    answer = WORDS["ja"]["answer_word"]
    assert fold_label("演習1 解答 (4)", answer) == "演習1 (4)"
    assert fold_label("演習3 解答", answer) == "演習3"
    assert fold_label("演習の答え", answer) == "演習の答え"
    assert fold_label("解答", answer) == "解答"   # nothing else to name it by
    assert fold_label("Exercise 2 answer (1)", WORDS["en"]["answer_word"]) == "Exercise 2 (1)"
    deck = ("---\nmarp: true\n---\n\n# 演習1\n\n問題\n\n---\n\n<!-- _class: answer -->\n\n"
            "# 演習1 解答 (4)\n\n答え\n")
    page = handout_html(deck_notebook(parse_deck(deck, "fold.md")), parse_deck(deck, "fold.md"))
    assert re.findall(r"<summary>([^<]*)</summary>", page) == ["解答を見る：演習1 (4)"]


def test_page_carries_no_developer_comments(page: str):
    """Neither the theme's nor the page's own stylesheet brings its comments (which name the
    project's source files) to the students: only Marp's `@theme` name is kept."""
    comments = re.findall(r"/\*.*?\*/", page, re.S)
    assert all(re.fullmatch(r"/\* @theme [\w-]+ \*/", c) for c in comments), comments
    assert "lecturekit/" not in page and "tests/build" not in page
    assert "section .def::before" in page or ".def::before" in page   # the theme is still there


def test_every_figure_opens_full_size_when_tapped(page: str):
    """No script: each image is a link to its own box, which `:target` lays over the page;
    its close link goes back to where the figure sits."""
    main = page.split("<main>", 1)[1]
    figures = re.findall(r'<span class="lk-fig-box" id="([^"]+)"><a class="lk-fig-open" '
                         r'href="#([^"]+)"[^>]*><img\b[^>]*></a>'
                         r'<a class="lk-fig-close" href="#([^"]+)">', main)
    assert figures and len(figures) == len(re.findall(r"<img\b", main))
    for box, href, close in figures:
        assert box == href and f'id="{close}"' in main
    assert re.search(r'class="lk-fig" style="--lk-fig-w:300px;--lk-fig-min:\d+px', main)


def test_series_index_is_linked_when_the_page_sits_in_a_built_site(tmp_path: Path):
    out = tmp_path / "dist"
    (out / "ch02").mkdir(parents=True)
    assert site_index(out, out / "ch02", own_folder=False) is None   # no index: no dead link
    assert site_index(out, out / "ch02", own_folder=True) == "../index.html"   # make writes it
    (out / "index.html").write_text("<!DOCTYPE html>", encoding="utf-8")
    assert site_index(out, out, own_folder=False) == "index.html"
    deck = parse_deck("---\nmarp: true\n---\n\n# 第一回\n\n本文\n", "one.md")
    linked = handout_html(deck_notebook(deck), deck, index_href="../index.html")
    assert re.search(r'<header class="lk-title">\s*<p class="lk-index"><a href="\.\./index\.html">'
                     r"← 講義一覧</a>", linked)
    assert 'class="lk-index"' not in handout_html(deck_notebook(deck), deck)


@pytest.mark.parametrize("config, colab", [
    ('[tool.lecturekit]\nrepository = "https://github.com/o/r"\n',
     "https://colab.research.google.com/github/o/r/blob/gh-pages/ch02/lecture-exercises.ipynb"),
    ("", None),
], ids=["github-repository", "no-repository"])
def test_the_page_links_its_exercises_notebook_and_colab_when_it_can_open(
        tmp_path: Path, config: str, colab: str | None):
    """The head links the exercises notebook beside the page (the same folder) and its
    Colab page at the notebook's path in the published site; no repository, no Colab link;
    a deck without exercises links no notebook."""
    (tmp_path / "pyproject.toml").write_text(config, encoding="utf-8")
    folder = tmp_path / "slides" / "ch02"
    folder.mkdir(parents=True)
    path = folder / "lecture.md"
    path.write_text("---\nmarp: true\nlang: ja\n---\n\n<!-- _class: exercise -->\n\n# 演習\n\n"
                    "---\n\n```python answer=1\nprint(2)  # -> 2\n```\n", encoding="utf-8")
    deck = read_deck(path)
    head = handout_html(deck_notebook(deck), deck).split("</header>", 1)[0]
    assert re.findall(r'<a href="([^"]+)"', head) == ["lecture-exercises.ipynb"] + (
        [colab] if colab else [])
    assert ">演習ノートブック</a>" in head and ("Colab で開く" in head) == bool(colab)
    plain = folder / "plain.md"
    plain.write_text("---\nmarp: true\n---\n\n# 第一回\n\n本文\n", encoding="utf-8")
    deck = read_deck(plain)
    assert 'class="lk-exercises"' not in handout_html(deck_notebook(deck), deck)


def test_comments_are_marked_by_where_they_stand():
    """A comment line is prose (wrapped on phones: reading.css); one after code is `lk-trail`,
    its line split into the code (never wrapped) and the comment, which phones move under its
    code line, indented as the line is, when it would run past the box's edge."""
    marked = highlight("x = 1  # after code\n    # a line of its own\n# -> 1\n"
                       "def f():\n    return 2  # inside")
    assert ('<span class="lk-tl"><span class="lk-tl-code">x = <span class="hljs-number">1</span>'
            '</span>  <span class="hljs-comment lk-trail"># after code</span></span>\n') in marked
    assert '<span class="hljs-comment lk-line-comment"># a line of its own</span>' in marked
    assert "lk-check" in marked and marked.count("lk-line-comment") == 1
    assert '<span class="lk-tl" style="--lk-indent:4ch"><span class="lk-tl-code">    ' in marked
    assert re.sub(r"<[^>]+>", "", marked) == html.escape(
        "x = 1  # after code\n    # a line of its own\n# -> 1\ndef f():\n    return 2  # inside",
        quote=False)


def pre_boxes(html: str) -> list[tuple[str, str]]:
    """The page's `<pre>` boxes after `<main>`, in order: (the output box's class and
    label attributes, or "" for code; the box's text without tags)."""
    main = html.split("<main>", 1)[-1]
    parts = re.findall(r'<pre( class="[^"]*" data-label="[^"]*")?>(.*?)</pre>', main, re.S)
    return [(label, re.sub(r"<[^>]+>", "", body)) for label, body in parts]


def test_every_expected_error_shows_as_the_error_box():
    """`# -> SomeError: message` in a block shown as on the slide (values kept in the code)
    splits it: the code up to the statement that raises, the error in the red box every error
    output gets, then the rest of the code; a block whose outputs follow it shows the executed
    error in the same box."""
    deck = parse_deck("---\nmarp: true\n---\n\n<!-- _header: E -->\n\n```python\n"
                      "v = torch.tensor([1.0, 2.0], requires_grad=True)\n(v * 3).backward()\n"
                      "# -> RuntimeError: grad can be implicitly created only for scalar outputs\n"
                      "v.sum()  # -> tensor(3., grad_fn=<SumBackward0>)\nprint(1)  # -> 1\n```\n",
                      "err.md")
    assert pre_boxes(handout_html(deck_notebook(deck), deck)) == [
        ("", "v = torch.tensor([1.0, 2.0], requires_grad=True)\n(v * 3).backward()"),
        (' class="lk-output lk-error" data-label="エラー"',
         "RuntimeError: grad can be implicitly created only for scalar outputs"),
        ("", "v.sum()  # -&gt; tensor(3., grad_fn=&lt;SumBackward0&gt;)\nprint(1)  # -&gt; 1"),
    ]


def test_printed_value_after_an_expected_error_shows_in_an_output_box_not_as_a_comment():
    """A block whose only `# -> value` is a print's (the slides' 「backward() は一つの数から」):
    the expected error is no value the page must keep as a comment; each of the notebook's
    cells (cut after the statement that raises) shows its code, then what it raised or
    printed, in the boxes every output gets."""
    from nbformat.v4 import new_output

    deck = parse_deck("---\nmarp: true\n---\n\n<!-- _header: E -->\n\n```python\n"
                      "v = torch.tensor([1.0, 2.0], requires_grad=True)\n(v * 3).backward()\n"
                      "# -> RuntimeError: grad can be implicitly created only for scalar outputs\n"
                      "(v * 3).sum().backward()\nprint(v.grad)  # -> tensor([3., 3.])\n```\n",
                      "err.md")
    nb = deck_notebook(deck)
    raising, printing = [c for c in nb.cells if c.cell_type == "code"][-2:]
    raising.outputs = [new_output("error", ename="RuntimeError", traceback=[],
                                  evalue="grad can be implicitly created only for scalar outputs")]
    printing.outputs = [new_output("stream", name="stdout", text="tensor([3., 3.])\n")]
    main = handout_html(nb, deck).split("<main>", 1)[1]
    assert pre_boxes(main) == [
        ("", "v = torch.tensor([1.0, 2.0], requires_grad=True)\n(v * 3).backward()"),
        (' class="lk-output lk-error" data-label="エラー"',
         "RuntimeError: grad can be implicitly created only for scalar outputs"),
        ("", "(v * 3).sum().backward()\nprint(v.grad)"),
        (' class="lk-output" data-label="出力"', "tensor([3., 3.])"),
    ]
    assert "# -&gt;" not in main and "expect_error" not in main


def test_links_to_a_slide_number_go_to_that_slides_section():
    """Marp's `[参考文献](#3)` opens the slides at page 3 (pages counted over the slides the
    slides variant keeps); here it goes to that slide's section.  A page the handout leaves
    out leads to the next section shown; a number past the end is left alone."""
    deck = parse_deck("---\nmarp: true\n---\n\n<!-- _header: A -->\n\n[参考文献](#3)・"
                      "[省略](#2)・[先](#9)\n\n---\n\n<!-- _class: handout-only -->\n"
                      "<!-- _header: H -->\n\n手元だけ\n\n---\n\n<!-- _header: B -->\n\n"
                      "<!-- _class: slides-only -->\n\nスライドだけ\n\n---\n\n"
                      "<!-- _header: C -->\n\n文献\n", "links.md")
    main = handout_html(deck_notebook(deck), deck).split("<main>", 1)[1]
    ids = re.findall(r'<section id="(slide-\d+)"[^>]*data-header="([^"]+)"', main)
    assert ids == [("slide-1", "A"), ("slide-2", "H"), ("slide-4", "C")]
    links = dict((text, href) for href, text in re.findall(r'<a href="([^"]+)">([^<]+)</a>', main))
    assert links["参考文献"] == "#slide-4"   # page 3 of the slides is deck slide 4 (C)
    assert links["省略"] == "#slide-4"      # page 2 is B, slides-only: the next shown is C
    assert links["先"] == "#9"


def test_a_closing_divider_at_the_end_gets_one_way_back_not_two():
    """The last slide a divider (「おつかれさまでした」): the page's end has one link back to
    the contents, after it, not one before it and one after it."""
    deck = parse_deck("---\nmarp: true\n---\n\n<!-- _class: lead -->\n\n# 講義\n\n---\n\n"
                      "<!-- _class: lead -->\n\n# 1. 前半\n\n---\n\n<!-- _header: A -->\n\n本文\n\n"
                      "---\n\n<!-- _class: lead -->\n\n# おつかれさまでした\n", "end.md")
    main = handout_html(deck_notebook(deck), deck).split("<main>", 1)[1]
    tail = main.split('data-header="A"', 1)[1]
    assert tail.count('class="lk-back"') == 1
    assert tail.index("おつかれさまでした") < tail.index('class="lk-back"')
