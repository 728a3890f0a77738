"""Checks made before rendering, on the deck model: what marp-cli would silently accept.

`confine` is THE confinement step of every entry point that reads a deck to
publish something of it (`lecturekit build`, `handout`, `index`, `site`,
`preview`): the deck must be inside its project (no symlink from outside),
and no reference may leave the project or load from the network.  Each entry
point calls it before reading any file the deck names, whatever order they
are run in, so a deck refused by the build is refused by all of them.

Themes: a deck may use any theme of its project (`Project.themes`, which win
over the tool's own of the same name) or Marp's built-in ones; a name found
nowhere is refused (marp-cli would silently fall back to `default`).  A theme
that loads web fonts is not refused here: the render blocks the request and
warns (`pipeline.theme_web_resources`).
"""

from __future__ import annotations

import re
from pathlib import Path

from lecturekit.deck import Deck, DeckError, ImageRef
from lecturekit.render.assets import deck_refusal, is_link, is_remote, local_refs, refused_refs
from lecturekit.render.problems import Problem

BUILTIN_THEMES = frozenset({"default", "gaia", "uncover"})
WEB_FONT_THEMES = {"gaia": "https://fonts.bunny.net/"}
"""Marp's built-in themes that import web fonts (from this origin): the render blocks the
request and the local fallback font is used."""

_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_CSS_REMOTE = re.compile(
    r"""(?:@import\s+(?:url\(\s*)?|url\(\s*)["']?((?:https?:)?//[^"')\s;]+)""", re.I)


def defined_themes(themes_dir: Path) -> dict[str, Path]:
    """Theme name -> CSS file, from each file's `@theme` metadata (in a comment)."""
    from lecturekit.project import theme_name

    themes: dict[str, Path] = {}
    for css in sorted(themes_dir.glob("*.css")):
        name = theme_name(css)
        if name:
            themes[name] = css
    return themes


def deck_theme_names(deck: Deck) -> list[str]:
    """The themes the deck names (front matter and `theme` directives), in order."""
    return list(dict.fromkeys(name for name, _ in _theme_uses(deck)))


def confinement_problems(deck: Deck) -> list[Problem]:
    """What makes a deck reach outside its project: the deck itself (a symlink from
    elsewhere), references leaving the project, references to the network."""
    escape = deck_refusal(deck.path)
    if escape is not None:
        return [Problem(deck.path, None, escape)]
    return [*_refused(deck), *_remote_refs(deck)]


class ConfinementError(DeckError):
    """The deck reaches outside its project; one line per problem, each at its deck line
    (a DeckError, so every entry point reports it as it reports a bad deck)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        first = problems[0]
        super().__init__(first.path, first.line, first.message, first.slide)

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


def confine(deck: Deck) -> Deck:
    """The deck, if it stays inside its project; else ConfinementError.  Every entry point
    runs this before reading a file the deck names."""
    problems = confinement_problems(deck)
    if problems:
        raise ConfinementError(problems)
    return deck


def remote_urls(css: Path) -> list[str]:
    """The network URLs a CSS file imports or refers to (`@import url(https://...)`)."""
    try:
        text = css.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return list(dict.fromkeys(m.group(1) for m in _CSS_REMOTE.finditer(_COMMENT.sub("", text))))


def lint_deck(deck: Deck, themes: Path | dict[str, Path]) -> list[Problem]:
    """Everything the build refuses before rendering: `confinement_problems` first, then
    missing files and unusable themes (the same order the lines appear in each group).
    `themes`: name -> CSS file of the themes the deck may use (or a folder of them)."""
    if deck_refusal(deck.path) is not None:
        return confinement_problems(deck)
    if not isinstance(themes, dict):
        themes = defined_themes(Path(themes))
    return [*_refused(deck), *_missing_files(deck), *_remote_refs(deck),
            *_theme_problems(deck, themes)]


def _first_time(seen: set[tuple[int, str]], ref: ImageRef) -> bool:
    """A header image written once applies to many slides: report it once, on the first."""
    key = (ref.line, ref.src)
    if key in seen:
        return False
    seen.add(key)
    return True


def _refused(deck: Deck) -> list[Problem]:
    """References that leave the project: nothing outside it may reach `dist/`."""
    seen: set[tuple[int, str]] = set()
    return [Problem.on_slide(deck.path, item.slide,
                             f"references {item.ref.src}, {item.reason}; only files inside "
                             f"the project are published", item.ref.line)
            for item in refused_refs(deck, deck.slides) if _first_time(seen, item.ref)]


def _missing_files(deck: Deck) -> list[Problem]:
    problems = []
    seen: set[tuple[int, str]] = set()
    for item in local_refs(deck, deck.slides):
        if not _first_time(seen, item.ref):
            continue
        if not item.file.is_file():
            what = "a folder" if item.file.is_dir() else "a file that does not exist"
            problems.append(Problem.on_slide(
                deck.path, item.slide, f"references {item.ref.src}, {what} ({item.file})",
                item.ref.line))
    return problems


def _remote_refs(deck: Deck) -> list[Problem]:
    problems = []
    seen: set[tuple[int, str]] = set()
    body = deck.slides[0].line if deck.slides else 1
    for slide in deck.slides:
        for ref in slide.images:
            if ref.directive == "style" and ref.line < body:
                continue  # the front matter's style: checked below
            if is_remote(ref.src) and not is_link(ref) and _first_time(seen, ref):
                problems.append(Problem.on_slide(
                    deck.path, slide,
                    f"loads {ref.src} from the network; save the file under img/ "
                    f"and reference it locally", ref.line))
    style = str(deck.front_matter.get("style") or "")
    for match in _CSS_REMOTE.finditer(style):
        problems.append(Problem(deck.path, _front_matter_line(deck, "style"),
                                f"front matter style loads {match.group(1)} from the network"))
    return problems


def _theme_problems(deck: Deck, themes: dict[str, Path]) -> list[Problem]:
    problems = []
    for name, line in _theme_uses(deck):
        if name not in themes and name not in BUILTIN_THEMES:
            known = ", ".join(sorted(themes) + sorted(BUILTIN_THEMES - set(themes)))
            problems.append(Problem(deck.path, line,
                                    f'theme "{name}" is not defined by any CSS file of the '
                                    f"project (/* @theme {name} */) nor built into Marp "
                                    f"(known themes: {known})"))
    return problems


def _theme_uses(deck: Deck) -> list[tuple[str, int | None]]:
    uses: list[tuple[str, int | None]] = []
    if deck.front_matter.get("theme") is not None:
        uses.append((str(deck.front_matter["theme"]).strip(), _front_matter_line(deck, "theme")))
    for slide in deck.slides:
        for comment in slide.comments:
            for key, value in comment.directives.items():
                if key.lstrip("$") == "theme":
                    uses.append((value.strip(), comment.line))
    return uses


def _front_matter_line(deck: Deck, key: str) -> int | None:
    end = deck.slides[0].line if deck.slides else 1
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*:")
    for number, line in enumerate(deck.lines[:end], start=1):
        if pattern.match(line):
            return number
    return 1
