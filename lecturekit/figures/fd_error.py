"""Error of the forward difference against h: truncation meets rounding.

f(x) = x² at x = 2, the slides' `diff(lambda x: x**2, 2)` example.  The
square is written `x * x` so that every step is a single IEEE operation
(libm's pow may differ between CPUs), which keeps the plot the same on any
machine.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from PIL import Image

from lecturekit.figures.mpl import render_matplotlib
from lecturekit.figures.style import PALETTE

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

    figure = Figure(figsize=(6.4, 4.0), layout="constrained")
    ax = figure.add_subplot()
    ax.loglog(h[shown], error[shown], "o-", color=PALETTE.ink, lw=0.8, ms=2.6, zorder=3,
              label="実測した誤差（float64）")
    right = np.array([1e-10, 1e-1])
    left = np.array([1e-16, 1e-6])
    ax.loglog(right, right / 6, color=PALETTE.orange, lw=2, ls=(0, (5, 2.5)),
              label="打ち切り誤差 $\\propto h$（傾き $+1$）")
    ax.loglog(left, 4 * EPS / left, color=PALETTE.teal, lw=2, ls=(0, (5, 2.5)),
              label="丸め誤差 $\\propto \\varepsilon/h$（傾き $-1$）")

    best = np.sqrt(EPS)
    ax.axvline(best, color=PALETTE.muted, lw=1, ls=":", zorder=1)
    ax.text(best / 1.6, 3e-12, "$h \\approx \\sqrt{\\varepsilon} \\approx 1.5\\times10^{-8}$",
            fontsize=12, color=PALETTE.ink, ha="right")
    slide_error = float(forward_difference_error(np.array([SLIDE_H]))[0])
    ax.plot([SLIDE_H], [slide_error], "o", ms=9, mfc="none", mec=PALETTE.orange, mew=2, zorder=4)
    ax.annotate("$h=10^{-6}$（スライドの例）", (SLIDE_H, slide_error), xytext=(0.99, 0.12),
                textcoords="axes fraction", fontsize=12, color=PALETTE.orange, ha="right",
                arrowprops={"arrowstyle": "-", "color": PALETTE.orange, "lw": 1,
                            "shrinkA": 2, "shrinkB": 6})

    ax.set_xlim(1e-16, 1e-1)
    ax.set_ylim(1e-12, 1e2)
    ax.set_xlabel("刻み幅 $h$")
    ax.set_ylabel("誤差 $|\\,\\mathrm{diff}(f, x) - f\\,'(x)\\,|$")
    ax.set_xticks([10.0**k for k in range(-16, 0, 3)])
    ax.set_yticks([10.0**k for k in range(-12, 3, 3)])
    ax.minorticks_off()
    ax.grid(True, color=PALETTE.grid, lw=0.8)
    ax.legend(loc="upper right", fontsize=11.5, handlelength=2.4)
    ax.set_title("$f(x)=x^2,\\ x=2$：前進差分の誤差", fontsize=13, loc="left")
    return figure


def render() -> Image.Image:
    return render_matplotlib("fd-error", draw)
