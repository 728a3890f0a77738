"""The handout's own render (slides the slide PDF lacks) is confined like the slide build:
a deck script that strikes while the pages print reaches nothing, and the handout stops."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lecturekit.deck import parse_deck
from lecturekit.handout.errors import HandoutError
from lecturekit.handout.pages import handout_pages

ROOT = Path(__file__).parents[2]

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


# -- every entry point confines as the build does (issue 20, cases 6 and 7) ------------------

SECRET = "TOPSECRET-handout-5d1e"

ESCAPING = """---
marp: true
theme: honwaka
---

# 音

<audio src="{absolute}"></audio>

---

# 図

![図](../../outside/secret.svg)

```python
print(1)
```
"""


def _project(tmp_path: Path) -> tuple[Path, Path]:
    """(the project's slides folder, a folder outside the project holding secrets)."""
    project, outside = tmp_path / "project", tmp_path / "outside"
    (project / ".git").mkdir(parents=True)
    (project / "slides").mkdir()
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET, encoding="utf-8")
    (outside / "secret.svg").write_text(f"<svg xmlns='http://www.w3.org/2000/svg'>"
                                        f"<text>{SECRET}</text></svg>", encoding="utf-8")
    return project / "slides", outside


def _line(path: Path, needle: str) -> int:
    return next(n for n, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                if needle in text)


def _nothing_leaked(out: Path) -> None:
    files = [p for p in out.rglob("*") if p.is_file()] if out.exists() else []
    assert files == [], files
    for file in files:
        assert SECRET not in file.read_text(encoding="utf-8", errors="replace")


