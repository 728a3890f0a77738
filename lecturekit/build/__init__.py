"""Build a deck into dist/<deck>.html and dist/<deck>.pdf, failing loudly on what Marp ignores."""

from lecturekit.build.pipeline import build_deck
from lecturekit.build.problems import BuildError, Problem

__all__ = ["BuildError", "Problem", "build_deck"]
