"""`make check` runs decks two at a time (pytest-xdist) when there is more than one deck."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def check_command(*variables: str) -> str:
    """The command line `make check` would run (make -n prints, runs nothing): `lecturekit check`,
    which hands its arguments to pytest."""
    done = subprocess.run(["make", "-n", "--no-print-directory", "-C", str(ROOT), "check",
                           *variables], capture_output=True, text=True, check=True)
    return next(line for line in done.stdout.splitlines() if "-m lecturekit check" in line)


def test_more_than_one_deck_is_checked_by_two_workers():
    assert check_command("DECKS=slides/a.md slides/b.md").endswith(
        "-m lecturekit check -q -n 2 slides/a.md slides/b.md")


def test_one_deck_is_checked_in_one_process():
    command = check_command("DECKS=slides/a.md")
    assert " -n " not in command and command.endswith(" slides/a.md")


def test_check_jobs_chooses_the_number_of_workers_and_1_means_one_process():
    assert " -n 4 " in check_command("DECKS=a.md b.md", "CHECK_JOBS=4")
    assert " -n " not in check_command("DECKS=a.md b.md", "CHECK_JOBS=1")
