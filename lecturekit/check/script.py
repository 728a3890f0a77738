"""Evaluator of ordinary script blocks: `# ->` comments, expected errors, `output` fences.

A block without `# ->` comments runs as one piece (the common, fast case);
one with them runs statement by statement so each comment is checked
against exactly what its statement showed.
"""

from __future__ import annotations

import io
import sys

from lecturekit.check.evaluator import BlockOutcome, Context, error_problem, syntax_problem
from lecturekit.check.execute import (
    LineTaggedOutput,
    SlideTimeout,
    compile_block,
    compile_script,
    run,
)
from lecturekit.check.expectations import (
    Deferred,
    InlineComment,
    OutputFence,
    attach,
    find_inline_comments,
)
from lecturekit.check.inline import check_statement, expects_error
from lecturekit.check.report import Problem
from lecturekit.deck import Deck, Fence


class ScriptEvaluator:
    def accepts(self, fence: Fence) -> bool:
        """Every Python block is a script; blocks of a more specific kind go first."""
        return True

    def evaluate(self, fence: Fence, namespace: dict[str, object], context: Context,
                 seconds: float) -> BlockOutcome:
        if "->" not in fence.code and "#>" not in fence.code:
            return _run_whole(fence, namespace, context, seconds)
        return _run_statements(fence, namespace, context, seconds)


def _run_whole(fence: Fence, namespace: dict[str, object], context: Context,
               seconds: float) -> BlockOutcome:
    try:
        code = compile_block(fence.code, context.filename, fence.line + 1)
    except SyntaxError as exc:
        return BlockOutcome("", [syntax_problem(exc, fence.line + 1, fence.line)], False)
    output = context.output
    output.reset()
    outcome = run(code, namespace, buffer=output, limits=context.limits, seconds=seconds,
                  awaiter=context.awaiter)
    context.after_run()
    problems = []
    if outcome.error is not None:
        problems.append(error_problem(fence, fence.line + 1, outcome.error, context.filename,
                                      context.deck))
    output_fence = context.outputs.get(id(fence))
    if output_fence is None:
        if id(fence) in context.chained:
            return BlockOutcome(outcome.stdout, problems, True)
        unchecked = _pieces(output, fence) if output.pieces else []
        return BlockOutcome(outcome.stdout, problems, False, unchecked)
    problems += check_output_fence(output_fence, context.before + outcome.stdout, context.deck)
    return BlockOutcome(outcome.stdout, problems, True)


def _run_statements(fence: Fence, namespace: dict[str, object], context: Context,
                    seconds: float) -> BlockOutcome:
    first_line = fence.line + 1
    filename = context.filename
    try:
        statements = compile_script(fence.code, filename, first_line)
    except SyntaxError as exc:
        return BlockOutcome("", [syntax_problem(exc, first_line, first_line)], False)
    expectations = attach(find_inline_comments(fence),
                          [(s.first_line, s.last_line) for s in statements])
    output_fence = context.outputs.get(id(fence))
    chained = id(fence) in context.chained
    deferred = expectations.deferred
    checked = (bool(expectations.by_statement) or bool(deferred) or output_fence is not None
               or chained)
    problems = [Problem(c.line, f"this {c.form} comment is not directly below a statement, "
                                "so it checks nothing") for c in expectations.orphans]
    printed: list[str] = []
    unchecked: list[tuple[int, str]] = []
    caught: list[list[str]] = [[] for _ in deferred]
    stopped = False
    current = statements[0] if statements else None
    context.limits.arm(seconds)
    try:
        for number, statement in enumerate(statements):
            current = statement
            buffer = PrintLines(filename) if deferred else None
            outcome = run(statement.code, namespace, statement.is_expression, buffer=buffer,
                          awaiter=context.awaiter)
            context.after_run()
            printed.append(outcome.stdout)
            if buffer is not None:
                outcome.stdout = _route(buffer.pieces, deferred, caught)
            comments = expectations.by_statement.get(number)
            if comments:
                problem = check_statement(statement, outcome, comments, context.deck, filename)
                if problem is not None:
                    problems.append(problem)
                if outcome.error is not None and not expects_error(comments, outcome):
                    stopped = True
                    break
                continue
            if outcome.error is not None:
                problems.append(error_problem(fence, statement.first_line, outcome.error,
                                              filename, context.deck))
                stopped = True
                break
            if outcome.stdout and output_fence is None and not chained:
                unchecked.append((statement.first_line, outcome.stdout))
    except SlideTimeout as exc:
        line = current.first_line if current else fence.line
        problems.append(error_problem(fence, line, exc, filename))
        stopped = True
    finally:
        context.limits.disarm()
    stdout = "".join(printed)
    for entry, pieces in zip(deferred if not stopped else [], caught, strict=False):
        problem = _check_deferred(entry.comment, "".join(pieces), context.deck)
        if problem is not None:
            problems.append(problem)
    if output_fence is not None:
        problems += check_output_fence(output_fence, context.before + stdout, context.deck)
    return BlockOutcome(stdout, problems, checked, unchecked)


def check_output_fence(fence: Fence, stdout: str, deck: Deck) -> list[Problem]:
    """The block's whole stdout against the `output` fence below it."""
    expected = OutputFence(fence)
    if expected.matches(stdout):
        return []
    return [Problem(expected.first_difference(stdout),
                    "the block's output differs from its `output` fence",
                    expected.expected, stdout, edits=expected.edits(stdout, deck))]


class PrintLines(io.StringIO):
    """Captured stdout that remembers the deck line of the innermost deck frame that
    printed each piece: the `print` inside a function, not the call that ran it."""

    def __init__(self, filename: str) -> None:
        super().__init__()
        self.filename = filename
        self.pieces: list[tuple[int, str]] = []

    def write(self, text: str) -> int:
        frame = sys._getframe(1)
        while frame is not None and frame.f_code.co_filename != self.filename:
            frame = frame.f_back
        self.pieces.append((frame.f_lineno if frame is not None else 0, text))
        return super().write(text)


def _route(pieces: list[tuple[int, str]], deferred: list[Deferred],
           caught: list[list[str]]) -> str:
    """Give each deferred comment what its statement printed; return the rest."""
    rest = []
    for line, text in pieces:
        for number, entry in enumerate(deferred):
            if entry.first_line <= line <= entry.last_line:
                caught[number].append(text)
                break
        else:
            rest.append(text)
    return "".join(rest)


def _check_deferred(comment: InlineComment, actual: str, deck: Deck) -> Problem | None:
    if comment.matches(actual):
        return None
    summary = ("output differs from the slide (what this print printed in every call "
               "while the block ran)") if actual else (
               "this print printed nothing while the block ran (its function was not called)")
    return Problem(comment.line, summary, comment.expected, actual,
                   edits=comment.edits(actual, deck))


def _pieces(output: LineTaggedOutput, fence: Fence) -> list[tuple[int, str]]:
    return [(line or fence.line, text) for line, text in output.pieces if text]
