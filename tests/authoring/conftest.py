"""Shared helpers of the authoring-loop tests: run the `lecturekit` CLI as a user would."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "render: renders a deck with marp-cli and Chromium (slow)")


def lecturekit(*args: str, cwd: Path, env: dict[str, str] | None = None,
               timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """`python -m lecturekit ARGS` (what the Makefile runs), from `cwd`."""
    return subprocess.run([sys.executable, "-m", "lecturekit", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """A copy of the two-block fixture deck in a fresh folder (tests edit it)."""
    deck = tmp_path / "tiny.md"
    shutil.copyfile(FIXTURES / "tiny.md", deck)
    return deck
