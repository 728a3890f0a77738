"""Fixtures of the authoring-loop tests (helpers: authoring_helpers.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from authoring_helpers import FIXTURES


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "render: renders a deck with marp-cli and Chromium (slow)")


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """A copy of the two-block fixture deck in a fresh folder (tests edit it)."""
    deck = tmp_path / "tiny.md"
    shutil.copyfile(FIXTURES / "tiny.md", deck)
    return deck
