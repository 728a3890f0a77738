"""One build of the fixture deck's slides and handouts, shared by every test (and xdist worker).

The slides are built by the real slide build (scripts/build-deck.py) so the
printed handout is tested on the pages it reuses in `make handout`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from filelock import FileLock

from lecturekit.handout.build import Artefacts, Built, build_handout

FIXTURES = Path(__file__).parent / "fixtures"
MINI = FIXTURES / "mini.md"
LECTURE = Path(__file__).parents[2] / "slides" / "03-autodiff.md"
ROOT = Path(__file__).parents[2]
INSTRUCTOR_NOTE = "時間が押していたらこのスライドは飛ばす"
PUBLIC_NOTE = "ここで黒板に接線を描く"


@pytest.fixture(scope="session")
def shared_dir(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """A folder all xdist workers of this run share (pytest's own base folder otherwise)."""
    base = tmp_path_factory.getbasetemp()
    return base if worker_id == "master" else base.parent


@pytest.fixture(scope="session")
def built(shared_dir: Path) -> Built:
    out = shared_dir / "handout-mini"
    log: list[str] = []
    with FileLock(str(shared_dir / "handout-mini.lock")):
        marker = out / "built.txt"
        if not marker.exists():
            subprocess.run([sys.executable, str(ROOT / "scripts" / "build-deck.py"), str(MINI),
                            "--out", str(out)], check=True, capture_output=True)
            result = build_handout(MINI, out, nup=2, log=log.append)
            marker.write_text(f"{result.cells} {result.pages}\n" + "\n".join(log))
    cells, pages = marker.read_text().split("\n")[0].split()
    return Built(Artefacts.of("mini", out), int(cells), int(pages), {})


@pytest.fixture(scope="session")
def build_log(built: Built) -> str:
    return (built.artefacts.notebook.parent / "built.txt").read_text()
