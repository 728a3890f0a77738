"""A slide as a notebook markdown cell: Marp-only syntax made readable anywhere."""

from __future__ import annotations

import base64
import dataclasses
from pathlib import Path

import pytest

from lecturekit.deck import DeckError, parse_deck
from lecturekit.handout.cells import RAISES, SKIP, code_pieces
from lecturekit.handout.markdown import slide_markdown
from lecturekit.handout.notebook import FRESH, deck_notebook

FIXTURES = Path(__file__).parent / "fixtures"


def converted(body: str, path: Path = FIXTURES / "deck.md", slide: int = 0):
    deck = parse_deck("---\nmarp: true\n---\n\n" + body.lstrip("\n"), path)
    target = deck.slides[slide]
    return slide_markdown(target, deck.path, target.code_blocks), target


def test_header_becomes_a_level_two_heading_and_directives_and_notes_vanish():
    md, _ = converted("""
<!-- _header: 連鎖律 -->
<!-- _class: lead -->

本文 $f(g(x))' = f'(g(x))\\,g'(x)$

<!-- 講師メモ: ここで板書 -->
""")
    assert md.text.startswith("## 連鎖律\n\n")
    assert "$f(g(x))' = f'(g(x))\\,g'(x)$" in md.text
    assert "<!--" not in md.text and "講師メモ" not in md.text and "_class" not in md.text


def test_line_breaks_inside_a_paragraph_stay_breaks_in_a_viewer_that_joins_lines():
    """Marp breaks a line where the slide does (`breaks: true`); Jupyter and nbconvert join
    such lines unless the break is written out.  The notebook's Markdown, read by a viewer
    without `breaks`, shows as many breaks as the slide read with them."""
    from markdown_it import MarkdownIt

    body = ("# 第三回\n\ntraP Kaggle班\n2024-06-28\n\n- 一行目\n  続き\n- 次\n\n"
            "> 引用一\n> 引用二\n")
    md, _ = converted(body)
    slide = MarkdownIt("commonmark", {"breaks": True}).render(body).count("<br")
    notebook = MarkdownIt("commonmark").render(md.text).count("<br")
    assert slide == notebook == 3  # the date, the list item, the quote
    math, _ = converted("$$\nx\n+ y\n$$\n")
    assert math.text == "$$\nx\n+ y\n$$\n"  # display math (Marp's math, no breaks) untouched


def test_a_box_wears_the_label_its_theme_draws_before_it(tmp_path: Path):
    """The repository's theme says what a box is called (`::before { content: ... }`); the
    notebook cannot use the stylesheet, so it writes that label at the head of the box."""
    (tmp_path / "lecturekit.toml").write_text("", encoding="utf-8")
    (tmp_path / "themes").mkdir()
    (tmp_path / "themes" / "club.css").write_text(
        "/* @theme club */\nsection .tip::before { content: \"Tip\"; }\n"
        "section .plain::before { content: \"\"; }\n", encoding="utf-8")
    deck = tmp_path / "talk.md"
    deck.write_text("---\nmarp: true\ntheme: club\n---\n\n# Boxes\n\n"
                    "<div class=\"tip\">\n\nSave often.\n\n</div>\n\n"
                    "<div class=\"plain\">\n\nNo label.\n\n</div>\n", encoding="utf-8")
    nb = deck_notebook(parse_deck(deck.read_text(encoding="utf-8"), deck))
    text = "".join("".join(c.source) for c in nb.cells if c.cell_type == "markdown")
    assert "> **Tip**\n>\n> Save often." in text
    assert "No label." in text and "> No label." not in text  # no label, no box


def test_theme_boxes_become_blockquotes_and_columns_are_unwrapped():
    md, _ = converted("""
<div class="columns">
<div>

<div class="def">

**定義** 行列

二行目

</div>

</div>
<div>

右の列

</div>
</div>
""")
    assert "> **定義** 行列\n>\n> 二行目" in md.text
    assert "右の列" in md.text
    assert "<div" not in md.text and "</div>" not in md.text


def test_marker_spans_get_inline_styles_and_cite_and_section_tag_are_small():
    md, _ = converted("""
<div class="section">はじめに</div>

<span class="lined">下線</span> と <span class="red">赤</span>

<div class="cite">

出典: 教科書

</div>
""")
    assert '<span style="text-decoration:underline' in md.text
    assert '<span style="color:#d33">赤</span>' in md.text
    assert '<div style="font-size:smaller;color:#555">\n\n出典: 教科書\n\n</div>' in md.text
    assert '<p style="text-align:right;font-size:smaller;color:#777;margin:0">はじめに</p>' \
        in md.text


