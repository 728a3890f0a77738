"""One build of the fixture deck's handouts, shared by every test (and xdist worker)."""

from __future__ import annotations

from pathlib import Path

import pytest
from filelock import FileLock

from lecturekit.handout.build import Artefacts, Built, build_handout

FIXTURES = Path(__file__).parent / "fixtures"
MINI = FIXTURES / "mini.md"
LECTURE = Path(__file__).parents[2] / "slides" / "03-autodiff.md"


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
            result = build_handout(MINI, out, nup=4, log=log.append)
            marker.write_text(f"{result.cells} {result.pages}\n" + "\n".join(log))
    cells, pages = marker.read_text().split("\n")[0].split()
    return Built(Artefacts.of("mini", out), int(cells), int(pages), {})
