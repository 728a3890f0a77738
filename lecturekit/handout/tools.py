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
    try:
        return [tools.require_node()]
    except tools.ToolError as exc:
        raise HandoutError(str(exc)) from None


def node_env() -> dict[str, str]:
    """The environment for the handout's Node scripts: they find mathjax-full through
    LECTUREKIT_NODE_MODULES (lecturekit.render.tools)."""
    try:
        return tools.node_env()
    except tools.ToolError as exc:
        raise HandoutError(str(exc)) from None


def chromium() -> str:
    problem = tools.chromium_problem()
    if problem:
        raise HandoutError(problem)
    return tools.chrome_path()
