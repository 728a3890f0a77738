"""The lectures' figures, drawn by code: matplotlib, graphviz and torchviz."""

from lecturekit.figures.build import Rendered, Stale, render_into, stale_figures
from lecturekit.figures.catalog import FIGURES, FigureSpec, select
from lecturekit.figures.errors import FigureError

__all__ = [
    "FIGURES",
    "FigureError",
    "FigureSpec",
    "Rendered",
    "Stale",
    "render_into",
    "select",
    "stale_figures",
]
