"""The build tests' shared showcase build (once per session, across xdist workers)."""

from __future__ import annotations

from pathlib import Path

import pytest
from build_helpers import DECKS, Run, build
from filelock import FileLock


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "render: renders a deck with marp-cli and Chromium (slow)")


@pytest.fixture(scope="session")
def showcase(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> tuple[Path, Run]:
    """The showcase deck built once per test session, shared by xdist workers."""
    shared = tmp_path_factory.getbasetemp()
    if worker_id != "master":
        shared = shared.parent
    out = shared / "showcase-dist"
    with FileLock(str(shared / "showcase.lock")):
        log = shared / "showcase.log"
        if not log.exists():
            run = build(DECKS / "showcase.md", out)
            log.write_text(f"{run.code}\n{run.stdout}\x00{run.stderr}", encoding="utf-8")
        code, rest = log.read_text(encoding="utf-8").split("\n", 1)
        stdout, stderr = rest.split("\x00", 1)
    return out, Run(int(code), stdout, stderr)
