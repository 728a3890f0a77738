"""The failure path is linear: work per failing block does not grow with the deck.

Measured without clocks: the deck is split into lines once however many
blocks fail, and pytest's failure summary scans no quiet reports per failure.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _pytest.terminal import TerminalReporter

from lecturekit.check import rewrite
from lecturekit.check.rewrite import apply_edits
from lecturekit.check.session import DeckSession
from lecturekit.deck import read_deck


def failing_deck(folder: Path, blocks: int) -> Path:
    """`blocks` slides, each a `# ->` expectation that is off by one, plus a raising block."""
    parts = ["---\nmarp: true\n---\n"]
    for number in range(blocks):
        parts.append(f"\n---\n\n```python\nprint({number})  # -> {number + 1}\n```\n")
    parts.append("\n---\n\n```python\nprint(1)\n```\n\n```text output\n2\n```\n")
    path = folder / f"fail{blocks}.md"
    path.write_text("".join(parts), encoding="utf-8")
    return path


@pytest.fixture
def line_index_builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Length of each deck text split into lines by the report and edit code."""
    built: list[int] = []
    original = rewrite._Lines

    def counting(text: str, path: Path) -> rewrite._Lines:
        built.append(len(text))
        return original(text, path)

    rewrite._indexed.cache_clear()
    monkeypatch.setattr(rewrite, "_Lines", counting)
    yield built
    rewrite._indexed.cache_clear()


@pytest.mark.parametrize("blocks", [20, 200])
def test_deck_is_split_into_lines_once_however_many_blocks_fail(tmp_path, line_index_builds,
                                                                blocks):
    path = failing_deck(tmp_path, blocks)
    deck = read_deck(path)
    results = DeckSession(deck, update=True).run_all()
    assert [r.outcome for r in results[:-1]] == ["passed"] * blocks  # fixed by edits
    assert sum(len(r.edits) for r in results) == blocks + 1
    assert len(line_index_builds) == 1
    report = DeckSession(deck).run_all()
    assert [r.line for r in report[:2]] == [8, 14]
    assert report[1].message.startswith(f"{deck.path}:14: output differs from the slide")
    assert report[-1].message.startswith(f"{deck.path}:{12 + 6 * blocks}: the block's output "
                                         f"differs from its `output` fence")
    assert len(line_index_builds) == 1


def test_updating_many_failing_blocks_fixes_every_one(tmp_path):
    path = failing_deck(tmp_path, 300)
    edits = [e for r in DeckSession(read_deck(path), update=True).run_all() for e in r.edits]
    assert apply_edits(path, edits) == 301
    assert all(r.outcome == "passed" for r in DeckSession(read_deck(path)).run_all())


def test_failure_summary_scans_no_quiet_reports_per_failing_block(pytester, monkeypatch):
    scanned: list[int] = []
    original = TerminalReporter.getreports

    def counting(self: TerminalReporter, name: str) -> list:
        found = original(self, name)
        if name == "":
            scanned.append(len(found))
        return found

    monkeypatch.setattr(TerminalReporter, "getreports", counting)
    failing_deck(pytester.path, 30)
    result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:randomly", "fail30.md")
    result.assert_outcomes(failed=31)
    assert "fail30.md:14: output differs from the slide" in result.stdout.str()
    assert len(scanned) == 31
    assert sum(scanned) == 0
