#!/usr/bin/env bash
# The pre-commit hook's command: check the Python blocks of the given Markdown files that
# are Marp decks (front matter `marp: true`), with the project's pytest plugin.  Other
# Markdown files have nothing to run and are passed over.
set -euo pipefail
mapfile -t decks < <(.venv/bin/python - "$@" <<'PY'
import sys
from lecturekit.deck import DeckError, read_deck

for name in sys.argv[1:]:
    try:
        marp = read_deck(name).is_marp
    except (DeckError, OSError, UnicodeDecodeError):
        marp = True  # let pytest report it, at its line
    if marp:
        print(name)
PY
)
[ ${#decks[@]} -gt 0 ] || exit 0
exec .venv/bin/python -m pytest -q -p no:cacheprovider --no-header "${decks[@]}"
