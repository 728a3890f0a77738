"""Build a deck into dist/<deck>.html and dist/<deck>.pdf, failing loudly on what Marp ignores.

The names below load on first use: `lecturekit --help`, `lecturekit check`
and the CLI's argument parsing import `lecturekit.render.command` without
paying for the pipeline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lecturekit.render.pipeline import build_deck
    from lecturekit.render.problems import BuildError, Problem

__all__ = ["BuildError", "Problem", "build_deck"]


def __getattr__(name: str) -> object:
    if name == "build_deck":
        from lecturekit.render.pipeline import build_deck

        return build_deck
    if name in ("BuildError", "Problem"):
        from lecturekit.render import problems

        return getattr(problems, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
