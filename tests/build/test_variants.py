from lecturekit.deck import parse_deck
from lecturekit.deck.variants import (
    drop_slides_only_text,
    slides_kept,
    slides_markdown,
    unwrap_handout_only_text,
)

DECK = """---
marp: true
---

# 一枚目

---

<!-- _class: lead handout-only -->

# 配布資料だけ

---

# 三枚目

```python handout-only
print("handout")
```

```text output
handout
```

```python
print("slides")
```
"""


def test_handout_only_slide_is_dropped_with_its_separator() -> None:
    deck = parse_deck(DECK, "d.md")
    variant = parse_deck(slides_markdown(deck), "d.md")
    assert [s.title for s in variant.slides] == ["一枚目", "三枚目"]
    assert [s.title for s in slides_kept(deck)] == ["一枚目", "三枚目"]


def test_variant_keeps_every_line_number() -> None:
    deck = parse_deck(DECK, "d.md")
    text = slides_markdown(deck)
    assert len(text.split("\n")) == len(DECK.split("\n"))
    variant = parse_deck(text, "d.md")
    kept_fence = deck.slides[2].fences[-1]
    assert variant.slides[1].fences[0].line == kept_fence.line
    assert variant.slides[1].line == deck.slides[2].line


def test_handout_only_fence_and_its_output_are_blanked() -> None:
    variant = parse_deck(slides_markdown(parse_deck(DECK, "d.md")), "d.md")
    assert [f.code for f in variant.slides[1].fences] == ['print("slides")\n']


def test_first_slide_handout_only_leaves_no_empty_slide() -> None:
    text = "---\nmarp: true\n---\n\n<!-- _class: handout-only -->\n\nA\n\n---\n\n# B\n"
    variant = parse_deck(slides_markdown(parse_deck(text, "d.md")), "d.md")
    assert [s.title for s in variant.slides] == ["B"]


def test_deck_without_handout_parts_is_unchanged() -> None:
    text = "---\nmarp: true\n---\n\n# A\n\n---\n\n# B\n"
    assert slides_markdown(parse_deck(text, "d.md")) == text


def test_handout_only_words_are_blanked_on_the_slides_without_moving_a_line():
    text = ("# a\n\n<span class=\"slides-only\">右図は</span><span class=\"handout-only\">"
            "下の図は</span>接線。\n\n<div class=\"note handout-only\">\n\n補足\n\n</div>\n\nend\n")
    deck = parse_deck(text, "w.md")
    slides = slides_markdown(deck)
    assert slides.count("\n") == text.count("\n")
    assert "下の図は" not in slides and "補足" not in slides
    assert "<span class=\"slides-only\">右図は</span>接線。" in slides
    assert slides.split("\n")[-2] == "end"
    student = unwrap_handout_only_text(drop_slides_only_text(text))
    assert "右図は" not in student and "下の図は接線。" in student and "補足" in student
