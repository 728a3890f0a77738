"""Render figures into a folder, and tell which committed figures are stale.

Figures are SVG text, so "stale" is simply "not the bytes a fresh render
gives": the renderers are deterministic (see svg.py), and the freshness test
proves it by rendering twice in separate processes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from lecture_figures.catalog import FigureSpec
from lecture_figures.svg import svg_size_pt, write_atomically


@dataclass(frozen=True)
class Rendered:
    figure: FigureSpec
    path: Path
    status: Literal["written", "unchanged"]
    seconds: float
    size_pt: tuple[float, float]


@dataclass(frozen=True)
class Stale:
    filename: str
    reason: str


def render_into(
    figures: Iterable[FigureSpec],
    out_dir: Path,
    report: Callable[[Rendered], None] = lambda rendered: None,
) -> list[Rendered]:
    """Render each figure to `out_dir/<name>.svg`; a file that is already right is left alone."""
    results = []
    for figure in figures:
        start = time.perf_counter()
        data = figure.render()
        path = out_dir / figure.filename
        status: Literal["written", "unchanged"] = "written"
        if path.exists() and path.read_bytes() == data:
            status = "unchanged"
        else:
            write_atomically(path, data)
        rendered = Rendered(figure, path, status, time.perf_counter() - start, svg_size_pt(data))
        report(rendered)
        results.append(rendered)
    return results


def stale_figures(figures: Iterable[FigureSpec], fresh_dir: Path, img_dir: Path) -> list[Stale]:
    """Compare freshly rendered figures with the committed ones, byte for byte."""
    stale = []
    for figure in figures:
        committed = img_dir / figure.filename
        if not committed.exists():
            stale.append(Stale(figure.filename, "missing"))
            continue
        old = committed.read_bytes()
        fresh = (fresh_dir / figure.filename).read_bytes()
        if fresh == old:
            continue
        try:
            old_size = svg_size_pt(old)
        except ValueError:
            stale.append(Stale(figure.filename, "not an SVG document"))
            continue
        new_size = svg_size_pt(fresh)
        if old_size != new_size:
            reason = f"size {_pt(old_size)}, a fresh render is {_pt(new_size)}"
            stale.append(Stale(figure.filename, reason))
        else:
            stale.append(Stale(figure.filename, "differs from a fresh render"))
    return stale


def _pt(size: tuple[float, float]) -> str:
    return f"{size[0]:g}x{size[1]:g}pt"
