"""`run_deck`, the execution API the handout build uses, returns what the checker saw."""

from __future__ import annotations

from pathlib import Path

from lecturekit.check.session import run_deck
from lecturekit.deck import read_deck

FIXTURES = Path(__file__).parent / "fixtures"


def test_one_result_per_python_block_in_deck_order_with_stdout():
    deck = read_deck(FIXTURES / "output_fence.md")
    results = run_deck(deck)
    assert [r.fence.line for r in results] == [f.line for f in deck.code_blocks] == [5, 18]
    assert [r.stdout for r in results] == ["0\n1\n2\n", "hello\nworld\n"]
    assert [r.outcome for r in results] == ["passed", "failed"]
    assert results[1].message.startswith(f"{deck.path}:27: the block's output differs")


def test_transcript_stdout_is_the_echo_doctest_shows():
    results = run_deck(read_deck(FIXTURES / "transcript.md"))
    assert results[0].stdout == "[1, 2, 3]\nhi\n"
    assert results[2].stdout == ("Traceback (most recent call last):\n  ...\n"
                                 "ZeroDivisionError: division by zero\n")


def test_skipped_block_has_its_reason_and_no_output():
    first = run_deck(read_deck(FIXTURES / "annotations.md"))[0]
    assert (first.outcome, first.message, first.stdout) == ("skipped", "pseudo-code", "")


def test_unchecked_output_mode_error_fails_the_block():
    results = run_deck(read_deck(FIXTURES / "unchecked.md"), unchecked="error")
    assert results[0].outcome == "failed"
    assert results[0].line == 7
