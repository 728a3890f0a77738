"""Render figures into a folder, and tell which committed figures are stale."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from lecturekit.figures.catalog import FigureSpec
from lecturekit.figures.png import encode_png, pixels, write_atomically


@dataclass(frozen=True)
class Rendered:
    figure: FigureSpec
    path: Path
    status: Literal["written", "unchanged"]
    seconds: float
    size: tuple[int, int]


@dataclass(frozen=True)
class Stale:
    filename: str
    reason: str


def _readable_pixels(path: Path) -> tuple[str, tuple[int, int], bytes] | None:
    try:
        return pixels(path)
    except OSError:
        return None


def render_into(
    figures: Iterable[FigureSpec],
    out_dir: Path,
    report: Callable[[Rendered], None] = lambda rendered: None,
) -> list[Rendered]:
    """Render each figure to `out_dir/<name>.png`.

    A file whose pixels already match is left untouched, so a machine whose
    zlib compresses differently does not rewrite figures that did not change.
    """
    results = []
    for figure in figures:
        render = figure.load()
        start = time.perf_counter()
        image = render()
        data = encode_png(image)
        path = out_dir / figure.filename
        status: Literal["written", "unchanged"] = "written"
        if path.exists() and (path.read_bytes() == data or pixels(data) == _readable_pixels(path)):
            status = "unchanged"
        else:
            write_atomically(path, data)
        rendered = Rendered(figure, path, status, time.perf_counter() - start, image.size)
        report(rendered)
        results.append(rendered)
    return results


def stale_figures(figures: Iterable[FigureSpec], fresh_dir: Path, img_dir: Path) -> list[Stale]:
    """Compare freshly rendered figures with the committed ones, pixel for pixel."""
    stale = []
    for figure in figures:
        committed = img_dir / figure.filename
        if not committed.exists():
            stale.append(Stale(figure.filename, "missing"))
            continue
        old = _readable_pixels(committed)
        if old is None:
            stale.append(Stale(figure.filename, "not a readable PNG"))
            continue
        fresh = pixels(fresh_dir / figure.filename)
        if fresh != old:
            stale.append(Stale(figure.filename, _difference(fresh, old)))
    return stale


def _difference(
    fresh: tuple[str, tuple[int, int], bytes], old: tuple[str, tuple[int, int], bytes]
) -> str:
    fresh_mode, (width, height), _ = fresh
    old_mode, (old_width, old_height), _ = old
    if (width, height) != (old_width, old_height):
        return f"size {old_width}x{old_height}, a fresh render is {width}x{height}"
    if fresh_mode != old_mode:
        return f"mode {old_mode}, a fresh render is {fresh_mode}"
    return "pixels differ from a fresh render"

