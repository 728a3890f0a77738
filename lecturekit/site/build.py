"""`make site`: the built decks as a static site for GitHub Pages (dist/site/).

The site is what the index links to and what those pages reference, nothing
else: the builder starts at the index's links and follows every local
reference of every HTML page, copying each file it reaches.  So staging
leftovers (`.nup-4`, `.build-*`), dotfiles and the artefacts of decks that no
longer exist never ride along, and a broken reference stops the build (file,
line, link) instead of being published.  Only artefacts that exist are linked:
a deck without handouts still gets its slides.  The site is assembled in a
hidden folder beside the target and swapped in, so a failed build leaves the
previous site as it was.
"""

from __future__ import annotations

import html
import os
import shutil
import tempfile
from collections import deque
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from lecturekit.deck import read_deck
from lecturekit.site.links import check_reference, references

SERIES = "機械学習講習会"

# (file name pattern, label, kind), in the order the index lists them.
ARTEFACTS = [
    ("{}.html", "スライド", "HTML"),
    ("{}.pdf", "スライド", "PDF"),
    ("{}-handout.html", "読み物版", "HTML"),
    ("{}-handout.pdf", "印刷用", "PDF"),
    ("{}.ipynb", "ノートブック", "ipynb"),
    ("{}-exercises.ipynb", "演習ノートブック", "ipynb"),
]


class SiteError(Exception):
    """The site cannot be built; each line names the file (and line) at fault."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class SiteLink:
    href: str
    label: str
    kind: str


@dataclass(frozen=True)
class SiteDeck:
    source: Path
    name: str
    title: str
    date: str
    links: list[SiteLink]


@dataclass(frozen=True)
class Site:
    out: Path
    decks: int
    files: int


def site_decks(deck_paths: list[Path], dist: Path) -> list[SiteDeck]:
    """Title and date from each deck's front matter, and its artefacts that exist in `dist`."""
    decks = []
    for path in deck_paths:
        deck = read_deck(path)
        links = [SiteLink(pattern.format(deck.name), label, kind)
                 for pattern, label, kind in ARTEFACTS
                 if (dist / pattern.format(deck.name)).is_file()]
        title = str(deck.front_matter.get("title") or deck.name)
        date = deck.front_matter.get("date")
        decks.append(SiteDeck(path, deck.name, title, "" if date is None else str(date), links))
    return sorted(decks, key=lambda d: d.name)


def index_html(series: str, decks: list[SiteDeck]) -> str:
    """The landing page: the series title, then each deck with its date and its files."""
    e = html.escape
    sections = []
    for deck in decks:
        date = f'\n  <p class="date"><time>{e(deck.date)}</time></p>' if deck.date else ""
        items = "\n".join(f'    <li><a href="{e(link.href)}">{e(link.label)}'
                          f'<span class="kind">{e(link.kind)}</span></a></li>'
                          for link in deck.links)
        sections.append(f'<section class="deck" id="{e(deck.name)}">\n'
                        f"  <h2>{e(deck.title)}</h2>{date}\n  <ul>\n{items}\n  </ul>\n</section>")
    body = "\n".join(sections) or "<p>まだ資料はありません。</p>"
    return f"""<!DOCTYPE html>
<html lang="ja">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(series)}</title>
<style>
body {{ font-family: "Noto Sans CJK JP", "Hiragino Sans", sans-serif; color: #222;
       max-width: 48rem; margin: 0 auto; padding: 2rem 1.5rem; line-height: 1.7; }}
h1 {{ border-bottom: 3px solid #3d7c8a; padding-bottom: .25rem; }}
.deck {{ border: 1px solid #d5dde2; border-radius: 8px; padding: 1rem 1.25rem; margin: 1.25rem 0; }}
.deck h2 {{ margin: 0; font-size: 1.3rem; }}
.deck .date {{ color: #666; margin: 0 0 .5rem; }}
.deck ul {{ list-style: none; display: flex; flex-wrap: wrap; gap: .5rem; padding: 0; margin: 0; }}
.deck a {{ display: inline-block; padding: .2rem .7rem; border-radius: 999px;
          background: #eef4f6; color: #245; text-decoration: none; }}
.deck a:hover {{ background: #d9e8ec; }}
.deck .kind {{ color: #789; font-size: .8rem; margin-left: .3rem; }}
</style>
</head>
<body>
<h1>{e(series)}</h1>
{body}
</body>
</html>
"""


def build_site(deck_paths: list[Path], dist: Path, out: Path, series: str = SERIES) -> Site:
    """Assemble the site for `deck_paths` from the artefacts in `dist`; replace `out` with it."""
    if out.resolve() == dist.resolve() or dist.resolve().is_relative_to(out.resolve()):
        raise SiteError([f"{out}: the site must be a folder inside or beside {dist}, not it"])
    decks = site_decks(deck_paths, dist)
    problems = [f"{deck.source}: not built (nothing in {dist} for it: "
                f"{dist / (deck.name + '.html')} is missing); run `make slides` first"
                for deck in decks if not deck.links]
    if problems:
        raise SiteError(problems)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        index = index_html(series, decks)
        (staging / "index.html").write_text(index, encoding="utf-8")
        (staging / ".nojekyll").write_text("", encoding="utf-8")
        copied = _copy_reachable(index, dist, staging)
        for path in (staging, *staging.rglob("*")):
            path.chmod(0o755 if path.is_dir() else 0o644)
        _swap(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Site(out, len(decks), copied + 2)


def _copy_reachable(index: str, dist: Path, staging: Path) -> int:
    """Copy every file reachable from the index (through local references), or say what breaks."""
    problems: list[str] = []
    queue: deque[PurePosixPath] = deque()
    seen: set[PurePosixPath] = set()

    def follow(page: PurePosixPath, shown: str, text: str) -> None:
        for ref in references(text):
            target, problem = check_reference(page, ref, lambda t: (dist / t).is_file())
            if problem:
                problems.append(f"{shown}:{ref.line}: {ref.url} {problem}")
            elif target is not None and target not in seen and target != PurePosixPath(
                    "index.html"):
                seen.add(target)
                queue.append(target)

    follow(PurePosixPath("index.html"), "index.html (the site's index)", index)
    while queue:
        page = queue.popleft()
        source, target = dist / page, staging / page
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        if page.suffix.lower() in (".html", ".htm"):
            follow(page, str(source), source.read_text(encoding="utf-8", errors="replace"))
    if problems:
        raise SiteError(problems)
    return len(seen)


def _swap(staging: Path, out: Path) -> None:
    """Put the finished site at `out`; the old one (if any) goes only once the new one is in."""
    if not out.exists():
        os.replace(staging, out)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}-old-", dir=out.parent))
    os.replace(out, old / "site")
    os.replace(staging, out)
    shutil.rmtree(old, ignore_errors=True)
