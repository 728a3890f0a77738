"""Helpers of the authoring-loop tests: run the `lecturekit` CLI as a user would.

A module of its own name (not `conftest`): several test folders have a
conftest.py, and `from conftest import …` picks whichever was imported first.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"


def lecturekit(*args: str, cwd: Path, env: dict[str, str] | None = None,
               timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """`python -m lecturekit ARGS` (what the Makefile runs), from `cwd`."""
    return subprocess.run([sys.executable, "-m", "lecturekit", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)
