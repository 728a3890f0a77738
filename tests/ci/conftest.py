"""Fixtures for the CI tests: pytester, and a fake GitHub Actions environment."""

from __future__ import annotations

from pathlib import Path

import pytest


def pytest_configure(config: pytest.Config) -> None:
    """Load pytester here: `pytest_plugins` is only allowed in the rootdir's conftest."""
    if not config.pluginmanager.has_plugin("pytester"):
        config.pluginmanager.import_plugin("pytester")


@pytest.fixture
def actions_env(pytester: pytest.Pytester, tmp_path: Path,
                monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """The variables a GitHub runner sets; the workspace is pytester's folder."""
    workspace = pytester.path
    summary = tmp_path / "step_summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_WORKSPACE", str(workspace))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.example")
    monkeypatch.setenv("GITHUB_REPOSITORY", "club/lectures")
    monkeypatch.setenv("GITHUB_SHA", "0123abc")
    return {"workspace": workspace, "summary": summary}
