"""Build decks to <out>/<deck>.html and <out>/<deck>.pdf, or say clearly why not.

    .venv/bin/python scripts/build-deck.py slides/03-autodiff.md [--out dist] [--layout warn]

The layout build alone (lint, render, Chromium checks, PDF); `lecturekit build`
and `make slides` run the same build with the deck's code check alongside
(`--check` here does too).  See lecturekit/render/command.py.
"""

import sys

from lecturekit.render.command import script_main


def main(argv: list[str] | None = None) -> int:
    return script_main(argv)


if __name__ == "__main__":
    sys.exit(main())
