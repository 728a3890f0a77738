"""dist/index.html: every deck with its title, date and links to all its artefacts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lecturekit.deck import read_deck
from lecturekit.handout.jinja import render


@dataclass(frozen=True)
class Link:
    label: str
    href: str
    kind: str


@dataclass(frozen=True)
class DeckEntry:
    name: str
    title: str
    date: str
    links: list[Link]


def artefact_links(name: str) -> list[Link]:
    return [
        Link("スライド (HTML)", f"{name}.html", "html"),
        Link("スライド (PDF)", f"{name}.pdf", "pdf"),
        Link("ノートブック", f"{name}.ipynb", "ipynb"),
        Link("読み物版 (HTML)", f"{name}-handout.html", "html"),
        Link("印刷用 (PDF)", f"{name}-handout.pdf", "pdf"),
        Link("演習ノートブック", f"{name}-exercises.ipynb", "ipynb"),
    ]


def deck_entry(path: Path) -> DeckEntry:
    deck = read_deck(path)
    return DeckEntry(deck.name, str(deck.front_matter.get("title") or deck.name),
                     str(deck.front_matter.get("date") or ""), artefact_links(deck.name))


def index_html(deck_paths: list[Path], title: str = "講習会資料") -> str:
    entries = sorted((deck_entry(p) for p in deck_paths), key=lambda e: e.name)
    return render("index.html.j2", title=title, decks=entries)
