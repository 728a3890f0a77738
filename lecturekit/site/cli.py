"""`lecturekit site` / `make site`: build dist/site/ from dist/, one clear line per problem.

    .venv/bin/python scripts/build-site.py [slides/*.md] [--dist dist] [--out dist/site]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lecturekit.deck import DeckError
from lecturekit.site.build import SiteError, build_site


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="lecturekit site",
        description="Build the static site (index, slides, handouts, notebooks) from dist/.")
    parser.add_argument("decks", type=Path, nargs="*",
                        help="the decks to publish (default: slides/*.md)")
    parser.add_argument("--dist", type=Path, default=Path("dist"),
                        help="where the built artefacts are (dist)")
    parser.add_argument("--out", type=Path, default=None, help="the site folder (DIST/site)")
    parser.add_argument("--title", default=None,
                        help="the series title (default: [tool.lecturekit] series in "
                             "pyproject.toml, as on make handout's index)")
    args = parser.parse_args(argv)
    decks = args.decks or sorted(Path("slides").glob("*.md"))
    out = args.out or args.dist / "site"
    missing = [d for d in decks if not d.is_file()]
    if missing:
        for deck in missing:
            print(f"{deck}: no such deck", file=sys.stderr)
        return 1
    try:
        site = build_site(decks, args.dist, out, series=args.title)
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
