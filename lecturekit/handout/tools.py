"""The external programs the handout build drives: node, marp-cli, headless Chromium.

Where they live is the slide build's knowledge (`lecturekit.build.project`);
this module only adds the checks and flags the handout build needs.
"""

from __future__ import annotations

import shutil

from lecturekit.build import project
from lecturekit.handout.errors import HandoutError

ROOT = project.ROOT
MARP_CONFIG = project.MARP_CONFIG

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
    "--disable-dev-shm-usage", "--hide-scrollbars",
]


def node_command() -> list[str]:
    node = shutil.which("node")
    if node is None:
        raise HandoutError("node is not on PATH; run `make setup`")
    return [node]


def marp_command() -> list[str]:
    if not project.MARP.exists():
        raise HandoutError(f"{project.MARP} is missing; run `make setup` (npm ci)")
    return [str(project.MARP)]


def chromium() -> str:
    problem = project.chromium_problem()
    if problem:
        raise HandoutError(problem)
    return project.chrome_path()
