"""The render engine fails in one line and leaves nothing running when marp-cli cannot render.

marp-cli runs in a worker thread of the engine while Chromium launches on
the main thread (engine/marp-html.mjs); a failure there must still end the
engine with marp-cli's reason, close the Chromium it launched meanwhile, and
write no HTML.
"""

from __future__ import annotations

import subprocess
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
