"""The forward difference is the slope of a secant, not of the tangent."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from lecture_figures.style import PALETTE

X0 = -0.5
H = 0.4


def f(x: np.ndarray | float) -> np.ndarray | float:
    """The function minimised in the gradient-descent section: x² + e^(−x)."""
    return x * x + np.exp(-x)


def df(x: float) -> float:
    return 2 * x - np.exp(-x)


def draw() -> Figure:
    figure = Figure(figsize=(4.6, 4.0), layout="constrained")
    ax = figure.add_subplot()
    xs = np.linspace(-1.2, 0.8, 400)
    x1 = X0 + H
    y0, y1 = f(X0), f(x1)
    secant = (y1 - y0) / H
    tangent = df(X0)

    ax.plot(xs, f(xs), color=PALETTE.ink, lw=2.4, zorder=3, label="$y=f(x)$")
    ax.plot(xs, y0 + secant * (xs - X0), color=PALETTE.orange, lw=2.2, zorder=2,
            label="割線：傾き $(f(x+h)-f(x))\\,/\\,h$")
    ax.plot(xs, y0 + tangent * (xs - X0), color=PALETTE.teal, lw=2.2, ls=(0, (5, 2.5)),
            zorder=2, label="接線：傾き $f\\,'(x)$")
    ax.plot([X0, x1], [y0, y1], "o", color=PALETTE.ink, ms=7, zorder=4)

    ax.vlines([X0, x1], 0, [y0, y1], color=PALETTE.muted, lw=0.9, ls=":")
    ax.annotate("", xy=(x1, 0.22), xytext=(X0, 0.22),
                arrowprops={"arrowstyle": "<->", "color": PALETTE.muted, "lw": 1.2,
                            "shrinkA": 0, "shrinkB": 0})
    ax.text((X0 + x1) / 2, 0.28, "$h$", ha="center", va="bottom", fontsize=18)
    ax.annotate("$(x,\\,f(x))$", (X0, y0), xytext=(-10, -6), textcoords="offset points",
                ha="right", va="top", fontsize=16)
    ax.annotate("$(x+h,\\,f(x+h))$", (x1, y1), xytext=(6, 10), textcoords="offset points",
                ha="left", va="bottom", fontsize=16)
    # The legend above the plot, where no line runs under it.
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), fontsize=15, handlelength=2.6,
              borderaxespad=0.2, frameon=False)

    ax.set_xlim(-1.2, 0.8)
    ax.set_ylim(0, 3.3)
    ax.set_xticks([X0, x1], ["$x$", "$x+h$"], fontsize=17)
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    return figure

