from lecturekit.deck import parse_deck
from lecturekit.deck.variants import slides_kept, slides_markdown

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
