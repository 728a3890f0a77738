"""The handout's page rendering has the build's time limit (600 s + 0.2 s a slide, or
$LECTUREKIT_RENDER_TIMEOUT), from the same code (`render.render_limit_s`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lecturekit.handout.errors import HandoutError
from lecturekit.handout.pages import run
from lecturekit.render.render import TIMEOUT_ENV


def test_a_handout_tool_past_the_render_limit_fails_naming_the_limit_and_how_to_raise_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TIMEOUT_ENV, "0.3")
    with pytest.raises(HandoutError) as failure:
        run(["sleep", "5"], "Chromium (print the handout sheets)", slides=3)
    assert str(failure.value) == (
        "Chromium (print the handout sheets) did not finish in time; the limit is 0.3s "
        "(LECTUREKIT_RENDER_TIMEOUT); set LECTUREKIT_RENDER_TIMEOUT=<seconds> to allow more")


def test_lecturekit_handout_stops_at_the_render_limit_with_one_error_line(
        tmp_path: Path) -> None:
    deck = tmp_path / "deck.md"
    deck.write_text("---\nmarp: true\n---\n\n# a\n\n```python\nprint(1)\n```\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "lecturekit", "handout", deck.name],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={**os.environ, TIMEOUT_ENV: "0.01"})
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("error: ") and "did not finish in time" in last
    assert f"set {TIMEOUT_ENV}=<seconds> to allow more" in last
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "dist" / "deck.ipynb").exists()


def test_typesetting_the_reading_versions_math_has_the_render_limit_too(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from lecturekit.deck import parse_deck
    from lecturekit.handout import html

    deck = parse_deck("---\nmarp: true\n---\n\n# a\n\n$x$\n", tmp_path / "deck.md")
    monkeypatch.setenv(TIMEOUT_ENV, "0.3")
    monkeypatch.setattr(html, "node_command", lambda: ["sh", "-c", "sleep 5"])
    with pytest.raises(HandoutError) as failure:
        html.typeset_math("<p>$x$</p>", deck)
    assert str(failure.value) == (
        f"{deck.path}: typesetting the math with MathJax did not finish in time; the limit is "
        "0.3s (LECTUREKIT_RENDER_TIMEOUT); set LECTUREKIT_RENDER_TIMEOUT=<seconds> to allow more")
