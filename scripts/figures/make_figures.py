"""Regenerate the lecture figures in img/ (`make figures`); `--check` verifies them."""

import sys

from lecture_figures.cli import main

if __name__ == "__main__":
    sys.exit(main())
