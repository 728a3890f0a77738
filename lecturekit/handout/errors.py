"""Errors of the handout build that are not about a line of a deck."""


class HandoutError(Exception):
    """A build step failed (a tool missing or failing); the message says which and why."""
