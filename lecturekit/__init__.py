"""Parse, check, build and hand out Marp lecture decks.

PYTEST_DONT_REWRITE: this package is a pytest plugin, and `lecturekit check`
imports its modules before pytest starts (see lecturekit/check/command.py);
none uses `assert` to check anything, so pytest need not rewrite them.
"""

ROOT_MARKERS = (".git", "pyproject.toml", "lecturekit.toml", "package.json", ".marprc",
                ".marprc.yml", ".marprc.yaml", ".marprc.json", "marp.config.js",
                "marp.config.mjs", "marp.config.cjs", "marp.config.ts")
"""What makes a folder a project's root: the nearest ancestor holding one of these (here, not
in lecturekit.project, so that a deck's model needs nothing else of the project's)."""
