"""The render engine fails in one line and leaves nothing running when marp-cli cannot render.

marp-cli runs in a worker thread of the engine while Chromium launches on
the main thread (engine/marp-html.mjs); a failure there must still end the
engine with marp-cli's reason, close the Chromium it launched meanwhile, and
write no HTML.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lecturekit.render import render

BROKEN_CONFIG = """\
export default {
  engine: () => { throw new Error('this engine is broken on purpose') },
}
"""


def chromium_pids_under(folder: Path) -> list[str]:
    """Chromium processes whose profile lives in `folder` (the engine puts it in the stage)."""
    listing = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True,
                             check=True).stdout
    return [line.split()[0] for line in listing.splitlines() if str(folder) in line
            and "chrom" in line.lower()]


def test_a_marp_cli_failure_ends_the_engine_with_its_reason_and_no_chromium_left(
        tmp_path: Path) -> None:
    stage = tmp_path / "stage"
    stage.mkdir()
    (stage / "deck.md").write_text("---\nmarp: true\n---\n\n# Hello\n", encoding="utf-8")
    config = tmp_path / "broken.config.mjs"
    config.write_text(BROKEN_CONFIG, encoding="utf-8")
    job = {**render.make_job(stage, "deck"), "config": str(config)}
    with pytest.raises(render.ToolError) as raised, render.Engine(job, stage) as engine:
        for _ in engine.events():
            pass
    assert str(raised.value).splitlines()[0] == (
        "the render engine failed: marp-cli could not render the deck: Failed converting "
        "Markdown. (this engine is broken on purpose)")
    assert not (stage / "deck.html").exists()
    assert chromium_pids_under(stage) == []


def test_the_render_limit_grows_with_the_deck(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 10,000-slide deck died at a fixed 300 s print timeout; the limit now grows with the
    slides, and $LECTUREKIT_RENDER_TIMEOUT sets it outright."""
    monkeypatch.delenv(render.TIMEOUT_ENV, raising=False)
    small, big = render.render_limit_s(10), render.render_limit_s(10_000)
    assert small == render.TIMEOUT_S + 10 * render.PER_SLIDE_S
    assert big == render.TIMEOUT_S + 10_000 * render.PER_SLIDE_S > 2 * small
    assert render.make_job(Path("/stage"), "deck", slides=10_000)["timeoutS"] == big
    monkeypatch.setenv(render.TIMEOUT_ENV, "7200")
    assert render.render_limit_s(10_000) == 7200


@pytest.mark.render
def test_a_render_over_its_limit_says_where_it_was_and_how_to_allow_more(
        tmp_path: Path) -> None:
    from build_helpers import BUILD_DECK, ROOT

    deck = tmp_path / "slow.md"
    deck.write_text("---\nmarp: true\n---\n\n# 重いページ\n\n"
                    "<script>const t = Date.now(); while (Date.now() - t < 8000) {}</script>\n",
                    encoding="utf-8")
    out = tmp_path / "dist"
    run = subprocess.run([sys.executable, str(BUILD_DECK), str(deck), "--out", str(out)],
                         cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env={**os.environ, render.TIMEOUT_ENV: "3"})
    assert run.returncode == 1
    assert (f"{deck}: the render engine failed: the render did not finish in time: it was "
            f"loading the page; the limit is 3s ({render.TIMEOUT_ENV}); set "
            f"{render.TIMEOUT_ENV}=<seconds> to allow more" in run.stderr), run.stderr
    assert "Traceback" not in run.stderr and "Timed out after waiting" not in run.stderr
