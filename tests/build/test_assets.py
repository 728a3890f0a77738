from pathlib import Path, PurePosixPath

import pytest

from lecturekit.deck import parse_deck
from lecturekit.render.assets import (
    dist_path,
    local_refs,
    project_root,
    refused_refs,
    rewrite_refs,
)

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
    (tmp_path / "slides").mkdir(parents=True)
    (tmp_path / "package.json").touch()  # the project root
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


HOSTILE = """---
marp: true
header: ![](../img/logo.png)
---

![](../../../../etc/passwd)
![](/etc/hostname)
<img src="file:///etc/hostname">
<video poster="../img/link/secret.txt"></video>
<object data="../.git/config"></object>
<a href="../.git/config">git</a> <a href="notes.md">notes</a> <a href="../img/big.png">big</a>

<style>
section { background: url(/etc/os-release); }
</style>

<!-- _footer: ![](../img/foot.png) -->
"""


def hostile_project(tmp_path: Path):
    root = tmp_path / "project"
    (root / ".git").mkdir(parents=True)
    (root / ".git" / "config").write_text("[core]\n")
    (root / "img").mkdir()
    for name in ("logo.png", "foot.png", "big.png"):
        (root / "img" / name).write_bytes(b"png")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("secret")
    (root / "img" / "link").symlink_to(outside)
    (root / "slides").mkdir()
    path = root / "slides" / "deck.md"
    path.write_text(HOSTILE)
    (root / "slides" / "notes.md").write_text("# notes\n")
    return parse_deck(HOSTILE, path), root


def test_every_reference_leaving_the_project_is_refused_with_its_line(tmp_path: Path) -> None:
    deck, root = hostile_project(tmp_path)
    refused = [(r.ref.src, r.ref.line, r.reason.split(" (")[0].split(" of ")[0])
               for r in refused_refs(deck, deck.slides)]
    assert refused == [
        ("../../../../etc/passwd", 6, "outside the project"),
        ("/etc/hostname", 7, "an absolute path"),
        ("file:///etc/hostname", 8, "a file: URL"),
        ("../img/link/secret.txt", 9, "outside the project"),
        ("../.git/config", 10, "inside the hidden '.git'"),
        ("../.git/config", 11, "inside the hidden '.git'"),
        ("/etc/os-release", 14, "an absolute path"),
    ]


def test_only_loads_and_asset_links_inside_the_project_are_copied(tmp_path: Path) -> None:
    deck, root = hostile_project(tmp_path)
    copied = {str(dist_path(deck, r.file)) for r in local_refs(deck, deck.slides)}
    assert copied == {"img/logo.png", "img/foot.png", "img/big.png"}


def test_header_and_footer_images_are_rewritten_where_written(tmp_path: Path) -> None:
    deck, root = hostile_project(tmp_path)
    lines = rewrite_refs(deck.text, deck, local_refs(deck, deck.slides)).split("\n")
    assert lines[2] == "header: ![](img/logo.png)"
    assert lines[16] == "<!-- _footer: ![](img/foot.png) -->"
    assert lines[10].endswith('<a href="img/big.png">big</a>')


def test_a_deck_outside_any_project_owns_its_folder(tmp_path: Path) -> None:
    folder = tmp_path / "talk"
    (folder / "img").mkdir(parents=True)
    (folder / "img" / "a.png").write_bytes(b"png")
    deck = parse_deck("---\nmarp: true\n---\n\n![](img/a.png)\n![](../x.png)\n",
                      folder / "talk.md")
    assert project_root(deck) == folder
    assert [str(dist_path(deck, r.file)) for r in local_refs(deck, deck.slides)] == ["img/a.png"]
    assert [r.ref.src for r in refused_refs(deck, deck.slides)] == ["../x.png"]


def test_this_repository_keeps_its_dist_layout() -> None:
    root = Path(__file__).resolve().parents[2]
    deck = parse_deck("---\nmarp: true\n---\n\n![](../img/x.png)\n", root / "slides" / "x.md")
    assert project_root(deck) == root
    assert dist_path(deck, root / "img" / "x.png") == PurePosixPath("img/x.png")


@pytest.mark.render
def test_a_deck_outside_the_project_builds_with_its_header_images_beside_it(
        tmp_path: Path) -> None:
    """End to end: a CR-only deck in a folder of its own, images in header and footer
    directives; each image lands in dist/ and the HTML loads it from there."""
    from build_helpers import FIXTURES, build

    folder = tmp_path / "talk"
    (folder / "img").mkdir(parents=True)
    for name in ("logo.png", "foot.png"):
        (folder / "img" / name).write_bytes((FIXTURES / "img" / "grid.png").read_bytes())
    text = ("---\rmarp: true\rheader: ![logo h:30](img/logo.png) Lecture 1: Intro\r---\r\r"
            "# One\r\r---\r\r<!-- _footer: ![](img/foot.png) 演習1: 解答 -->\r\r# Two\r")
    deck = folder / "talk.md"
    deck.write_bytes(text.encode())
    out = tmp_path / "dist"
    run = build(deck, out)
    assert run.code == 0, run.stderr
    html = (out / "talk.html").read_text(encoding="utf-8")
    for name in ("logo.png", "foot.png"):
        assert (out / "img" / name).read_bytes() == (folder / "img" / name).read_bytes()
        assert f'src="img/{name}"' in html
    assert sorted(p.name for p in out.iterdir()) == ["img", "talk.html", "talk.pdf"]

