"""The session hands each block to the evaluator that accepts it; new kinds plug in there."""

from __future__ import annotations

from pathlib import Path

import pytest

from lecturekit.check import evaluators
from lecturekit.check.evaluator import BlockOutcome, Context
from lecturekit.check.report import Problem
from lecturekit.check.script import ScriptEvaluator
from lecturekit.check.session import run_deck
from lecturekit.check.transcript import TranscriptEvaluator
from lecturekit.deck import Fence, read_deck

DECK = """\
---
marp: true
---

```python
word = "quiet"
```

```python
# shout
```

```pycon
>>> word
'quiet'
```
"""


class ShoutEvaluator:
    """A made-up block kind: `# shout` blocks pass only if `word` is upper case."""

    def accepts(self, fence: Fence) -> bool:
        return fence.code.startswith("# shout")

    def evaluate(self, fence: Fence, namespace: dict[str, object], context: Context,
                 seconds: float) -> BlockOutcome:
        word = str(namespace["word"])
        problems = [] if word.isupper() else [Problem(fence.line + 1, f"{word!r} is not shouted")]
        return BlockOutcome(word + "\n", problems, True)


@pytest.fixture
def deck_path(tmp_path: Path) -> Path:
    path = tmp_path / "deck.md"
    path.write_text(DECK, encoding="utf-8")
    return path


def test_transcripts_go_to_the_transcript_evaluator_and_other_blocks_to_the_script_one(deck_path):
    blocks = read_deck(deck_path).code_blocks
    chosen = [type(evaluators.evaluator_for(fence)) for fence in blocks]
    assert chosen == [ScriptEvaluator, ScriptEvaluator, TranscriptEvaluator]


def test_a_registered_evaluator_checks_its_blocks_in_the_session_namespace(deck_path,
                                                                            monkeypatch):
    monkeypatch.setattr(evaluators, "EVALUATORS", (ShoutEvaluator(), *evaluators.EVALUATORS))
    results = run_deck(read_deck(deck_path))
    assert [r.outcome for r in results] == ["passed", "failed", "passed"]
    shout = results[1]
    assert shout.stdout == "quiet\n"
    assert shout.checked
    assert shout.line == 10
    assert shout.message.startswith(f"{deck_path}:10: 'quiet' is not shouted (slide 1)")