def test_handout_refuses_what_the_build_refuses_at_each_line(tmp_path: Path, capsys) -> None:
    """`lecturekit handout deck.md` run directly (no build before it) embedded an absolute
    path and a `../..` image in the notebook; now it stops at the build's own lint lines."""
    from lecturekit.handout.command import handout_main
    from lecturekit.render.lint import lint_deck
    from lecturekit.render.tools import THEMES

    slides, outside = _project(tmp_path)
    deck = slides / "escape.md"
    deck.write_text(ESCAPING.replace("{absolute}", str(outside / "secret.txt")), encoding="utf-8")
    out = tmp_path / "dist"
    assert handout_main([str(deck), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    audio, image = _line(deck, "<audio"), _line(deck, "![図]")
    assert (f'error: {deck}:{audio}: slide 1 "音" references {outside / "secret.txt"}, an '
            f"absolute path (refer to files inside the project by a relative path); only files "
            f"inside the project are published" in err), err
    assert (f'{deck}:{image}: slide 2 "図" references ../../outside/secret.svg, outside the '
            f"project" in err), err
    assert "Traceback" not in err and SECRET not in err
    # the same lines, the same words as the build's lint
    build_lines = [str(p) for p in lint_deck(parse_deck(deck.read_text(encoding="utf-8"), deck),
                                             THEMES) if "references" in p.message]
    assert build_lines and all(line in err for line in build_lines)
    _nothing_leaked(out)


def test_images_the_handout_embeds_obey_the_resolved_path_rule(tmp_path: Path) -> None:
    """The embedding itself (not only the deck lint) refuses a symlink in the project that
    points outside it, naming the deck line."""
    from lecturekit.deck import DeckError
    from lecturekit.handout.images import resolve_image

    slides, outside = _project(tmp_path)
    (slides / "img").mkdir()
    (slides / "img" / "link.svg").symlink_to(outside / "secret.svg")
    deck = slides / "deck.md"
    deck.write_text("# x\n", encoding="utf-8")
    with pytest.raises(DeckError) as refused:
        resolve_image("img/link.svg", deck, 7, 2)
    assert str(refused.value).startswith(f"{deck}:7 (slide 2): references img/link.svg, "
                                         f"outside the project")
    with pytest.raises(DeckError, match="hidden '.git'"):
        resolve_image("../.git/config", deck, 3, 1)


def test_a_deck_symlinked_from_outside_is_refused_by_every_entry_point(
        tmp_path: Path, capsys) -> None:
    """slides/linked.md -> ../outside/deck.md: judged at its path, its real folder's
    secret.svg is never published, by any entry point."""
    from lecturekit.author.preview import Preview
    from lecturekit.handout.command import handout_main, index_main
    from lecturekit.site.cli import main as site_main

    slides, outside = _project(tmp_path)
    (outside / "deck.md").write_text("---\nmarp: true\ntheme: honwaka\n---\n\n# 外\n\n"
                                     "![秘密](secret.svg)\n", encoding="utf-8")
    linked = slides / "linked.md"
    linked.symlink_to(outside / "deck.md")
    refused = (f"{linked}: resolves (through a symlink) to {outside / 'deck.md'}, outside the "
               f"project ({slides.parent})")
    out = tmp_path / "dist"
    assert handout_main([str(linked), "--out", str(out)]) == 1
    assert refused in capsys.readouterr().err
    assert index_main([str(linked), "--out", str(out)]) == 1
    assert refused in capsys.readouterr().err
    assert site_main([str(linked), "--dist", str(out), "--out", str(tmp_path / "site")]) == 1
    assert refused in capsys.readouterr().err
    preview = Preview([linked], check=False)
    try:
        (view,) = preview.views.values()
        preview.render(view)
        assert view.error.startswith(f"cannot render the deck: {refused}") and not view.html
        assert preview.lookup("/secret.svg")[0] == 404
    finally:
        preview.close()
    build = subprocess.run([sys.executable, str(ROOT / "scripts" / "build-deck.py"), str(linked),
                            "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert build.returncode == 1 and refused in build.stderr, build.stderr
    assert "Traceback" not in build.stderr
    _nothing_leaked(out)


def test_the_reading_html_embeds_a_theme_by_its_name_never_by_a_path(tmp_path: Path) -> None:
    """`theme:` names a theme (its `@theme` in themes/*.css, as the build looks it up); a
    path there used to be read and embedded in the reading HTML."""
    import os

    from lecturekit.handout.theme import theme_css

    evil = tmp_path / "evil.css"
    evil.write_text(f"/* @theme evil */ body::after {{ content: '{SECRET}' }}", encoding="utf-8")
    escape = os.path.relpath(tmp_path / "evil", ROOT / "themes")
    deck = parse_deck(f"---\nmarp: true\ntheme: {escape}\n---\n\n# x\n", tmp_path / "d.md")
    assert theme_css(deck) == ""
    own = parse_deck("---\nmarp: true\ntheme: honwaka\n---\n\n# x\n", tmp_path / "d.md")
    assert "@theme honwaka" in theme_css(own)


def test_a_narrow_variant_linked_outside_the_project_is_refused_like_the_figure(
        tmp_path: Path) -> None:
    """The reading page embeds `img/fig.narrow.svg` when it lies beside `img/fig.svg`: its
    bytes are published too, so a variant that is a link to a file outside the project stops
    the page at the figure's line, as the figure itself would."""
    from lecturekit.deck import DeckError
    from lecturekit.handout.html import handout_html
    from lecturekit.handout.notebook import deck_notebook

    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    (project / "img").mkdir()
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>'
    (project / "img" / "fig.svg").write_text(svg, encoding="utf-8")
    secret = tmp_path / "secret.svg"
    secret.write_text(svg, encoding="utf-8")
    (project / "img" / "fig.narrow.svg").symlink_to(secret)
    path = project / "deck.md"
    path.write_text("---\nmarp: true\n---\n\n# 図\n\n![図](img/fig.svg)\n", encoding="utf-8")
    deck = parse_deck(path.read_text(encoding="utf-8"), path)
    with pytest.raises(DeckError) as refused:
        handout_html(deck_notebook(deck), deck)
    assert refused.value.line == 7
    assert "img/fig.narrow.svg" in refused.value.message
    assert "only files inside the project are published" in refused.value.message
