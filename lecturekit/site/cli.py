"""`lecturekit site` / `make site`: build dist/site/ from dist/, one clear line per problem.

    .venv/bin/python scripts/build-site.py [DECK ...] [--dist dist] [--out dist/site]

Without decks: the project's decks; without `--dist`: the project's output
folder; the title is the project's `title` (`lecturekit.project`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lecturekit.deck import DeckError
from lecturekit.project import Project
from lecturekit.site.build import SiteError, build_site


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="lecturekit site",
        description="Build the static site (index, slides, handouts, notebooks) from dist/.")
    parser.add_argument("decks", type=Path, nargs="*",
                        help="the decks to publish (default: the project's decks)")
    parser.add_argument("--dist", type=Path, default=None,
                        help="where the built artefacts are (default: the project's output "
                             "folder, dist)")
    parser.add_argument("--out", type=Path, default=None, help="the site folder (DIST/site)")
    parser.add_argument("--title", default=None,
                        help="the series title (default: the project's `title`, as on "
                             "make handout's index)")
    args = parser.parse_args(argv)
    project = Project.of(args.decks[0] if args.decks else Path.cwd())
    decks = args.decks or project.decks
    dist = args.dist if args.dist is not None else project.out
    out = args.out or dist / "site"
    missing = [d for d in decks if not d.is_file()]
    if missing:
        for deck in missing:
            print(f"{deck}: no such deck", file=sys.stderr)
        return 1
    try:
        site = build_site(decks, dist, out, series=args.title)
    except (DeckError, SiteError) as exc:
        print(exc, file=sys.stderr)
        print(f"[site] FAILED, {out} left as it was", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"{exc.filename or out}: {exc.strerror or exc}", file=sys.stderr)
        print(f"[site] FAILED, {out} left as it was", file=sys.stderr)
        return 1
    print(f"[site] {site.decks} deck(s), {site.files} files -> {site.out}/", file=sys.stderr)
    return 0
