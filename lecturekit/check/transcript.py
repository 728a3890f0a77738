"""Evaluator of `>>>` transcript blocks, with doctest semantics (expected tracebacks included)."""

from __future__ import annotations

import traceback

from lecturekit.check.evaluator import BlockOutcome, Context, syntax_problem
from lecturekit.check.execute import SlideTimeout, compile_interactive, run
from lecturekit.check.expectations import Transcript, TranscriptError, find_transcript
from lecturekit.check.hints import add_hints
from lecturekit.check.report import Problem
from lecturekit.deck import Fence


class TranscriptEvaluator:
    def accepts(self, fence: Fence) -> bool:
        return fence.is_transcript

    def evaluate(self, fence: Fence, namespace: dict[str, object], context: Context,
                 seconds: float) -> BlockOutcome:
        problems: list[Problem] = []
        echoed: list[str] = []
        try:
            examples = find_transcript(fence)
        except TranscriptError as exc:
            return BlockOutcome("", [Problem(exc.line, str(exc))], False)
        context.limits.arm(seconds)
        try:
            for example in examples:
                problem, echo = _run_example(example, namespace, context)
                echoed.append(echo)
                if problem is not None:
                    problems.append(problem)
                    if isinstance(problem.error, SlideTimeout):
                        break
        except SlideTimeout as exc:
            problems.append(Problem(fence.line, str(exc)))
        finally:
            context.limits.disarm()
        checked = any(t.example.want or t.example.exc_msg for t in examples)
        return BlockOutcome("".join(echoed), problems, checked)


def _run_example(transcript: Transcript, namespace: dict[str, object],
                 context: Context) -> tuple[Problem | None, str]:
    """One `>>>` example: its problem (if any) and its output as doctest would echo it."""
    example = transcript.example
    try:
        code = compile_interactive(example.source, context.filename, transcript.line)
    except SyntaxError as exc:
        exc.lineno = (exc.lineno or 1) + transcript.line - 1
        return syntax_problem(exc, transcript.line, transcript.line), ""
    outcome = run(code, namespace, awaiter=context.awaiter)
    context.after_run()
    got = outcome.stdout
    error = outcome.error
    if error is None:
        if transcript.matches(got):
            return None, got
        return Problem(transcript.line, "output differs from the transcript",
                       example.want, got,
                       edits=transcript.edits(got, context.deck)), got
    exc_msg = "".join(traceback.format_exception_only(type(error), error))
    echo = got + "Traceback (most recent call last):\n  ...\n" + exc_msg
    if isinstance(error, SlideTimeout):
        return Problem(transcript.line, str(error), error=error), echo
    if example.exc_msg is None:
        add_hints(error, context.deck, transcript.line)
        return Problem(transcript.line, f"{type(error).__name__} raised", error=error), echo
    if transcript.error_matches(exc_msg):
        return None, echo
    new_want = transcript.new_want(got, exc_msg)
    return Problem(transcript.line, "a different error was raised", example.want,
                   new_want, error=error, edits=transcript.edits(new_want, context.deck)), echo
