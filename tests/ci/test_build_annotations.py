"""On GitHub Actions a refused build is also annotated at the deck line it names."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DECK = "tests/build/fixtures/slides/missing-image.md"


def build(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    return subprocess.run([sys.executable, "scripts/build-deck.py", DECK, "--out",
                           str(tmp_path / "dist")], cwd=ROOT, env={**environ, **env},
                          capture_output=True, text=True, timeout=300, check=False)


def test_a_missing_image_is_annotated_where_the_build_error_points(tmp_path):
    done = build(tmp_path, GITHUB_ACTIONS="true", GITHUB_WORKSPACE=str(ROOT))
    assert done.returncode == 1
    problem = re.search(rf"^{re.escape(DECK)}:(\d+): slide (\d+) \"(.+?)\" (references .+)$",
                        done.stderr, re.M)
    assert problem, done.stderr
    line, slide, title, message = problem.groups()
    expected = (f"::error file={DECK},line={line},title=slide {slide} “{title}”::"
                + message.replace("%", "%25"))
    assert done.stdout.splitlines() == [expected]
    assert not (tmp_path / "dist").exists() or not any((tmp_path / "dist").iterdir())


def test_no_annotation_outside_github_actions(tmp_path):
    done = build(tmp_path)
    assert done.returncode == 1
    assert "::error" not in done.stdout + done.stderr
