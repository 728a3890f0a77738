"""Differential test: the deck model reads every deck exactly as marp-core renders it.

`marp_slides.mjs` renders each deck with @marp-team/marp-core (the options of
marp.config.mjs, the directives marp-cli adds) in one node process and prints,
per content slide, the `data-header`, `data-footer`, `data-class` and
`data-paginate` Marpit writes on the <section>, the text of the rendered
<header>, every URL the slide loads and its presenter notes.  For every Marp deck of the project
(tests/ and slides/) and for the tricky decks of tests/marp/corpus/, the model
must give the same slide count and, slide by slide, the same values.
A disagreement fails with a side-by-side table of the differing slides.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote

import pytest

from lecturekit.deck import Deck, DeckError, read_deck
from lecturekit.deck.parse import looks_like_marp, plain_text

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("marp_slides.mjs")
CORPUS = Path(__file__).with_name("corpus")


def marp_decks() -> list[Path]:
    """Every Markdown file under tests/ and slides/ whose front matter says `marp: true`."""
    found = []
    for folder in ("tests", "slides"):
        for path in sorted((ROOT / folder).rglob("*.md")):
            if looks_like_marp(path.read_bytes()[:65536]):
                found.append(path)
    return found


DECKS = marp_decks()


def test_the_corpus_and_the_project_are_all_compared() -> None:
    corpus = sorted(CORPUS.glob("*.md"))
    assert len(corpus) >= 10
    assert set(corpus) <= set(DECKS)
    assert set((ROOT / "slides").glob("*.md")) <= set(DECKS)
    assert any(path.parent == ROOT / "slides" for path in DECKS)


@pytest.fixture(scope="module")
def marp() -> dict[str, dict]:
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "@marp-team" / "marp-core").is_dir():
        pytest.fail("node and node_modules/@marp-team/marp-core are needed (run `npm ci`)")
    done = subprocess.run([node, str(SCRIPT), *map(str, DECKS)], capture_output=True,
                          text=True, cwd=ROOT, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def is_local(url: str) -> bool:
    url = url.strip()
    return bool(url) and not url.startswith(("#", "//")) and not re.match(
        r"^[a-z][a-z0-9+.-]*:", url, re.I)


def normalised(url: str) -> str:
    return unquote(url.strip())


def model_view(deck: Deck) -> list[dict]:
    slides = []
    for slide in deck.slides:
        loads = {normalised(r.src) for r in slide.images
                 if is_local(r.src) and r.tag != "style"
                 and not (r.attr == "href" and r.tag in ("a", "area"))}
        slides.append({
            "header": slide.header,
            "footer": slide.footer,
            "class": slide.directives.get("class") or None,
            "paginate": slide.paginate,
            "headerText": plain_text(slide.header, math=False) if slide.header else None,
            "assets": sorted(loads),
            "notes": slide.notes,
        })
    return slides


def marp_view(rendered: dict) -> list[dict]:
    slides = []
    for slide in rendered["slides"]:
        text = slide["headerText"]
        slides.append({
            "header": slide["header"] or None,
            "footer": slide["footer"] or None,
            "class": slide["class"] or None,
            "paginate": slide["paginate"],
            "headerText": re.sub(r"[ \t\r\n]+", " ", text).strip(" ") if slide["header"]
            else None,
            "assets": sorted({normalised(u) for u in slide["assets"] if is_local(u)}),
            # pytest-codeblocks markers are fence annotations in the model, not notes
            "notes": [n for n in slide["notes"] if not n.startswith("pytest")],
        })
    return slides


def readable_diff(ours: list[dict], theirs: list[dict]) -> str:
    lines = [f"slides: model {len(ours)}, marp-core {len(theirs)}"]
    for number in range(1, max(len(ours), len(theirs)) + 1):
        a = ours[number - 1] if number <= len(ours) else {}
        b = theirs[number - 1] if number <= len(theirs) else {}
        for key in sorted(set(a) | set(b)):
            if a.get(key, "(no slide)") != b.get(key, "(no slide)"):
                lines.append(f"  slide {number} {key}: model {a.get(key, '(no slide)')!r}"
                             f" != marp-core {b.get(key, '(no slide)')!r}")
    return "\n".join(lines)


@pytest.mark.parametrize("path", DECKS, ids=[str(p.relative_to(ROOT)) for p in DECKS])
def test_model_reads_the_deck_as_marp_core_renders_it(path: Path, marp: dict) -> None:
    rendered = marp[str(path)]
    assert "error" not in rendered, rendered.get("error")
    try:
        deck = read_deck(path)
    except DeckError as exc:
        pytest.skip(f"the model refuses this deck (a deliberate difference): {exc}")
    ours, theirs = model_view(deck), marp_view(rendered)
    assert ours == theirs, f"{path.relative_to(ROOT)}\n" + readable_diff(ours, theirs)


@pytest.mark.parametrize("path", DECKS, ids=[str(p.relative_to(ROOT)) for p in DECKS])
def test_style_urls_of_the_deck_are_in_the_model(path: Path, marp: dict) -> None:
    """url() in a deck's <style> elements ends up in Marp's CSS; the model lists each."""
    try:
        deck = read_deck(path)
    except DeckError:
        pytest.skip("the model refuses this deck")
    ours = {normalised(r.src) for s in deck.slides for r in s.images
            if r.tag == "style" and is_local(r.src)}
    theirs = {normalised(u) for u in marp[str(path)]["styleUrls"] if is_local(u)}
    assert ours == theirs
