#!/usr/bin/env python3
"""Build dist/site/ (the GitHub Pages site) from dist/: see lecturekit/site.

    .venv/bin/python scripts/build-site.py [slides/*.md] [--dist dist] [--out dist/site]
"""

import sys

from lecturekit.site import main

if __name__ == "__main__":
    sys.exit(main())
