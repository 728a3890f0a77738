"""The deck model: slides, fences, directives and errors, read once by every stage."""

from pathlib import Path

import pytest

from lecturekit.deck import DeckError, parse_deck, read_deck

FIXTURES = Path(__file__).parent / "fixtures"


def deck_of(text: str):
    return parse_deck(text.lstrip("\n"), "deck.md")


def test_front_matter_is_not_a_slide_and_slides_split_on_rulers():
    deck = deck_of("""
---
marp: true
title: 例
---

# one

---

# two

***

# three
""")
    assert deck.is_marp
    assert deck.front_matter["title"] == "例"
    assert [s.title for s in deck.slides] == ["one", "two", "three"]
    assert [s.line for s in deck.slides] == [5, 9, 13]


def test_setext_heading_underline_does_not_split_slides():
    deck = deck_of("Title\n---\n\nbody\n")
    assert len(deck.slides) == 1
    assert deck.slides[0].headings == [(2, "Title", 1)]


def test_fence_lines_map_to_the_deck_file():
    deck = deck_of("""
# s

```python
a = 1
b = 2
```
""")
    fence = deck.code_blocks[0]
    assert (fence.line, fence.end_line, fence.body_lines) == (3, 6, [4, 5])


def test_fence_in_list_item_keeps_its_columns():
    deck = deck_of("""
- item

  ```py
  x = 1
  ```
""")
    fence = deck.code_blocks[0]
    assert fence.code == "x = 1\n"
    assert fence.body_lines == [4]
    assert fence.body_columns == [2]


def test_tilde_fences_and_language_aliases_are_python():
    deck = deck_of("~~~python3 \nx = 1\n~~~\n\n```pycon\n>>> 1\n1\n```\n\n```js\n1\n```\n")
    assert [f.lang for f in deck.code_blocks] == ["python3", "pycon"]
    assert deck.code_blocks[1].is_transcript


def test_fence_inside_html_comment_is_a_note_not_code():
    deck = deck_of("""
# s

<!--
```python
raise SystemExit
```
-->
""")
    slide = deck.slides[0]
    assert deck.code_blocks == []
    assert [f.in_comment for f in slide.fences] == [True]
    assert slide.fences[0].line == 4
    assert slide.notes == ["```python\nraise SystemExit\n```"]


def test_directives_are_not_notes_and_spot_directives_do_not_inherit():
    deck = deck_of("""
<!-- header: 全体 -->
<!-- _class: lead -->
# a

---

<!-- _header: ここだけ -->
話すこと
<!-- 発表者メモ -->

---

# c
""")
    a, b, c = deck.slides
    assert (a.header, a.classes) == ("全体", ["lead"])
    assert (b.header, b.classes, b.notes) == ("ここだけ", [], ["発表者メモ"])
    assert (c.header, c.classes) == ("全体", [])


def test_annotations_are_read_from_the_info_string():
    deck = deck_of('```python skip="図は別に生成" timeout=5\nx\n```\n')
    fence = deck.code_blocks[0]
    assert fence.value("skip") == "図は別に生成"
    assert fence.value("timeout") == "5"


def test_pytest_codeblocks_comment_markers_become_annotations():
    deck = deck_of("""
<!--pytest-codeblocks:importorskip(torch)-->
```python
import torch
```

<!--pytest.mark.skip-->
```python
x
```
""")
    first, second = deck.code_blocks
    assert first.value("importorskip") == "torch"
    assert second.has("skip")
    assert deck.slides[0].notes == []


def test_image_references_carry_their_lines():
    deck = deck_of("""
# s

![w:300 center](../img/a.png)

<img src="b.svg">
<!-- an HTML comment inside an HTML block: Marp neither applies nor loads it url('x.jpg') -->

<!-- _backgroundImage: url('c.jpg') -->
""")
    refs = [(r.src, r.line) for r in deck.slides[0].images]
    assert refs == [("../img/a.png", 3), ("b.svg", 5), ("c.jpg", 8)]


def test_unknown_annotation_names_file_and_line():
    with pytest.raises(DeckError) as info:
        deck_of("# s\n\n```python skpi\nx\n```\n")
    assert str(info.value).startswith("deck.md:3: unknown annotation 'skpi'")


def test_annotation_without_its_value_is_an_error():
    with pytest.raises(DeckError) as info:
        deck_of("```python timeout\nx\n```\n")
    assert str(info.value) == "deck.md:1: annotation 'timeout' needs a value: timeout=..."


def test_unterminated_fence_names_its_opening_line():
    with pytest.raises(DeckError) as info:
        deck_of("# s\n\n```python\nx = 1\n")
    assert str(info.value).startswith("deck.md:3: code fence ``` opened here is never closed")


def test_non_utf8_deck_names_the_line_of_the_bad_byte():
    with pytest.raises(DeckError) as info:
        read_deck(FIXTURES / "latin1.md")
    assert info.value.line == 5
    assert "not valid UTF-8 (byte 0xe9" in str(info.value)
    assert str(info.value).startswith(str(FIXTURES / "latin1.md") + ":5:")


def test_unclosed_front_matter_is_an_error():
    with pytest.raises(DeckError) as info:
        deck_of("---\nmarp: true\n\n# s\n")
    assert str(info.value) == "deck.md:1: front matter opened with '---' is never closed"


def test_crlf_deck_maps_lines_like_lf():
    deck = parse_deck("---\r\nmarp: true\r\n---\r\n\r\n```python\r\nx = 1\r\n```\r\n", "d.md")
    assert deck.is_marp
    assert deck.code_blocks[0].body_lines == [6]


def test_codeblocks_markers_for_errors_and_loose_output_become_annotations():
    deck = deck_of("""
<!--pytest-codeblocks:expect-exception-->
```python
1 / 0
```

<!--pytest.mark.xfail(reason="known bug", strict=False)-->
```python
x
```

<!--pytest-codeblocks:expected-output-ignore-whitespace-->
```
a b
```
""")
    first, second, output = deck.slides[0].fences
    assert first.has("xfail") and first.value("xfail") is None
    assert second.value("xfail") == "known bug"
    assert output.has("output") and output.has("ignore-whitespace")
