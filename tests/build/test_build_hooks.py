"""build_deck's extension points and its independence from the working directory.

- `before_publish`: runs after every check passed, before anything reaches the
  output folder; a BuildError from it publishes nothing.
- page checks (engine/typesetting.mjs's interface): each entry is a layout
  problem naming its slide, strict by default, a warning under layout="warn".
- Location: a deck outside slides/ with its img/ beside it builds from any cwd.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from build_helpers import FIXTURES, build, line_of

from lecturekit.render import BuildError, Problem, build_deck

pytestmark = pytest.mark.render
PROBE = FIXTURES / "engine" / "typesetting_probe.mjs"
DECK = """---
marp: true
theme: honwaka
---

# 一枚目

---

<!-- _header: 組版 -->

ここで禁則の確認をします
"""


@pytest.fixture
def deck(tmp_path: Path) -> Path:
    path = tmp_path / "decks" / "hooks.md"
    path.parent.mkdir()
    path.write_text(DECK, encoding="utf-8")
    return path


def outputs(out: Path) -> list[str]:
    """What is published in `out` (not the build's own staging folder)."""
    return sorted(p.name for p in out.iterdir() if not p.name.startswith(".build-")) \
        if out.exists() else []


def test_before_publish_refusal_publishes_nothing(deck: Path, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    seen: list[list[str]] = []

    def refuse() -> None:
        seen.append(outputs(out))
        raise BuildError([Problem(deck, 12, "has a code block whose output is wrong")])

    with pytest.raises(BuildError) as refused:
        build_deck(deck, out, log=lambda _: None, before_publish=refuse, page_checks=[])
    assert str(refused.value) == f"{deck}:12: has a code block whose output is wrong"
    assert seen == [[]]
    assert outputs(out) == []


def test_before_publish_runs_once_after_the_checks_then_outputs_appear(
        deck: Path, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    log: list[str] = []

    def agree() -> None:
        log.append(f"hook, published so far: {outputs(out)}")

    build_deck(deck, out, log=log.append, before_publish=agree, page_checks=[])
    hook = log.index("hook, published so far: []")
    assert log[hook - 1] == "[build] hooks: pdf"
    assert any(line.startswith("[build] hooks: checks ok") for line in log[:hook])
    assert outputs(out) == ["hooks.html", "hooks.pdf"]


def test_page_check_entries_are_layout_problems_naming_their_slide(
        deck: Path, tmp_path: Path) -> None:
    with pytest.raises(BuildError) as refused:
        build_deck(deck, tmp_path / "dist", log=lambda _: None, page_checks=[PROBE])
    line = line_of(deck, "_header: 組版")
    assert str(refused.value) == (f'{deck}:{line}: slide 2 "組版" has a typesetting problem '
                                  f"(kinsoku): 「禁則」の前で改行 (probe)")
    assert outputs(tmp_path / "dist") == []


def test_page_check_entries_only_warn_under_layout_warn(deck: Path, tmp_path: Path) -> None:
    warnings: list[str] = []
    built = build_deck(deck, tmp_path / "dist", log=lambda _: None, layout="warn",
                       warn=warnings.append, page_checks=[PROBE])
    assert warnings == [f"warning: {p}" for p in built.warnings]
    assert [p.slide for p in built.warnings] == [2]
    assert "(kinsoku)" in warnings[0]
    assert outputs(tmp_path / "dist") == ["hooks.html", "hooks.pdf"]


def test_deck_outside_slides_builds_from_another_working_directory(tmp_path: Path) -> None:
    talk = tmp_path / "talk"
    (talk / "img").mkdir(parents=True)
    shutil.copy(FIXTURES / "img" / "grid.png", talk / "img" / "grid.png")
    (talk / "deck.md").write_text("---\nmarp: true\ntheme: honwaka\n---\n\n# 図\n\n"
                                  "![w:200](img/grid.png)\n", encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    run = build(Path("../talk/deck.md"), Path("../out"), cwd=elsewhere)
    assert run.code == 0, run.stderr
    out = tmp_path / "out"
    # no project marker above talk/: the deck's own folder is its project root (README)
    assert sorted(p.name for p in out.iterdir()) == ["deck.html", "deck.pdf", "img"]
    html = (out / "deck.html").read_text(encoding="utf-8")
    assert 'src="img/grid.png"' in html
    copied = out / "img" / "grid.png"
    assert copied.read_bytes() == (talk / "img" / "grid.png").read_bytes()
    assert list(elsewhere.iterdir()) == []

