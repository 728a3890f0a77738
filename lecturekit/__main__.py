"""`python -m lecturekit` is the `lecturekit` command (what the Makefile calls).

A Ctrl-C while the command is still importing (before any subcommand runs)
ends it with one line and status 130, not a KeyboardInterrupt traceback.
"""

import sys

try:
    from lecturekit.cli import main
except KeyboardInterrupt:
    sys.stderr.write("\nlecturekit: interrupted\n")
    sys.exit(130)

sys.exit(main())
