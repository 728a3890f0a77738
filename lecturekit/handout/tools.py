"""The external programs the handout build drives: node and headless Chromium.

Where they live is the slide build's knowledge (`lecturekit.build.project`);
this module only adds the checks and flags the handout build needs.
"""

from __future__ import annotations

from lecturekit.build import project
from lecturekit.handout.errors import HandoutError

ROOT = project.ROOT

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
    "--disable-dev-shm-usage", "--hide-scrollbars",
]


def node_command() -> list[str]:
    node = project.node_path()
    if node is None:
        raise HandoutError("node is not on PATH; run `make setup`")
    return [node]


def chromium() -> str:
    problem = project.chromium_problem()
    if problem:
        raise HandoutError(problem)
    return project.chrome_path()
