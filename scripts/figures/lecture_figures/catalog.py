"""Every figure of the lectures: its file name and the code that draws it.

A figure is either a matplotlib drawing (`mpl`: a function returning a
`Figure`) or a graphviz graph (`dot`: a function returning a `Digraph`).
Sources are named, not imported, so that listing or checking one figure does
not import torch and matplotlib for all of them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from lecture_figures.svg import svg_size_pt


@dataclass(frozen=True)
class FigureSpec:
    name: str
    kind: Literal["mpl", "dot"]
    source: str
    """`module:function` in lecture_figures."""

    @property
    def filename(self) -> str:
        return f"{self.name}.svg"

    @property
    def narrow_of(self) -> str | None:
        """For a narrow variant (`graph-uv.narrow`, served by the reading page to phones in
        place of `graph-uv.svg`), the figure's file it stands in for; None for a figure."""
        base, dot, tag = self.name.rpartition(".")
        return f"{base}.svg" if dot and tag == "narrow" else None

    def _function(self) -> Callable[[], object]:
        module, function = self.source.split(":")
        return getattr(importlib.import_module(f"lecture_figures.{module}"), function)

    def render(self) -> bytes:
        """The figure as SVG bytes."""
        if self.kind == "mpl":
            from lecture_figures.mpl import render_matplotlib

            return render_matplotlib(self.name, self._function())  # type: ignore[arg-type]
        from lecture_figures.dot import render_dot

        return render_dot(self.name, self._function()())  # type: ignore[arg-type]

    def text_sizes_pt(self) -> list[float]:
        """The font size of every text in the figure, in the figure's own points."""
        if self.kind == "mpl":
            from lecture_figures.mpl import matplotlib_text_sizes

            return matplotlib_text_sizes(self.name, self._function())  # type: ignore[arg-type]
        from lecture_figures.dot import dot_text_sizes

        return dot_text_sizes(self.name, self._function()())  # type: ignore[arg-type]

    def script_sizes_pt(self) -> list[float]:
        """The size of every sub- and superscript (exponents of 10⁻⁶), in the figure's points;
        graphviz figures set none."""
        if self.kind == "mpl":
            from lecture_figures.mpl import matplotlib_text_sizes

            return matplotlib_text_sizes(self.name, self._function(),  # type: ignore[arg-type]
                                         scripts=True)
        return []

    def smallest_text_px(self, shown_width_px: float, svg: bytes) -> float:
        """The smallest text's size in CSS px when the figure is shown `shown_width_px` wide."""
        width_pt, _ = svg_size_pt(svg)
        return min(self.text_sizes_pt()) * shown_width_px / width_pt

    def smallest_script_px(self, shown_width_px: float, svg: bytes) -> float | None:
        """The smallest sub- or superscript in CSS px at that width (None: the figure has none)."""
        sizes = self.script_sizes_pt()
        width_pt, _ = svg_size_pt(svg)
        return min(sizes) * shown_width_px / width_pt if sizes else None


FIGURES: tuple[FigureSpec, ...] = (
    FigureSpec("rgb-tensor", "mpl", "rgb_tensor:draw"),
    FigureSpec("secant-tangent", "mpl", "secant_tangent:draw"),
    FigureSpec("fd-error", "mpl", "fd_error:draw"),
    FigureSpec("graph-xt", "dot", "graphs:graph_xt"),
    FigureSpec("graph-uv", "dot", "graphs:graph_uv"),
    FigureSpec("graph-uv-paths", "dot", "graphs:graph_uv_paths"),
    # narrow variants (phones' reading page): the graphs whose labels would be under 12 px there
    FigureSpec("graph-uv.narrow", "dot", "graphs:graph_uv_narrow"),
    FigureSpec("graph-uv-paths.narrow", "dot", "graphs:graph_uv_paths_narrow"),
    FigureSpec("torchviz-sin-sum", "dot", "torchviz_sin_sum:sin_sum_graph"),
)


def select(names: list[str] | None) -> tuple[FigureSpec, ...]:
    """The figures called `names` (all when None), in catalogue order."""
    if not names:
        return FIGURES
    wanted = [name.removesuffix(".svg") for name in names]
    known = [figure.name for figure in FIGURES]
    unknown = [name for name in wanted if name not in known]
    if unknown:
        raise KeyError(f"unknown figure(s): {', '.join(unknown)}; known: {', '.join(known)}")
    return tuple(figure for figure in FIGURES if figure.name in wanted)
