"""The external programs the handout build drives: node and headless Chromium.

Where they live is the slide build's knowledge (`lecturekit.render.tools`);
this module only adds the checks and flags the handout build needs.
"""

from __future__ import annotations

from lecturekit.handout.errors import HandoutError
from lecturekit.render import tools

ROOT = tools.ROOT

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
    "--disable-dev-shm-usage", "--hide-scrollbars",
]


def node_command() -> list[str]:
    node = tools.node_path()
    if node is None:
        raise HandoutError("node is not on PATH; run `make setup`")
    return [node]


def chromium() -> str:
    problem = tools.chromium_problem()
    if problem:
        raise HandoutError(problem)
    return tools.chrome_path()
