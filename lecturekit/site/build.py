"""`make site`: the built decks as a static site for GitHub Pages (dist/site/).

The site is what the index links to and what those pages reference, nothing
else: the builder starts at the index's links and follows every local
reference of every HTML page, copying each file it reaches.  The slides go out
without the lecturer-only (`講師:`) presenter notes, which stay in dist/ for
the lecturer's own presenter view (`lecturekit.handout.notes`).  So staging
leftovers (`.nup-4`, `.build-*`), dotfiles and the artefacts of decks that no
longer exist never ride along, and a broken reference stops the build (file,
line, link) instead of being published.  Only artefacts that exist are linked:
a deck without handouts still gets its slides.  The site is assembled in a
hidden folder beside the target and swapped in, so a failed build leaves the
previous site as it was.

Colab opens the exercises from the branch the site is published to
(`lecturekit.handout.colab`): every Colab link of the site's pages and
notebooks must name a notebook the site holds, at the same path, or the build
stops naming the file that carries the link.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections import deque
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from lecturekit.handout.colab import colab_links, site_notebook
from lecturekit.handout.index import DeckEntry, deck_entry, existing, render_index, series_title
from lecturekit.handout.notes import without_instructor_notes
from lecturekit.site.links import check_reference, published_file, references


class SiteError(Exception):
    """The site cannot be built; each line names the file (and line) at fault."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class Site:
    out: Path
    decks: int
    files: int


def site_entry(path: Path, dist: Path) -> DeckEntry:
    """The deck's index entry (as `make handout`'s index has it), linking only what `dist` holds."""
    return existing(deck_entry(path), dist)


def build_site(deck_paths: list[Path], dist: Path, out: Path,
               series: str | None = None) -> Site:
    """Assemble the site for `deck_paths` from the artefacts in `dist`; replace `out` with it.

    The index is `make handout`'s page (`lecturekit.handout.index`), titled by
    `series` or the project's `title`, with links only to files that exist.
    """
    if out.resolve() == dist.resolve() or dist.resolve().is_relative_to(out.resolve()):
        raise SiteError([f"{out}: the site must be a folder inside or beside {dist}, not it"])
    entries = {path: site_entry(path, dist) for path in deck_paths}
    problems = [f"{path}: not built (nothing in {dist} for it: "
                f"{dist / (entry.name + '.html')} is missing); run `make slides` first"
                for path, entry in entries.items() if not entry.links]
    if problems:
        raise SiteError(problems)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        decks = sorted(entries.values(), key=lambda e: e.name)
        index = render_index(decks, series or series_title(deck_paths[0] if deck_paths else None))
        (staging / "index.html").write_text(index, encoding="utf-8")
        (staging / ".nojekyll").write_text("", encoding="utf-8")
        copied = _copy_reachable(index, dist, staging)
        _check_colab_links(staging)
        for path in (staging, *staging.rglob("*")):
            path.chmod(0o755 if path.is_dir() else 0o644)
        _swap(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Site(out, len(entries), copied + 2)


def _copy_reachable(index: str, dist: Path, staging: Path) -> int:
    """Copy every file reachable from the index (through local references), or say what breaks."""
    problems: list[str] = []
    queue: deque[PurePosixPath] = deque()
    seen: set[PurePosixPath] = set()

    def follow(page: PurePosixPath, shown: str, text: str) -> None:
        for ref in references(text):
            target, problem = check_reference(page, ref, lambda t: published_file(dist, t))
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
        if page.suffix.lower() in (".html", ".htm"):
            text = source.read_text(encoding="utf-8", errors="replace")
            target.write_text(without_instructor_notes(text)[0], encoding="utf-8")
            follow(page, str(source), text)
        else:
            shutil.copyfile(source, target)
    if problems:
        raise SiteError(problems)
    return len(seen)


def _check_colab_links(site: Path) -> None:
    """Every Colab link in the site opens a notebook the site holds (see the module's doc)."""
    problems = []
    for page in sorted(site.rglob("*")):
        if page.suffix.lower() not in (".html", ".htm", ".ipynb"):
            continue
        text = page.read_text(encoding="utf-8", errors="replace")
        for link in colab_links(text):
            problem = site_notebook(link, site)
            if problem:
                line = text.count("\n", 0, text.find(link[0])) + 1
                problems.append(f"{page.relative_to(site).as_posix()}:{line}: Colab link {link[0]} "
                                f"{problem}")
    if problems:
        raise SiteError(problems)


def _swap(staging: Path, out: Path) -> None:
    """Put the finished site at `out`; the old one (if any) goes only once the new one is in."""
    if not out.exists():
        os.replace(staging, out)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}-old-", dir=out.parent))
    os.replace(out, old / "site")
    os.replace(staging, out)
    shutil.rmtree(old, ignore_errors=True)
