"""This lecture's figures, drawn by code (matplotlib, graphviz, torchviz): `make figures`.

They belong to the lecture, not to lecturekit; `scripts/figures/make_figures.py`
runs them, and pytest finds them through `pythonpath` in pyproject.toml.
"""

from lecture_figures.build import Rendered, Stale, render_into, stale_figures
from lecture_figures.catalog import FIGURES, FigureSpec, select
from lecture_figures.errors import FigureError

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
