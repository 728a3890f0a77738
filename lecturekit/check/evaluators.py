"""The block evaluators the session chooses from: the first that accepts a block runs it.

Most specific first; the script evaluator accepts every block, so it comes last.
"""

from __future__ import annotations

from lecturekit.check.evaluator import Evaluator
from lecturekit.check.script import ScriptEvaluator
from lecturekit.check.transcript import TranscriptEvaluator
from lecturekit.deck import Fence

EVALUATORS: tuple[Evaluator, ...] = (TranscriptEvaluator(), ScriptEvaluator())


def evaluator_for(fence: Fence) -> Evaluator:
    for evaluator in EVALUATORS:
        if evaluator.accepts(fence):
            return evaluator
    raise LookupError(f"no evaluator accepts the block at line {fence.line}")