def test_python_blocks_leave_the_markdown_but_other_fences_stay_without_annotations():
    md, _ = converted("""
<div class="box">

```python
print(1)  # -> 1
```

```text handout-only
torch.tensor(data)
```

</div>
""")
    assert "print(1)" not in md.text
    assert "> ```text\n> torch.tensor(data)\n> ```" in md.text
    assert "handout-only" not in md.text


def test_markdown_images_become_data_uris_without_marp_keywords(tmp_path: Path):
    (tmp_path / "img").mkdir()
    png = (FIXTURES / "img" / "parabola.png").read_bytes()
    (tmp_path / "img" / "p.png").write_bytes(png)
    md, _ = converted("![w:400 center 放物線](img/p.png)\n", tmp_path / "deck.md")
    encoded = base64.b64encode(png).decode()
    assert md.text.strip() == f"![放物線](data:image/png;base64,{encoded})"
    assert [f.name for f in dataclasses.fields(md)] == ["text"]   # no attachments to carry


def test_html_images_are_inlined_as_data_uris(tmp_path: Path):
    (tmp_path / "a.png").write_bytes((FIXTURES / "img" / "parabola.png").read_bytes())
    md, _ = converted('<img src="a.png" width="200">\n', tmp_path / "deck.md")
    assert 'src="data:image/png;base64,' in md.text
    assert 'src="a.png"' not in md.text


def test_missing_image_is_an_error_naming_deck_slide_and_line(tmp_path: Path):
    with pytest.raises(DeckError) as caught:
        converted("# one\n\n---\n\ntext\n\n![x](img/none.png)\n", tmp_path / "deck.md", slide=1)
    assert caught.value.line == 11 and caught.value.slide == 2
    assert "img/none.png" in caught.value.message and "not found" in caught.value.message


def test_remote_image_is_refused_because_handouts_open_offline(tmp_path: Path):
    with pytest.raises(DeckError) as caught:
        converted("![x](https://example.org/a.png)\n", tmp_path / "deck.md")
    assert caught.value.line == 5
    assert "remote" in caught.value.message and "offline" in caught.value.message


def test_transcript_keeps_only_input_lines_one_cell_per_shown_output():
    deck = parse_deck("""# t

```pycon
>>> a = [1, 2]
>>> for x in a:
...     print(x)
1
2
>>> len(a)
2
>>> a[5]
Traceback (most recent call last):
  ...
IndexError: list index out of range
>>> b = 3
```
""", "t.md")
    pieces = code_pieces(deck.code_blocks[0])
    assert [p.source for p in pieces] == [
        "a = [1, 2]\nfor x in a:\n    print(x)", "len(a)", "a[5]", "b = 3"]
    assert [p.lines for p in pieces] == [[4, 5, 6], [9], [11], [15]]
    assert [p.tags for p in pieces] == [[], [], [RAISES], []]


def test_script_block_is_cut_after_the_statement_expected_to_raise():
    deck = parse_deck("""# t

```python skip="demo"
x = 1
int("a")  # -> ValueError: invalid literal for int() with base 10: 'a'
print(x)  # -> 1
```
""", "t.md")
    pieces = code_pieces(deck.code_blocks[0])
    assert [p.lines for p in pieces] == [[4, 5], [6]]
    assert [p.tags for p in pieces] == [[RAISES, SKIP], [SKIP]]


def test_an_expected_error_written_below_its_statement_stays_in_the_raising_cell():
    deck = parse_deck("""# t

```python skip="demo"
int("a")
# -> ValueError: invalid literal for int() with base 10: 'a'
print(1)  # -> 1
```
""", "t.md")
    pieces = code_pieces(deck.code_blocks[0])
    assert [p.lines for p in pieces] == [[4, 5], [6]]
    assert pieces[0].source.endswith("# -> ValueError: invalid literal for int() with base 10: 'a'")
    assert [p.tags for p in pieces] == [[RAISES, SKIP], [SKIP]]


def test_fresh_block_gets_a_hidden_cell_that_resets_seeds_and_sets_up_again():
    deck = parse_deck("---\nsetup: |\n  import math\n---\n\n# t\n\n```python fresh\n"
                      "print(math.pi)  # -> 3.141592653589793\n```\n", "t.md")
    cells = deck_notebook(deck).cells
    fresh = next(c for c in cells if FRESH in c.metadata.get("tags", []))
    block = cells[cells.index(fresh) + 1]
    assert fresh.source.startswith("#@title ") and "\n%reset -f\n" in fresh.source
    assert "manual_seed" in fresh.source and fresh.source.rstrip().endswith("import math")
    assert fresh.metadata.jupyter.source_hidden
    assert block.source.startswith("print(math.pi)")
