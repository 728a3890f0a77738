#!/usr/bin/env python3
"""Write dist/index.html: every deck's title and date, with links to all its artefacts.

    .venv/bin/python scripts/build-index.py slides/*.md [--out dist]

Same as `lecturekit index`; see lecturekit/handout/command.py.
"""

import sys

from lecturekit.handout.command import index_main as main

if __name__ == "__main__":
    sys.exit(main())
