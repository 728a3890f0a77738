"""Build one deck to <out>/<deck>.html and <out>/<deck>.pdf, or say clearly why not.

    .venv/bin/python scripts/build-deck.py slides/03-autodiff.md [--out dist]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lecturekit.build import BuildError, build_deck
from lecturekit.build.render import ToolError
from lecturekit.deck import DeckError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("deck", type=Path, help="the Marp deck, e.g. slides/03-autodiff.md")
    parser.add_argument("--out", type=Path, default=Path("dist"), help="output folder (dist)")
    args = parser.parse_args(argv)
    if not args.deck.is_file():
        print(f"{args.deck}: no such deck", file=sys.stderr)
        return 1
    try:
        built = build_deck(args.deck, args.out, log=lambda line: print(line, flush=True))
    except (DeckError, BuildError) as exc:
        print(exc, file=sys.stderr)
        annotate_on_github(args.deck, exc)
        print(f"[build] {args.deck.stem}: FAILED, nothing written", file=sys.stderr)
        return 1
    except ToolError as exc:
        print(f"{args.deck}: {exc}", file=sys.stderr)
        annotate_on_github(args.deck, exc)
        print(f"[build] {args.deck.stem}: FAILED, nothing written", file=sys.stderr)
        return 1
    print(f"[build] {args.deck.stem}: done in {built.seconds:.1f}s -> {built.html}, {built.pdf}")
    return 0


def annotate_on_github(deck: Path, exc: Exception) -> None:
    """On GitHub Actions, each problem also as an annotation at its deck line (else nothing)."""
    from lecturekit.github import emit_problem

    for problem in getattr(exc, "problems", None) or [exc]:
        emit_problem(getattr(problem, "path", deck), getattr(problem, "line", None),
                     getattr(problem, "message", None) or str(problem),
                     slide=getattr(problem, "slide", None),
                     slide_title=getattr(problem, "title", ""))


if __name__ == "__main__":
    sys.exit(main())
