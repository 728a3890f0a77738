"""Where a published notebook opens in Google Colab, or None when nobody can say.

Colab opens a notebook stored on GitHub at
`https://colab.research.google.com/github/<owner>/<repo>/blob/<branch>/<path>`.
The notebooks are built files, published with the site, so the link names
the notebook's path in the site (its path below the output folder, the same
relative path the index links to) on the branch the site is published to,
`PAGES_BRANCH`: the CI workflows (this repository's and the one `lecturekit
init` writes) commit the built site to that branch, and `lecturekit site`
refuses a site whose Colab links name a notebook the site does not hold
(`site_notebook`).  The repository is `Project.settings.repository` (the
configuration's `repository`, else the git remote `origin`); anything but a
github.com repository gives None, and callers then leave the link out rather
than write one that cannot work.  Nothing here touches the network.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote, unquote

from lecturekit.project import Project

PAGES_BRANCH = "gh-pages"
"""The branch holding the published site (`dist/site/`), which Colab reads notebooks from."""
COLAB_GITHUB = "https://colab.research.google.com/github"
_COLAB = re.compile(re.escape(COLAB_GITHUB) + r"/[\w.-]+/[\w.-]+/blob/([^/\s]+)/([^\s\"'<>)]+)")
_GITHUB = re.compile(r"^https?://(?:www\.)?github\.com/([\w.-]+)/([\w.-]+?)(?:\.git)?/?$")


def published_path(deck: Path, suffix: str) -> str:
    """Where the build writes a deck's file, relative to the output folder (and so in the
    published site): its name below the decks' base, `Project.relative_name`
    (`ch02/lecture-exercises.ipynb`)."""
    return f"{Project.of(deck).relative_name(deck)}{suffix}"


def colab_url(project: Project, path: str, branch: str = PAGES_BRANCH) -> str | None:
    """Colab's address for the notebook at `path` in the published site, or None."""
    repository = project.settings.repository
    match = _GITHUB.match(str(repository or "").strip())
    if not match:
        return None
    owner, repo = match.groups()
    return f"{COLAB_GITHUB}/{owner}/{repo}/blob/{quote(branch)}/{quote(path)}"


def colab_links(text: str) -> list[tuple[str, str, str]]:
    """Every Colab link in `text` (a page, a notebook's JSON): (url, branch, path in the site)."""
    return [(m.group(0), unquote(m.group(1)), unquote(m.group(2))) for m in _COLAB.finditer(text)]


def site_notebook(url_branch_path: tuple[str, str, str], site: Path) -> str | None:
    """Why a Colab link found by `colab_links` cannot open from the published site, or None.

    Colab reads the notebook from branch `PAGES_BRANCH` at the path the link
    names; the site folder is what the workflows commit to that branch."""
    _url, branch, path = url_branch_path
    if branch != PAGES_BRANCH:
        return f"opens branch {branch!r}, but the site is published to {PAGES_BRANCH!r}"
    target = site / path
    if ".." in Path(path).parts or not target.is_file():
        return f"opens {path}, which the published site does not hold"
    return None
