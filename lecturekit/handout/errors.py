"""Errors of the handout build that are not about a line of a deck, and the colour codes
the tools' error text carries (IPython's tracebacks, node's messages), stripped before it is
shown or read."""

import re

ANSI = re.compile(r"\x1b\[[0-9;]*m")
"""A terminal colour code."""


class HandoutError(Exception):
    """A build step failed (a tool missing or failing); the message says which and why."""
