"""Helpers for the build tests: where the fixture decks are, running the CLI."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"
DECKS = FIXTURES / "slides"
BUILD_DECK = ROOT / "scripts" / "build-deck.py"


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str


def build(deck: Path, out: Path, *options: str, cwd: Path = ROOT) -> Run:
    done = subprocess.run([sys.executable, str(BUILD_DECK), str(deck), "--out", str(out),
                           *options],
                          cwd=cwd, capture_output=True, text=True, timeout=300, check=False)
    return Run(done.returncode, done.stdout, done.stderr)


def line_of(path: Path, needle: str) -> int:
    """1-based line of the first line containing `needle` (so fixtures can change freely)."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")
