"""The model follows Marpit's reading rules (the differential test in tests/marp checks the
same against marp-core on whole decks; these pin each rule on a deck small enough to read)."""

import pytest

from lecturekit.deck import parse_deck
from lecturekit.deck.parse import looks_like_marp, split_lines


def deck_of(text: str):
    return parse_deck(text.lstrip("\n"), "deck.md")


def test_loose_front_matter_values_are_plain_strings_as_marp_gives_them():
    deck = deck_of("""
---
marp: true
header: ![logo w:40](img/logo.png)
footer: Lecture 1: Intro
paginate: true
---

# A
""")
    slide = deck.slides[0]
    assert deck.is_marp
    assert deck.front_matter["footer"] == "Lecture 1: Intro"
    assert (slide.header, slide.footer, slide.paginate) == (
        "![logo w:40](img/logo.png)", "Lecture 1: Intro", "true")


def test_a_directive_value_with_a_colon_is_kept_and_the_comment_is_no_note():
    deck = deck_of("<!-- _header: 演習1: 解答 -->\n\n# A\n")
    slide = deck.slides[0]
    assert slide.header == "演習1: 解答"
    assert slide.notes == []


def test_titles_are_plain_text_and_an_image_header_gives_none():
    deck = deck_of("""
<!-- _header: ![logo](img/logo.png) -->

# **太字** の `見出し`

---

<!-- _header: "![](a.png) **演習1**: <span>解答</span>" -->
""")
    first, second = deck.slides
    assert first.title == "太字 の 見出し"
    assert second.title == "演習1: 解答"


def test_global_directive_in_a_comment_applies_to_every_slide_last_one_wins():
    deck = deck_of("# a\n\n---\n\n<!-- theme: one -->\n\n---\n\n<!-- theme: two -->\n")
    assert [s.directives["theme"] for s in deck.slides] == ["two", "two", "two"]


def test_local_directive_applies_from_its_own_slide_on_spot_only_there():
    deck = deck_of("# a\n\n---\n\ntext\n<!-- class: x -->\n<!-- _footer: f -->\n\n---\n\n# c\n")
    assert [s.classes for s in deck.slides] == [[], ["x"], ["x"]]
    assert [s.footer for s in deck.slides] == [None, "f", None]


def test_comment_whitespace_of_any_kind_including_ideographic_space():
    deck = deck_of("<!--\u3000_class: lead\u3000-->\n"
                   "<!--\t_header: タブ\t-->\n<!--- _footer: x --->\n")
    slide = deck.slides[0]
    assert (slide.classes, slide.header, slide.footer) == (["lead"], "タブ", "x")


def test_a_comment_that_is_not_a_directive_mapping_is_a_presenter_note():
    deck = deck_of("<!-- メモ: ここで質問を受ける -->\n<!-- headerr: typo -->\n"
                   "<!-- prettier-ignore -->\n")
    assert deck.slides[0].notes == ["メモ: ここで質問を受ける", "headerr: typo"]


def test_heading_divider_splits_before_each_heading_of_those_levels():
    deck = deck_of("""
---
marp: true
headingDivider: 2
---

# T

## A

### not split

## B
""")
    assert [(s.line, s.title) for s in deck.slides] == [(5, "T"), (8, "A"), (12, "B")]
    assert [s.end_line for s in deck.slides] == [7, 11, 12]


def test_heading_divider_as_a_list_and_from_a_comment():
    deck = deck_of("<!-- headingDivider: [1, 3] -->\n\n# a\n\n## b\n\n### c\n")
    assert [s.title for s in deck.slides] == ["a", "c"]


def test_fence_in_a_block_quote_is_a_fence_with_its_deck_lines():
    deck = deck_of("# s\n\n> ```python\n> x = 1\n> ```\n")
    fence = deck.code_blocks[0]
    assert (fence.line, fence.end_line, fence.body_lines, fence.body_columns) == (3, 5, [4], [2])


def test_cr_only_and_crlf_decks_number_lines_like_lf():
    lf = "---\nmarp: true\n---\n\n# s\n\n```python\nx = 1\n```\n"
    for ending in ("\n", "\r\n", "\r"):
        deck = parse_deck(lf.replace("\n", ending), "d.md")
        assert deck.is_marp
        assert deck.code_blocks[0].body_lines == [8]


def test_u2028_is_no_line_break_as_in_marp():
    text = "---\nmarp: true\n---\n\na\u2028b\n\n```python\nx = 1\n```\n"
    deck = parse_deck(text, "d.md")
    assert deck.code_blocks[0].line == 7
    assert split_lines(text)[4] == "a\u2028b"
    assert len(deck.lines) == 9


def test_marp_decks_are_recognised_with_any_line_ending_and_a_bom():
    assert looks_like_marp(b"\xef\xbb\xbf---\rtitle: x\rmarp: true\r---\r")
    assert looks_like_marp("---\r\nmarp: true\r\n---\r\n")
    assert not looks_like_marp("---\ntitle: x\n---\nmarp: true\n")
    assert not looks_like_marp("# marp: true\n")


