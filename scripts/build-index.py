#!/usr/bin/env python3
"""Write dist/index.html: every deck's title and date, with links to all its artefacts.

    .venv/bin/python scripts/build-index.py slides/*.md [--out dist]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from lecturekit.deck import DeckError
from lecturekit.handout.index import index_html


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("decks", type=Path, nargs="*")
    parser.add_argument("--out", type=Path, default=Path("dist"))
    parser.add_argument("--title", default=None,
                        help="the page's heading (default: [tool.lecturekit] series "
                             "in pyproject.toml)")
    args = parser.parse_args(argv)
    try:
        html = index_html(args.decks, title=args.title)
    except DeckError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: {exc.filename}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=args.out, prefix=".index-",
                                     suffix=".html", delete=False) as tmp:
        tmp.write(html)
    os.chmod(tmp.name, 0o644)
    os.replace(tmp.name, args.out / "index.html")
    print(f"[handout] index: {len(args.decks)} deck(s) -> {args.out / 'index.html'}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
