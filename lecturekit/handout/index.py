"""dist/index.html: the series' decks, each with its title, date and every file made of it.

`index_html(deck_paths)` is the whole page for `make handout`; `render_index`
renders any list of `DeckEntry` (a site build can add or reorder entries and
reuse the page).  The series' name comes from `[tool.lecturekit] series` in
pyproject.toml (`series_title`), so it is written once for every deck.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from lecturekit.deck import read_deck
from lecturekit.handout.jinja import render
from lecturekit.handout.tools import ROOT
from lecturekit.render.lint import confine

DEFAULT_SERIES = "講習会資料"


@dataclass(frozen=True)
class Link:
    label: str
    href: str


@dataclass(frozen=True)
class DeckEntry:
    name: str
    title: str
    date: str
    links: list[Link]


def series_title(pyproject: Path = ROOT / "pyproject.toml") -> str:
    """`[tool.lecturekit] series` of pyproject.toml, else a neutral heading."""
    try:
        config = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return DEFAULT_SERIES
    value = config.get("tool", {}).get("lecturekit", {}).get("series")
    return str(value).strip() if value and str(value).strip() else DEFAULT_SERIES


def artefact_links(name: str) -> list[Link]:
    return [
        Link("スライド", f"{name}.html"),
        Link("スライド PDF", f"{name}.pdf"),
        Link("読み物", f"{name}-handout.html"),
        Link("印刷用 PDF", f"{name}-handout.pdf"),
        Link("ノートブック", f"{name}.ipynb"),
        Link("演習ノートブック", f"{name}-exercises.ipynb"),
    ]


def deck_entry(path: Path) -> DeckEntry:
    """A deck's entry; a deck reaching outside its project (`render.lint.confine`, as the
    build refuses it) raises DeckError, so no index or site lists it."""
    deck = confine(read_deck(path))
    return DeckEntry(deck.name, str(deck.front_matter.get("title") or deck.name),
                     str(deck.front_matter.get("date") or ""), artefact_links(deck.name))


def render_index(entries: list[DeckEntry], title: str) -> str:
    return render("index.html.j2", title=title, decks=entries)


def index_html(deck_paths: list[Path], title: str | None = None) -> str:
    entries = sorted((deck_entry(p) for p in deck_paths), key=lambda e: e.name)
    return render_index(entries, title or series_title())
