"""What a build reports when it refuses a deck: one line per problem, naming file, line, slide."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lecturekit.deck import Slide


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int | None
    message: str
    """A verb phrase, e.g. "overflows its frame by 37px at the bottom"."""
    slide: int | None = None
    title: str = ""
    layout: bool = False
    """Overflow, shrinking, typesetting: a warning only under `--layout warn`."""

    @classmethod
    def on_slide(cls, path: Path, slide: Slide, message: str, line: int | None = None,
                 *, layout: bool = False) -> Problem:
        """A problem on `slide`; without a line, its first non-blank line."""
        return cls(path, line or first_line(slide), message, slide.number, slide.title, layout)

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        if self.slide is None:
            return f"{where}: {self.message}"
        title = f' "{self.title}"' if self.title else ""
        return f"{where}: slide {self.slide}{title} {self.message}"


class BuildError(Exception):
    """The deck cannot be built; `problems` says why, each on its own line."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def first_line(slide: Slide) -> int:
    for offset, text in enumerate(slide.source.split("\n")):
        if text.strip():
            return slide.line + offset
    return slide.line
