#!/usr/bin/env python3
"""Build one deck's handouts: dist/X.ipynb, X-handout.html, X-handout.pdf, X-exercises.ipynb.

    .venv/bin/python scripts/build-handout.py slides/03-autodiff.md --nup 4 [--out dist]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from lecturekit.deck import DeckError
from lecturekit.handout.build import build_handout
from lecturekit.handout.errors import HandoutError
from lecturekit.handout.nup import DEFAULT_NUP, NUPS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("deck", type=Path)
    parser.add_argument("--nup", type=int, choices=NUPS,
                        default=int(os.environ.get("NUP", DEFAULT_NUP)),
                        help="slides per page of the printable handout (default: $NUP or 2)")
    parser.add_argument("--out", type=Path, default=Path("dist"))
    args = parser.parse_args(argv)
    try:
        build_handout(args.deck, args.out, nup=args.nup,
                      log=lambda line: print(line, file=sys.stderr, flush=True))
    except (DeckError, HandoutError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: {exc.filename or args.deck}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
