"""The deck's theme as the handouts read it: its stylesheet, and the labels its boxes wear.

The repository's theme is the reference for how a box looks: a theme that gives
`.def` the label "定義" with `::before { content: "定義" }` shows that label on the
slide, so the notebook, which cannot use the stylesheet, writes the same label out.
"""

from __future__ import annotations

import re

from lecturekit.deck import Deck
from lecturekit.project import Project
from lecturekit.render.lint import defined_themes
from lecturekit.render.tools import THEMES

_LABEL = re.compile(r"section\s+\.([\w-]+)::?before\s*\{[^}]*?\bcontent\s*:\s*([\"'])([^\"'}]*)\2")


_THEME_MARK = re.compile(r"@theme\s+[\w-]+")
_CSS_COMMENT = re.compile(r"(\"(?:\\.|[^\"\\])*\"|'(?:\\.|[^'\\])*')|/\*.*?\*/", re.S)


def strip_css_comments(css: str) -> str:
    """The stylesheet without its comments (strings kept as they are), but for Marp's theme
    name, kept as `/* @theme NAME */`: a student's page carries no notes about the project's
    source files."""
    def keep(match: re.Match[str]) -> str:
        if match[1]:
            return match[1]
        name = _THEME_MARK.search(match[0])
        return f"/* {name[0]} */" if name else ""

    stripped = _CSS_COMMENT.sub(keep, css)
    return re.sub(r"\n\s*\n+", "\n", stripped).strip() + "\n"


def theme_css(deck: Deck) -> str:
    """The deck's theme stylesheet (the project's theme of that name wins over the tool's:
    `Project.theme_set`), without its imports (Marp's `@import 'default'`, web fonts) and
    its comments (`strip_css_comments`).
    Looked up by its `@theme` name, as the build does: the front matter names a theme,
    never a path (`theme: ../../x` embeds nothing)."""
    name = str(deck.front_matter.get("theme") or "").strip()
    path = Project.of(deck.path).theme_set(defined_themes(THEMES)).get(name)
    if not name or path is None or not path.is_file():
        return ""
    css = path.read_text(encoding="utf-8")
    css = re.sub(r"@import\s[^;]*;", "", css)
    return strip_css_comments(css).replace("</", "<\\/")


def box_labels(deck: Deck) -> dict[str, str]:
    """Box class -> the label the theme draws before it (`section .note::before {content:
    "ポイント"}`); only classes of elements inside a slide, not of the slide itself."""
    return {name: label for name, _, label in _LABEL.findall(theme_css(deck))
            if label.strip()}
