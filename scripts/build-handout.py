#!/usr/bin/env python3
"""Build one deck's handouts: dist/X.ipynb, X-handout.html, X-handout.pdf, X-exercises.ipynb.

    .venv/bin/python scripts/build-handout.py slides/03-autodiff.md --nup 4 [--out dist]

Same as `lecturekit handout`; see lecturekit/handout/command.py.
"""

import sys

from lecturekit.handout.command import handout_main as main

if __name__ == "__main__":
    sys.exit(main())
