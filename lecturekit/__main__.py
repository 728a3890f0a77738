"""`python -m lecturekit` is the `lecturekit` command (what the Makefile calls)."""

import sys

from lecturekit.cli import main

sys.exit(main())