def test_every_local_asset_marp_loads_is_in_images_with_its_line():
    deck = deck_of("""
---
marp: true
header: ![](img/logo.png)
---

![bg left:30%](img/bg.png)
<video src="v.mp4" poster="p.png"></video>
<audio><source src="a.ogg"></audio>
<img srcset="s1.png 1x, s2.png 2x">
<a href="notes.md">link</a> [md link](other.md)

<!-- _footer: ![](img/foot.png) -->
""")
    slide = deck.slides[0]
    loads = [(r.src, r.line, r.directive) for r in slide.images if r.attr != "href"]
    assert loads == [
        ("img/bg.png", 6, ""), ("v.mp4", 7, ""), ("p.png", 7, ""), ("a.ogg", 8, ""),
        ("s1.png", 9, ""), ("s2.png", 9, ""),
        ("img/logo.png", 3, "header"), ("img/foot.png", 12, "footer")]
    assert [(r.src, r.tag) for r in slide.images if r.attr == "href"] == [("notes.md", "a")]
    assert [(r.src, r.line) for r in slide.links] == [("other.md", 10)]


def test_handout_only_slide_opened_by_a_heading_is_blanked_without_its_neighbour():
    from lecturekit.deck.variants import slides_kept, slides_markdown

    deck = deck_of("""
---
marp: true
headingDivider: 2
---

## A
text of A
## B
<!-- _class: handout-only -->
only in the handout
## C
""")
    assert [s.separator_line for s in deck.slides] == [None, None, None]
    variant = slides_markdown(deck)
    assert variant.split("\n")[5:11] == ["## A", "text of A", "", "", "", "## C"]
    assert [s.title for s in slides_kept(deck)] == ["A", "C"]
    assert [s.title for s in parse_deck(variant, "v.md").slides] == ["A", "C"]


def test_paginate_values_are_marps_and_false_means_none():
    deck = deck_of("<!-- paginate: true -->\n\n---\n\n<!-- _paginate: hold -->\n\n---\n\n"
                   "<!-- _paginate: skip -->\n\n---\n\n<!-- paginate: false -->\n")
    assert [s.paginate for s in deck.slides] == ["true", "hold", "skip", None]


def test_a_directive_marp_ignores_still_hides_its_comment():
    deck = deck_of("<!-- header: [not, a, string] -->\n\n# A\n")
    slide = deck.slides[0]
    assert (slide.header, slide.notes, slide.comments[0].hidden) == (None, [], True)


def test_directive_lines_say_where_each_value_is_written():
    deck = deck_of("---\nmarp: true\n_class: title\nheader: 全体\n---\n\n# A\n\n---\n\n"
                   "<!-- footer: 脚注 -->\n")
    first, second = deck.slides
    assert (first.classes, second.classes) == (["title"], [])
    assert first.directive_lines == {"class": 3, "header": 4}
    assert second.directive_lines == {"header": 4, "footer": 11}


FAST_PATH_TEXTS = [
    "marp: true", "marp : true", "marp:  TRUE", "paginate: false", "memory: 1.5G",
    "deck-timeout: 600", "max_output: 2M", "theme: default\nsize: wide", "title: Hello World",
    "title: a -b c+d", "x: 0x10", "n: null", "y: yes", "v: 1e3", "d: 2024-01-01",
    "path: img/a.png", 'header: "Lecture 1: Intro"', 'footer: "a \\"b\\""\nmarp: true',
    "theme: gaia\nclass: lead invert",
    # shapes the fast path must leave to PyYAML
    "a: b c ", "a: b #c", "a: b: c", "a: -b", "a: 'b'", "a: [b]", "a: {b: c}", "a: *b",
    "a: &b c", "a: !b c", "a: |\n  b", "a: b\na: c", "a:\tb", "a: b\n  c", "- a", "a: ~",
    "a: ...", "a: --- b", "a:b", "a: ", "a: b\n", "t: 日本語", "a b: c",
]


@pytest.mark.parametrize("text", FAST_PATH_TEXTS)
def test_the_yaml_fast_path_reads_what_pyyaml_reads_or_leaves_it_to_pyyaml(text):
    """Differential: whenever the fast path accepts a text, PyYAML (FAILSAFE, as Marp's
    js-yaml) gives the same mapping."""
    from lecturekit.deck import marpit

    fast = marpit._simple_mapping(text)
    if fast is None:
        return
    assert fast == marpit._load_full(text)


def test_the_fast_path_takes_a_decks_usual_front_matter():
    from lecturekit.deck import marpit

    accepted = [t for t in FAST_PATH_TEXTS if marpit._simple_mapping(t) is not None]
    assert "marp: true" in accepted and "memory: 1.5G" in accepted
    assert not {"a: b #c", "a: b: c", "a: 'b'", "a: b\na: c", "t: 日本語"} & set(accepted)
