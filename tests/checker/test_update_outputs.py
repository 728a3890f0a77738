"""--update-outputs rewrites only expected-output text, atomically and idempotently."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"

DRIFTS = [
    ("# -> 6", "# -> 7"),
    ("# -> [3, 2, 1]", "# -> [1, 2, 3]"),
    ("#     [4, 5, 6]]", "#     [4, 5, 9]]\n                               #     [7, 8, 9]]"),
    ("invalid literal for int() with base 10: 'x'", "invalid literal"),
    ("  # -> 3\n", "  # -> 4\n"),
    ("[1, 2, 3, 4]\n", "[1, 2, 3]\n"),
    ("a\nb\n```", "a\n```"),
    ("10\n20\n30\n", "10\n20\n"),
]


def drifted(text: str) -> str:
    for old, new in DRIFTS:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


@pytest.fixture
def good() -> bytes:
    return (FIXTURES / "update_good.md").read_bytes().replace(b"\n", b"\r\n")


@pytest.fixture
def deck(pytester: pytest.Pytester, good: bytes) -> Path:
    path = pytester.path / "deck.md"
    path.write_bytes(drifted(good.decode().replace("\r\n", "\n")).replace("\n", "\r\n").encode())
    return path


def test_drifted_copy_fails_on_every_drifted_block(run_decks, deck):
    run = run_decks("deck.md")
    assert [run.outcome(n) for n in run.reports] == ["failed"] * 4


def test_update_restores_exactly_the_output_lines_and_keeps_crlf(run_decks, deck, good):
    run = run_decks("deck.md", args=("--update-outputs",))
    assert [run.outcome(n) for n in run.reports] == ["passed"] * 4
    assert "updated 8 expected output(s) in deck.md" in run.text
    assert deck.read_bytes() == good


def test_updated_deck_passes_without_the_flag(run_decks, deck):
    run_decks("deck.md", args=("--update-outputs",))
    run = run_decks("deck.md")
    assert [run.outcome(n) for n in run.reports] == ["passed"] * 4


def test_second_update_changes_nothing(run_decks, deck):
    run_decks("deck.md", args=("--update-outputs",))
    first = deck.read_bytes()
    mtime = deck.stat().st_mtime_ns
    run = run_decks("deck.md", args=("--update-outputs",))
    assert deck.read_bytes() == first
    assert deck.stat().st_mtime_ns == mtime
    assert "updated" not in run.text


def test_update_leaves_real_errors_failing_and_their_lines_alone(run_decks, pytester):
    text = ("---\nmarp: true\n---\n\n```python\nprint(1)  # -> 2\nundefined_name\n"
            "print(3)  # -> 4\n```\n")
    (pytester.path / "err.md").write_text(text, encoding="utf-8")
    run = run_decks("err.md", args=("--update-outputs",))
    assert run.message("slide1-line5").startswith("err.md:7: NameError raised")
    assert (pytester.path / "err.md").read_text(encoding="utf-8") == text.replace("-> 2", "-> 1")


def test_update_keeps_the_slides_indentation_of_changed_continuation_lines(run_decks, pytester):
    text = ("---\nmarp: true\n---\n\n```python\nfrom pprint import pprint\n"
            "pprint([[1, 2, 3], [4, 5, 6]], width=12)  # -> [[1, 2, 3],\n"
            "                                          #  [4, 5, 7]]\n```\n")
    deck = pytester.path / "indent.md"
    deck.write_text(text, encoding="utf-8")
    run_decks("indent.md", args=("--update-outputs",))
    assert deck.read_text(encoding="utf-8") == text.replace("[4, 5, 7]", "[4, 5, 6]")
