"""Handouts from the command line: `lecturekit handout` / `lecturekit index` (and the scripts).

One implementation of what each prints and returns, whoever starts it: a
problem is one `error: …` line naming the file, never a traceback, and the
index is replaced atomically.  Where: the project's output folder unless
`--out` says otherwise, each deck's handouts beside its slides, mirrored below
the decks' base (`dist/ch02/lecture.ipynb`; `lecturekit.project`).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from lecturekit.deck import DeckError
from lecturekit.handout import DEFAULT_NUP, NUPS
from lecturekit.handout.build import build_handout
from lecturekit.handout.errors import HandoutError
from lecturekit.handout.index import index_html
from lecturekit.project import Project


def handout_main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="build-handout.py",
        description="Build one deck's handouts: X.ipynb, X-handout.html, X-handout.pdf "
                    "(X-handout-3up.pdf, X-handout-4up.pdf with --nup 3, 4), "
                    "X-exercises.ipynb.")
    parser.add_argument("deck", type=Path)
    parser.add_argument("--nup", type=int, choices=NUPS,
                        default=int(os.environ.get("NUP", DEFAULT_NUP)),
                        help="slides per page of the printable handout (default: $NUP or 2)")
    parser.add_argument("--out", type=Path, default=None,
                        help="the output folder (default: the project's, dist)")
    parser.add_argument("--slide-colours", action="store_true",
                        help="print the slides in their projected colours, reusing the slide "
                             "PDF's pages (default: rendered for paper, white with light rules)")
    args = parser.parse_args(argv)
    try:
        project = Project.of(args.deck)
        root = args.out if args.out is not None else project.out
        out = project.output_folder(args.deck, root)
        build_handout(args.deck, out, nup=args.nup,
                      log=lambda line: print(line, file=sys.stderr, flush=True),
                      paper=not args.slide_colours,
                      index_href=site_index(root, out, own_folder=args.out is None))
    except (DeckError, HandoutError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: {exc.filename or args.deck}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    return 0



def site_index(root: Path, out: Path, own_folder: bool) -> str | None:
    """The series' index (`<root>/index.html`) as a link from a page in `out`, when the page
    sits in a built site: the index is there already, or `root` is the project's own output
    folder, where `make handout` writes the index after the decks' files."""
    index = Path(root).resolve() / "index.html"
    if not (own_folder or index.is_file()):
        return None
    return Path(os.path.relpath(index, Path(out).resolve())).as_posix()


def index_main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="build-index.py",
        description="Write <out>/index.html: every deck's title and date, with a line per "
                    "file of it that exists in <out>.")
    parser.add_argument("decks", type=Path, nargs="*",
                        help="the decks (default: the project's decks)")
    parser.add_argument("--out", type=Path, default=None,
                        help="the output folder (default: the project's, dist)")
    parser.add_argument("--title", default=None,
                        help="the page's heading (default: the project's `title`)")
    args = parser.parse_args(argv)
    project = Project.of(args.decks[0] if args.decks else Path.cwd())
    args.decks = args.decks or project.decks
    args.out = args.out if args.out is not None else project.out
    try:
        html = index_html(args.decks, title=args.title, out=args.out)
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

