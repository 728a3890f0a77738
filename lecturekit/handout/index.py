"""dist/index.html: the series' decks, each with its title, date and every file made of it.

`index_html(deck_paths)` is the whole page for `make handout`; `render_index`
renders any list of `DeckEntry` (a site build can add or reorder entries and
reuse the page).  The series' name is the project's `title` setting
(`lecturekit.project`; `series` is its older name), so it is written once for
every deck.  Each deck's links point where the build publishes it, mirrored
below the decks' base (`ch02/lecture.html`), relative to the index page.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lecturekit.deck import read_deck
from lecturekit.handout.jinja import render
from lecturekit.project import Project


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


def series_title(where: Path | None = None) -> str:
    """The `title` of the project holding `where` (a file or folder; default: the working
    folder): its configuration's `title` (or `series`), else the root folder's name."""
    return Project.of(where or Path.cwd()).settings.title.strip()


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
    """The deck's entry; `name` is its path below the decks' base (`ch02/lecture`), which is
    where its outputs are, relative to the output folder."""
    deck = read_deck(path)
    name = Project.of(path).label(path)
    return DeckEntry(name, str(deck.front_matter.get("title") or deck.name),
                     str(deck.front_matter.get("date") or ""), artefact_links(name))


def render_index(entries: list[DeckEntry], title: str) -> str:
    return render("index.html.j2", title=title, decks=entries)


def index_html(deck_paths: list[Path], title: str | None = None) -> str:
    entries = sorted((deck_entry(p) for p in deck_paths), key=lambda e: e.name)
    return render_index(entries, title or series_title(deck_paths[0] if deck_paths else None))
