from pathlib import Path, PurePosixPath

from lecturekit.build.assets import dist_path, local_refs, rewrite_refs
from lecturekit.deck import parse_deck

TEXT = """---
marp: true
backgroundImage: url('../img/paper.png')
---

# A

![w:300 center](../img/a.png)

<img src="../img/b.png" width="100">

```markdown
![w:300 center](../img/a.png)
```

---

<!-- _backgroundImage: url("pattern.png") -->

# B
"""


def deck_at(tmp_path: Path):
    return parse_deck(TEXT, tmp_path / "slides" / "deck.md")


def test_files_keep_their_path_below_the_project_root(tmp_path: Path) -> None:
    deck = deck_at(tmp_path)
    assert dist_path(deck, tmp_path / "img" / "a.png") == PurePosixPath("img/a.png")
    assert dist_path(deck, tmp_path / "slides" / "p.png") == PurePosixPath("slides/p.png")


def test_files_outside_the_project_go_to_assets(tmp_path: Path) -> None:
    deck = deck_at(tmp_path / "project")
    placed = dist_path(deck, tmp_path / "elsewhere" / "a.png")
    assert placed.parts[0] == "assets" and placed.name == "a.png"


def test_rewrite_points_every_reference_at_the_output_layout(tmp_path: Path) -> None:
    deck = deck_at(tmp_path)
    text = rewrite_refs(deck.text, deck, local_refs(deck, deck.slides))
    lines = text.split("\n")
    assert len(lines) == len(TEXT.split("\n"))
    assert lines[2] == "backgroundImage: url('img/paper.png')"
    assert lines[7] == "![w:300 center](img/a.png)"
    assert lines[9] == '<img src="img/b.png" width="100">'
    assert lines[17] == '<!-- _backgroundImage: url("slides/pattern.png") -->'


def test_rewrite_leaves_code_examples_alone(tmp_path: Path) -> None:
    deck = deck_at(tmp_path)
    text = rewrite_refs(deck.text, deck, local_refs(deck, deck.slides))
    assert text.split("\n")[12] == "![w:300 center](../img/a.png)"
