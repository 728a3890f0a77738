"""Checking one statement's outcome against the `# ->` comments attached to it."""

from __future__ import annotations

from lecturekit.check.evaluator import error_problem
from lecturekit.check.execute import Outcome, SlideTimeout, Statement, deck_frames, exception_only
from lecturekit.check.expectations import ExpectedError, InlineComment
from lecturekit.check.report import Problem
from lecturekit.check.rewrite import Edit
from lecturekit.deck import Deck


def check_statement(statement: Statement, outcome: Outcome, comments: list[InlineComment],
                    deck: Deck, filename: str) -> Problem | None:
    first = comments[0]
    error = outcome.error
    if error is not None:
        if isinstance(first, ExpectedError) and not isinstance(error, SlideTimeout):
            return _check_error(first, error, deck, filename)
        return error_problem(first.fence, statement.first_line, error, filename, deck)
    try:
        actual = _statement_output(statement, outcome)
    except Exception as exc:  # noqa: BLE001 - a failing __repr__ is the slide's fault
        return Problem(first.line, "the value's repr() failed", error=exc)
    if _split_matches(comments, actual):
        return None
    summary = ("expected this line to raise, but it did not"
               if isinstance(first, ExpectedError) else "output differs from the slide")
    return Problem(first.line, summary, "\n".join(c.expected for c in comments),
                   _without_continuation_indent(actual),
                   edits=_split_edits(comments, actual, deck))


def expects_error(comments: list[InlineComment], outcome: Outcome) -> bool:
    """The statement's error was asked for, so the block goes on after it."""
    return isinstance(comments[0], ExpectedError) and not isinstance(outcome.error, SlideTimeout)


def _check_error(expected: ExpectedError, error: BaseException, deck: Deck,
                 filename: str) -> Problem | None:
    actual = expected.as_written(error, exception_only(error))
    lines = {f.lineno for f in deck_frames(error, filename)}
    if expected.matches(actual) and (expected.standalone or expected.line in lines):
        return None
    if expected.matches(actual):
        return Problem(expected.line, f"{type(error).__name__} was raised, but not by "
                                      f"this line", error=error)
    return Problem(expected.line, "a different error was raised", expected.expected,
                   actual, error=error, edits=expected.edits(actual, deck))


def _statement_output(statement: Statement, outcome: Outcome) -> str:
    """What a statement shows: its printed text, and for an expression its value's repr."""
    text = outcome.stdout
    if not statement.is_expression:
        return text
    if outcome.value is not None:
        return text + ("" if not text or text.endswith("\n") else "\n") + repr(outcome.value)
    return text or "None"


def _without_continuation_indent(text: str) -> str:
    """As `# ->` comments are compared (and shown in diffs): later lines without indentation."""
    first, *rest = text.split("\n")
    return "\n".join([first, *(line.lstrip() for line in rest)])


def _split_matches(comments: list[InlineComment], actual: str) -> bool:
    return all(c.matches(part) for c, part in zip(comments, _split(comments, actual),
                                                  strict=True))


def _split(comments: list[InlineComment], actual: str) -> list[str]:
    """Share a statement's output among its comments by their line counts, in order."""
    lines = actual.rstrip("\n").split("\n")
    parts = []
    for number, comment in enumerate(comments):
        if number == len(comments) - 1:
            parts.append("\n".join(lines))
        else:
            count = len(comment.comment)
            parts.append("\n".join(lines[:count]))
            lines = lines[count:]
    return parts


def _split_edits(comments: list[InlineComment], actual: str, deck: Deck) -> list[Edit]:
    if len(comments) == 1:
        return comments[0].edits(actual, deck)
    return [e for c, part in zip(comments, _split(comments, actual), strict=True)
            for e in c.edits(part, deck)]
