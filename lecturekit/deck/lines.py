"""How Marp numbers a deck's lines, and the cheap look that tells a deck from other Markdown.

Apart from the parser (`parse.py`) because neither needs markdown-it: the
checker's collection looks at every Markdown file's head with
`looks_like_marp`, and `lecturekit check` takes its decks from a pre-parse
(`lecturekit.check.preparse`) without importing markdown-it itself.
"""

from __future__ import annotations

import re

_NEWLINE = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    """The deck's lines as Marp numbers them: split on CRLF, CR and LF only."""
    lines = _NEWLINE.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


_MARP_TRUE = re.compile(r"^marp[ \t]*:[ \t]*(true|True|TRUE)[ \t]*(?:#.*)?$")


def looks_like_marp(head: bytes | str) -> bool:
    """A cheap look at a file's start: does its front matter say `marp: true`?

    For collecting decks without parsing every Markdown file; any line
    ending (LF, CRLF, CR) and a BOM are fine, and bytes need not be UTF-8.
    """
    if isinstance(head, bytes):
        head = head.decode("utf-8", "replace")
    lines = split_lines(head.removeprefix("\ufeff"))
    if not lines or not re.match(r"-{3,}", lines[0]):
        return False
    for line in lines[1:]:
        if re.match(r"^ {0,3}(-{3,}|\.\.\.)[ \t]*$", line):
            return False
        if _MARP_TRUE.match(line):
            return True
    return False
