"""Error of the forward difference against h: truncation meets rounding.

f(x) = x² at x = 2, the slides' `diff(lambda x: x**2, 2)` example.  The
square is written `x * x` so that every step is a single IEEE operation
(libm's pow may differ between CPUs), which keeps the plot the same on any
machine.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from lecture_figures.style import PALETTE, inches

X = 2.0
EXACT = 2 * X
EPS = float(np.finfo(np.float64).eps)
SLIDE_H = 1e-6


def forward_difference_error(h: np.ndarray) -> np.ndarray:
    x = np.float64(X)
    return np.abs(((x + h) * (x + h) - x * x) / h - EXACT)


def draw() -> Figure:
    h = np.logspace(-16, -1, 301)
    error = forward_difference_error(h)
    shown = error > 0

    # Shown 736x460 px on the slide (h:460): drawn at that size, 16 pt is 21 px.
    figure = Figure(figsize=(inches(736), inches(460)), layout="constrained")
    ax = figure.add_subplot()
    ax.loglog(h[shown], error[shown], "o-", color=PALETTE.ink, lw=1, ms=3, zorder=3,
              label="実測した誤差（float64）")
    right = np.array([1e-10, 1e-1])
    left = np.array([1e-16, 1e-6])
    ax.loglog(right, right / 6, color=PALETTE.orange, lw=2.4, ls=(0, (5, 2.5)),
              label="打ち切り誤差 $\\propto h$")
    ax.loglog(left, 4 * EPS / left, color=PALETTE.teal, lw=2.4, ls=(0, (5, 2.5)),
              label="丸め誤差 $\\propto \\varepsilon/h$")

    best = np.sqrt(EPS)
    ax.axvline(best, color=PALETTE.muted, lw=1.2, ls=":", zorder=1)
    ax.text(best * 1.6, 3e-12, "$h \\approx \\sqrt{\\varepsilon} \\approx 1.5\\times10^{-8}$",
            color=PALETTE.ink, ha="left")
    slide_error = float(forward_difference_error(np.array([SLIDE_H]))[0])
    ax.plot([SLIDE_H], [slide_error], "o", ms=11, mfc="none", mec=PALETTE.orange, mew=2.4,
            zorder=4)
    ax.annotate("$h=10^{-6}$（スライドの例）", (SLIDE_H, slide_error), xytext=(0.55, 0.93),
                textcoords="axes fraction", color=PALETTE.orange_text, ha="center", va="top",
                arrowprops={"arrowstyle": "-", "color": PALETTE.orange_text, "lw": 1.2,
                            "shrinkA": 2, "shrinkB": 7})

    ax.set_xlim(1e-16, 1e-1)
    ax.set_ylim(1e-12, 1e2)
    ax.set_xlabel("刻み幅 $h$")
    ax.set_ylabel("誤差")
    ax.set_xticks([10.0**k for k in range(-16, 0, 3)])
    ax.set_yticks([10.0**k for k in range(-12, 3, 3)])
    ax.minorticks_off()
    ax.grid(True, color=PALETTE.grid, lw=0.8)
    ax.legend(loc="lower left", handlelength=2.2, borderaxespad=0.3)
    ax.set_title("$f(x)=x^2,\\ x=2$ の前進差分の誤差 $|\\,\\mathrm{diff}(f, x) - f\\,'(x)\\,|$",
                 loc="left")
    return figure
