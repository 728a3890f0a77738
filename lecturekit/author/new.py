"""`lecturekit new`: start a deck from the template, so nobody copies front matter by hand.

The template (templates/new-deck.md.j2) holds every piece a lecture has: the
front matter the build and the checker read, a title slide, an agenda, a code
block with a checked output, an exercise with its answer block and presenter
notes.  It passes `make check` and builds as it is; a test proves both.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import re
import tempfile
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

TEMPLATES = Path(__file__).parent / "templates"
TEMPLATE = "new-deck.md.j2"
_NAME = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]*")


class NewDeckError(Exception):
    """The deck cannot be created; the message says which file and why."""


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined,
                      keep_trailing_newline=True, autoescape=False)
    # A JSON string is a valid YAML scalar: quotes, colons and `#` in a title stay text.
    env.filters["yaml"] = lambda value: json.dumps(str(value), ensure_ascii=False)
    return env


def render_deck(title: str, date: str, author: str = "traP Kaggle班") -> str:
    return _environment().get_template(TEMPLATE).render(title=title, date=date, author=author)


def deck_path(name: str, slides_dir: Path) -> Path:
    """`04-nn` or `04-nn.md` -> slides_dir/04-nn.md; anything path-like is refused."""
    stem = name.removesuffix(".md")
    if not _NAME.fullmatch(stem):
        raise NewDeckError(f"{name!r} is not a deck name: use letters, digits, '-', '_' and '.', "
                           f"e.g. 04-nn (the file becomes {slides_dir}/04-nn.md)")
    return slides_dir / f"{stem}.md"


def new_deck(name: str, title: str, slides_dir: Path, date: str | None = None) -> Path:
    """Write slides_dir/<name>.md from the template; never overwrites an existing file."""
    if not title.strip():
        raise NewDeckError("a new deck needs a title (--title \"…\", or TITLE=\"…\" for make)")
    if "\n" in title or "\r" in title:
        raise NewDeckError("the title must be one line")
    path = deck_path(name, slides_dir)
    if path.exists():
        raise NewDeckError(f"{path} already exists; not overwriting it (pick another name, "
                           f"or delete the file first)")
    text = render_deck(title.strip(), date or datetime.date.today().isoformat())
    slides_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".md.tmp", dir=slides_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)
        try:
            # link() fails if the name exists, so a deck created meanwhile is not replaced.
            os.link(tmp, path)
        except FileExistsError:
            raise NewDeckError(f"{path} already exists; not overwriting it") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    return path
