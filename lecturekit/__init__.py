"""Parse, check, build and hand out Marp lecture decks.

PYTEST_DONT_REWRITE: this package is a pytest plugin, and `lecturekit check`
imports its modules before pytest starts (see lecturekit/check/command.py);
none uses `assert` to check anything, so pytest need not rewrite them.
"""
