"""`lecturekit new`: start a deck from the template, so nobody copies front matter by hand.

The template (templates/new-deck.md.j2) holds every piece a lecture has: the
front matter the build and the checker read, a title slide, an agenda, a code
block with a checked output, an exercise with its answer block and presenter
notes.  It passes `lecturekit check` and builds as it is; a test proves both.

The project decides the rest (`lecturekit.project.Project`): the deck goes to
the project's deck folder, uses the theme its decks already use, and is
written in its `lang` (the Japanese template for `ja`, else the English one).
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import re
import tempfile
from collections import Counter
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from lecturekit.project import Project

TEMPLATES = Path(__file__).parent / "templates"
TEMPLATES_BY_LANG = {"ja": "new-deck.md.j2"}
TEMPLATE_OTHER = "new-deck.en.md.j2"
DEFAULT_THEME = "honwaka"
"""The tool's own theme (lecturekit/themes/), for a project whose decks name none."""
_THEME_LINE = re.compile(r"^theme[ \t]*:[ \t]*['\"]?([\w-]+)", re.M)
_NAME = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]*")


class NewDeckError(Exception):
    """The deck cannot be created; the message says which file and why."""


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined,
                      keep_trailing_newline=True, autoescape=False)
    # A JSON string is a valid YAML scalar: quotes, colons and `#` in a title stay text.
    env.filters["yaml"] = lambda value: json.dumps(str(value), ensure_ascii=False)
    return env


def render_deck(title: str, date: str, author: str = "", *, lang: str = "ja",
                theme: str = DEFAULT_THEME) -> str:
    template = TEMPLATES_BY_LANG.get(lang, TEMPLATE_OTHER)
    return _environment().get_template(template).render(title=title, date=date, author=author,
                                                         theme=theme, lang=lang)


def project_theme(project: Project) -> str:
    """The theme the project's decks use most (their front matter), else the one theme the
    repository defines, else the tool's own."""
    used: Counter[str] = Counter()
    for deck in project.decks[:50]:
        try:
            head = deck.read_text(encoding="utf-8", errors="replace")[:4000]
        except OSError:
            continue
        if head.startswith("---"):
            front = head.split("\n---", 1)[0]
            used.update(m.group(1) for m in _THEME_LINE.finditer(front))
    if used:
        return used.most_common(1)[0][0]
    if len(project.themes) == 1:
        return next(iter(project.themes))
    return DEFAULT_THEME


def deck_folder(project: Project) -> Path:
    """Where a new deck goes: the decks' base folder, or `slides/` in a project with none."""
    return project.base if project.decks else project.root / "slides"


def _as_typed(path: Path) -> Path:
    """`path` relative to the working folder when below it, so messages name it as users
    would type it."""
    try:
        return path.relative_to(Path.cwd().resolve())
    except ValueError:
        return path


def deck_path(name: str, slides_dir: Path) -> Path:
    """`04-nn` or `04-nn.md` -> slides_dir/04-nn.md; anything path-like is refused."""
    stem = name.removesuffix(".md")
    if not _NAME.fullmatch(stem):
        raise NewDeckError(f"{name!r} is not a deck name: use letters, digits, '-', '_' and '.', "
                           f"e.g. 04-nn (the file becomes {slides_dir}/04-nn.md)")
    return slides_dir / f"{stem}.md"


def new_deck(name: str, title: str, slides_dir: Path | None = None, date: str | None = None,
             project: Project | None = None) -> Path:
    """Write <slides_dir>/<name>.md from the template (slides_dir: the project's deck folder by
    default); never overwrites an existing file."""
    project = project or Project.load(slides_dir)
    slides_dir = slides_dir if slides_dir is not None else _as_typed(deck_folder(project))
    if not title.strip():
        raise NewDeckError("a new deck needs a title (--title \"…\", or TITLE=\"…\" for make)")
    if "\n" in title or "\r" in title:
        raise NewDeckError("the title must be one line")
    path = deck_path(name, slides_dir)
    if path.exists():
        raise NewDeckError(f"{path} already exists; not overwriting it (pick another name, "
                           f"or delete the file first)")
    text = render_deck(title.strip(), date or datetime.date.today().isoformat(),
                       author=project.settings.title, lang=project.settings.lang,
                       theme=project_theme(project))
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
