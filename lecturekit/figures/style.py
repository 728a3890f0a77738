"""The figures' shared look: palette, fonts and sizes for a 1280x720 slide."""

from __future__ import annotations

from dataclasses import dataclass

FONT = "Noto Sans CJK JP"
MONO_FONT = "DejaVu Sans Mono"
DPI = 150
GRAPH_DPI = 120


@dataclass(frozen=True)
class Palette:
    """The colours of themes/honwaka.css (--hw-*), so figures sit on the slides seamlessly."""

    ink: str = "#36342f"
    muted: str = "#87826f"
    grid: str = "#e4ddcc"
    orange: str = "#e48a5a"
    orange_light: str = "#fbe4d6"
    teal: str = "#3c7d89"
    teal_light: str = "#e6f1f2"
    red: str = "#c8483c"
    green: str = "#3b8a4c"
    blue: str = "#3f72b5"
    background: str = "#fffcf6"


PALETTE = Palette()

RC_PARAMS: dict[str, object] = {
    "font.family": FONT,
    "font.size": 13,
    "mathtext.fontset": "dejavusans",
    "axes.unicode_minus": True,
    "axes.edgecolor": PALETTE.muted,
    "axes.labelcolor": PALETTE.ink,
    "axes.linewidth": 0.9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.color": PALETTE.muted,
    "ytick.color": PALETTE.muted,
    "xtick.labelcolor": PALETTE.ink,
    "ytick.labelcolor": PALETTE.ink,
    "text.color": PALETTE.ink,
    "figure.facecolor": PALETTE.background,
    "axes.facecolor": PALETTE.background,
    "savefig.facecolor": PALETTE.background,
    "legend.frameon": False,
    "lines.solid_capstyle": "round",
    "path.simplify": False,
}
