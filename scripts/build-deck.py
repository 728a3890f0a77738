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
        print(f"[build] {args.deck.stem}: FAILED, nothing written", file=sys.stderr)
        return 1
    except ToolError as exc:
        print(f"{args.deck}: {exc}", file=sys.stderr)
        print(f"[build] {args.deck.stem}: FAILED, nothing written", file=sys.stderr)
        return 1
    print(f"[build] {args.deck.stem}: done in {built.seconds:.1f}s -> {built.html}, {built.pdf}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
