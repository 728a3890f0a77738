"""Every figure of the lectures: its file name and the function that draws it.

Renderers are named, not imported, so that listing or checking one figure
does not import torch and matplotlib for all of them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image


@dataclass(frozen=True)
class FigureSpec:
    name: str
    renderer: str

    @property
    def filename(self) -> str:
        return f"{self.name}.png"

    def load(self) -> Callable[[], Image.Image]:
        module, function = self.renderer.split(":")
        return getattr(importlib.import_module(f"lecturekit.figures.{module}"), function)


FIGURES: tuple[FigureSpec, ...] = (
    FigureSpec("rgb-tensor", "rgb_tensor:render"),
    FigureSpec("secant-tangent", "secant_tangent:render"),
    FigureSpec("fd-error", "fd_error:render"),
    FigureSpec("graph-xt", "graphs:render_xt"),
    FigureSpec("graph-uv", "graphs:render_uv"),
    FigureSpec("graph-uv-paths", "graphs:render_uv_paths"),
    FigureSpec("torchviz-sin-sum", "torchviz_sin_sum:render"),
)


def select(names: list[str] | None) -> tuple[FigureSpec, ...]:
    """The figures called `names` (all when None), in catalogue order."""
    if not names:
        return FIGURES
    wanted = [name.removesuffix(".png") for name in names]
    known = [figure.name for figure in FIGURES]
    unknown = [name for name in wanted if name not in known]
    if unknown:
        raise KeyError(f"unknown figure(s): {', '.join(unknown)}; known: {', '.join(known)}")
    return tuple(figure for figure in FIGURES if figure.name in wanted)
