"""The figures' shared look: palette, fonts and sizes for a 1280x720 slide."""

from __future__ import annotations

from dataclasses import dataclass

FONT = "Noto Sans CJK JP"
MONO_FONT = "DejaVu Sans Mono"
# Figures are drawn at the size they are shown: one inch is 96 CSS px, so a
# figure `inches(w)` wide shown `w` px wide keeps every point at 4/3 px, and
# MIN_PT-point text is at least 20 px on the 1280x720 slide.
CSS_PX_PER_INCH = 96
MIN_PT = 16


def inches(px: float) -> float:
    return px / CSS_PX_PER_INCH


@dataclass(frozen=True)
class Palette:
    """The colours of themes/honwaka.css (--hw-*), so figures sit on the slides seamlessly."""

    ink: str = "#36342f"
    muted: str = "#87826f"
    grid: str = "#e4ddcc"
    orange: str = "#e48a5a"
    orange_text: str = "#b0532a"
    """Orange for text: #e48a5a is 2.6:1 on the background, this is 5:1."""
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
    "font.size": MIN_PT,
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
