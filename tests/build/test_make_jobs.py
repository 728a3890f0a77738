"""`make slides` and `make handout` build several decks JOBS at a time (make's own jobs).

`make -n` prints the recursive make each target starts (and runs nothing
else); the decks are the real one plus a name that does not exist, so the
inner make stops at once on the missing deck after printing its command.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def inner_make(target: str, *variables: str) -> str:
    done = subprocess.run(["make", "-n", "--no-print-directory", "-C", str(ROOT), target,
                           "DECKS=slides/03-autodiff.md slides/zz-missing.md", *variables],
                          capture_output=True, text=True, check=False)
    started = [line for line in done.stdout.splitlines() if " -j" in line]
    assert len(started) == 1, f"expected one inner make with -j, got:\n{done.stdout}"
    return started[0]


def test_slides_builds_every_deck_jobs_at_a_time():
    assert inner_make("slides", "JOBS=3").endswith(
        "--no-print-directory -j3 dist/03-autodiff.pdf dist/zz-missing.pdf")


def test_handout_builds_every_deck_jobs_at_a_time_then_the_index():
    """Each deck's target is its printed handout, whose name says the layout (`NUP`)."""
    assert inner_make("handout", "JOBS=2").endswith(
        "--no-print-directory -j2 dist/03-autodiff-handout.pdf dist/zz-missing-handout.pdf "
        "dist/index.html")
    assert inner_make("handout", "JOBS=2", "NUP=3").endswith(
        "--no-print-directory -j2 dist/03-autodiff-handout-3up.pdf "
        "dist/zz-missing-handout-3up.pdf dist/index.html")


def test_a_deck_whose_name_has_a_space_is_built_by_lecturekit_not_lost_by_make(tmp_path: Path):
    """make splits file names at spaces: such a deck is left out of the pattern rules and
    built by `lecturekit build` with its name quoted, after the others."""
    shutil.copyfile(ROOT / "Makefile", tmp_path / "Makefile")
    (tmp_path / "slides").mkdir()
    for name in ("01-intro.md", "02 my deck.md"):
        (tmp_path / "slides" / name).write_text("---\nmarp: true\n---\n\n# A\n")
    done = subprocess.run(["make", "-n", "--no-print-directory", "-C", str(tmp_path), "slides",
                           "READY=", "BUILD=", "THEMES=", "IMAGES=", "JOBS=2"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].endswith("--no-print-directory -j2 dist/01-intro.pdf")
    assert lines[-1] == ".venv/bin/python -m lecturekit build 'slides/02 my deck.md' --layout error"
