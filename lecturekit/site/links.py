"""Every reference in an HTML file, and whether it resolves inside a static site.

The published site must work offline and from any host: a link either points
at a file that is in the site, or (only for a hyperlink a reader clicks) at an
https page elsewhere.  Anything a page *loads* (`src`, stylesheets, CSS
`url()`) from the network is an error, as are `http:` links, references that
leave the site (`../..`) and references to dotfiles.  Used both to decide what
`make site` copies (it follows the references from the index) and by the tests
as an offline link checker.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

# Attributes that name a URL; `href` on <a>/<area> is navigation, everywhere else a load.
_URL_ATTRIBUTES = {"href", "src", "poster", "data", "xlink:href", "action", "formaction"}
_NAVIGATION_TAGS = {"a", "area"}
_CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))\s*\)""", re.I)
_LOADING_RELS = {"stylesheet", "icon", "preload", "modulepreload", "manifest"}
_IGNORED_SCHEMES = {"data", "mailto", "tel", "blob", "about", "javascript"}


@dataclass(frozen=True)
class Reference:
    """One URL in an HTML file: where it is (line), what it is, whether it is a load."""

    line: int
    url: str
    loads: bool
    """True for resources the page fetches (img, script, stylesheet, CSS url())."""


@dataclass(frozen=True)
class LinkProblem:
    file: str
    line: int
    url: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.url} {self.reason}"


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.references: list[Reference] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        values = {name: value for name, value in attrs if value is not None}
        rel = values.get("rel", "").lower().split()
        for name, value in values.items():
            if name in _URL_ATTRIBUTES:
                navigation = tag in _NAVIGATION_TAGS or (
                    tag == "link" and name == "href" and not _LOADING_RELS & set(rel))
                self.references.append(Reference(line, value.strip(), loads=not navigation))
            elif name in ("srcset", "imagesrcset"):
                for url in srcset_urls(value):
                    self.references.append(Reference(line, url, loads=True))
            elif name == "style":
                self._css(value, line)
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self._css(data, self.getpos()[0])

    def _css(self, css: str, line: int) -> None:
        for match in _CSS_URL.finditer(css):
            url = next(g for g in match.groups() if g is not None)
            offset = css.count("\n", 0, match.start())
            self.references.append(Reference(line + offset, url.strip(), loads=True))


def srcset_urls(value: str) -> list[str]:
    """The URLs of a `srcset`, read as browsers do (HTML's srcset parsing): a URL runs to the
    next white space, so a `data:` URL keeps its commas; commas ending it, or else the first
    comma after its descriptors (`2x`, `400w`), end the candidate."""
    urls = []
    at = 0
    while at < len(value):
        while at < len(value) and (value[at].isspace() or value[at] == ","):
            at += 1
        start = at
        while at < len(value) and not value[at].isspace():
            at += 1
        url = value[start:at]
        if url.endswith(","):
            url = url.rstrip(",")
        else:
            comma = value.find(",", at)
            at = len(value) if comma < 0 else comma + 1
        if url:
            urls.append(url)
    return urls


def references(html: str) -> list[Reference]:
    """Every URL the HTML names, in order, with its line."""
    collector = _Collector()
    collector.feed(html)
    collector.close()
    return collector.references


def local_target(page: PurePosixPath, url: str) -> PurePosixPath | None | str:
    """The site-relative file `url` (found in `page`) names; None if it is not a local file.

    Returns a string (the reason) when the reference can never be valid.
    """
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return None
    path = unquote(parts.path)
    if not path:
        return None  # "#slide-3", "?x": the page itself
    joined = PurePosixPath(path.lstrip("/")) if path.startswith("/") else page.parent / path
    normal: list[str] = []
    for part in joined.parts:
        if part == "..":
            if not normal:
                return "points outside the site"
            normal.pop()
        elif part not in (".", ""):
            normal.append(part)
    if not normal:
        return PurePosixPath("index.html")
    target = PurePosixPath(*normal)
    if path.endswith("/"):
        target = target / "index.html"
    return target


Exists = Callable[[PurePosixPath], bool]


def published_file(root: Path, target: PurePosixPath) -> bool:
    """Is `target` a file of the folder `root`, symlinks resolved (the build's rule: a link
    in `dist/` to a file elsewhere is not part of the site)?"""
    file = root / target
    return file.is_file() and file.resolve().is_relative_to(root.resolve())


def check_reference(page: PurePosixPath, ref: Reference,
                    exists: Exists) -> tuple[PurePosixPath | None, str | None]:
    """(local file it needs, problem) for one reference of `page`; `exists(path)` asks the site."""
    parts = urlsplit(ref.url)
    scheme = parts.scheme.lower()
    if scheme in _IGNORED_SCHEMES or (not scheme and not parts.netloc and not parts.path):
        return None, None
    if scheme or parts.netloc:
        if ref.loads:
            return None, "is loaded from the network; the site must work offline"
        if scheme != "https":
            return None, "is not an https link"
        return None, None
    target = local_target(page, ref.url)
    if isinstance(target, str):
        return None, target
    assert target is not None
    if any(part.startswith(".") for part in target.parts):
        return None, "names a hidden file, which the site does not publish"
    if not exists(target):
        return target, "does not exist in the site"
    return target, None


def check_site(root: Path) -> list[LinkProblem]:
    """Every broken reference of every HTML file under `root` (the offline link checker)."""
    problems: list[LinkProblem] = []
    files = sorted(p for p in root.rglob("*") if p.is_file())
    for file in files:
        if file.suffix.lower() not in (".html", ".htm"):
            continue
        page = PurePosixPath(file.relative_to(root).as_posix())
        html = file.read_text(encoding="utf-8", errors="replace")
        for ref in references(html):
            _, problem = check_reference(page, ref, lambda t: published_file(root, t))
            if problem:
                problems.append(LinkProblem(page.as_posix(), ref.line, ref.url, problem))
    return problems
