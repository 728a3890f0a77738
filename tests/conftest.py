"""Fixture decks are inputs of tests, not slide tests of their own."""

import pytest

collect_ignore_glob = ["*/fixtures/*", "fixtures/*"]


@pytest.fixture(autouse=True)
def _not_on_github_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests run the checker on fixture decks; on a GitHub runner those runs must not
    annotate the pull request or write to the job's step summary (tests/ci sets its own)."""
    for name in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(name, raising=False)
