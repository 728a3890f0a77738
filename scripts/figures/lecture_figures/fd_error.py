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
TICK_PT = 20
LEGEND_PT = 17


def forward_difference_error(h: np.ndarray) -> np.ndarray:
    x = np.float64(X)
    return np.abs(((x + h) * (x + h) - x * x) / h - EXACT)


def fitted_constant(h: np.ndarray, error: np.ndarray, model: np.ndarray,
                    window: tuple[float, float]) -> float:
    """The C for which C·model best follows the error inside `window` (median ratio)."""
    inside = (h >= window[0]) & (h <= window[1]) & (error > 0)
    return float(np.exp(np.median(np.log(error[inside] / model[inside]))))


def draw() -> Figure:
    h = np.logspace(-16, -1, 301)
    error = forward_difference_error(h)
    shown = error > 0

    # Shown 736x460 px on the slide (h:460): drawn at that size, 16 pt is 21 px.
    figure = Figure(figsize=(inches(736), inches(460)), layout="constrained")
    ax = figure.add_subplot()
    ax.loglog(h[shown], error[shown], "o-", color=PALETTE.ink, lw=1, ms=3, zorder=3,
              label="実測した誤差（float64）")
    # The guide lines are fitted to the measurement, so each lies on its own
    # part of the curve: C·h where truncation dominates (h >= 1e-5; for x²
    # the error is exactly h, C = f''(x)/2 = 1), C·ε/h where rounding does
    # (h <= 1e-10).  Each C is the median ratio, robust to the rounding noise.
    truncation = fitted_constant(h, error, h, (1e-5, 1e-1))
    rounding = fitted_constant(h, error, EPS / h, (1e-16, 1e-10))
    right = np.array([1e-9, 1e-1])
    left = np.array([1e-16, 1e-7])
    ax.loglog(right, truncation * right, color=PALETTE.orange, lw=2.6, ls=(0, (5, 2.5)), zorder=5,
              label="打ち切り誤差 $\\propto h$")
    ax.loglog(left, rounding * EPS / left, color=PALETTE.teal, lw=2.6, ls=(0, (5, 2.5)), zorder=5,
              label="丸め誤差 $\\propto \\varepsilon/h$")

    best = np.sqrt(EPS)
    ax.axvline(best, color=PALETTE.muted, lw=1.2, ls=":", zorder=1)
    ax.text(best / 1.6, 3e-12, "$h \\approx \\sqrt{\\varepsilon} \\approx 1.5\\times10^{-8}$",
            color=PALETTE.ink, ha="right", fontsize=TICK_PT)
    slide_error = float(forward_difference_error(np.array([SLIDE_H]))[0])
    ax.plot([SLIDE_H], [slide_error], "o", ms=11, mfc="none", mec=PALETTE.orange, mew=2.4,
            zorder=4)
    ax.annotate("$h=10^{-6}$\n（スライドの例）", (SLIDE_H, slide_error), xytext=(0.84, 0.27),
                textcoords="axes fraction", color=PALETTE.orange_text, ha="center", va="top",
                fontsize=TICK_PT,
                arrowprops={"arrowstyle": "-", "color": PALETTE.orange_text, "lw": 1.2,
                            "shrinkA": 2, "shrinkB": 7})

    ax.set_xlim(1e-16, 1e-1)
    ax.set_ylim(1e-12, 1e4)
    ax.set_xlabel("刻み幅 $h$")
    ax.set_ylabel("誤差 $|\\,\\mathrm{diff}(f, x) - f\\,'(x)\\,|$")
    ax.set_xticks([10.0**k for k in range(-16, 0, 3)])
    ax.set_yticks([10.0**k for k in range(-12, 4, 3)])
    ax.minorticks_off()
    # Powers of ten set their exponent at 0.7 of the label size: 20 pt keeps
    # the exponents at 18.7 px on the slide (the figure is shown 1:1).
    ax.tick_params(labelsize=TICK_PT)
    ax.grid(True, color=PALETTE.grid, lw=0.8)
    ax.legend(loc="upper right", handlelength=2.2, borderaxespad=0.3, fontsize=LEGEND_PT)
    ax.set_title("$f(x)=x^2,\\ x=2$ での前進差分の誤差", loc="left", fontsize=TICK_PT)
    return figure
