"""The handout's own render (slides the slide PDF lacks) is confined like the slide build:
a deck script that strikes while the pages print reaches nothing, and the handout stops."""

from __future__ import annotations

from pathlib import Path

import pytest

from lecturekit.deck import parse_deck
from lecturekit.handout.errors import HandoutError
from lecturekit.handout.pages import handout_pages

HOSTILE = """---
marp: true
theme: honwaka
---

# 表のスライド

本文

---

<!-- _class: handout-only -->

# 配布資料だけのスライド

<script>
window.addEventListener('beforeprint', () => {
  fetch('http://127.0.0.1:{port}/leak').catch(() => null)
})
</script>
"""




def test_a_script_on_a_handout_only_slide_reaches_nothing_and_stops_the_handout(
        tmp_path: Path, server) -> None:
    port, hits = server
    (tmp_path / ".git").mkdir()   # the deck's project root
    path = tmp_path / "hostile.md"
    path.write_text(HOSTILE.replace("{port}", str(port)), encoding="utf-8")
    deck = parse_deck(path.read_text(encoding="utf-8"), path)
    stage = tmp_path / "stage"
    stage.mkdir()
    with pytest.raises(HandoutError) as refused:
        handout_pages(deck, stage, slides_pdf=None)
    assert str(refused.value) == (f"{path}: the handout-only slides load "
                                  f"http://127.0.0.1:{port}/leak, which the render refused "
                                  f"(only the deck's own files may load)")
    assert hits == []
