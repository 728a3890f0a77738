"""An RGB image is a rank-3 tensor: pixels (i, j) times channels k.

Everything is drawn in one axes whose unit is one pixel, y growing downwards.
The slide beside the figure says what I_{i,j,k} means, so the figure does not.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import PatchCollection
from matplotlib.colors import LinearSegmentedColormap, to_rgb
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from lecture_figures.style import PALETTE

SIZE = 8
OFFSET = 1.6
BLOCK_X = 12.8
XLIM = (-2.0, 28.9)
YLIM = (SIZE + 3.6, -2 * OFFSET - 2.8)
TITLE_PT = 19
INDEX_PT = 21
WIDTH_INCHES = 5.4
CHANNELS = (("R", PALETTE.red), ("G", PALETTE.green), ("B", PALETTE.blue))

SKY = "#9fd3ec"
SUN = "#f6b042"
SEA = "#2a8c9d"


def synthetic_image(size: int = SIZE) -> np.ndarray:
    """A size×size pixel-art sunset: sky, a sun, the sea; values in [0, 1]."""
    i, j = np.mgrid[0:size, 0:size]
    image = np.empty((size, size, 3))
    image[:] = to_rgb(SKY)
    image[i >= size * 5 // 8] = to_rgb(SEA)
    sun = (i - size / 4) ** 2 + (j - size * 5 / 8) ** 2 <= (size / 6) ** 2
    image[sun] = to_rgb(SUN)
    shade = 1 - 0.05 * i[..., None]
    return np.clip(image * shade, 0, 1)


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float]) -> None:
    ax.annotate("", xy=end, xytext=start,
                arrowprops={"arrowstyle": "-|>", "color": PALETTE.ink, "lw": 1.3,
                            "shrinkA": 0, "shrinkB": 0, "mutation_scale": 12})


def _index_arrows(ax: Axes, x: float, n: int) -> None:
    _arrow(ax, (x, n + 0.6), (x + n, n + 0.6))
    ax.text(x + n / 2, n + 1.0, "$j$", ha="center", va="top", fontsize=INDEX_PT)
    _arrow(ax, (x - 0.6, 0), (x - 0.6, n))
    ax.text(x - 1.0, n / 2, "$i$", ha="right", va="center", fontsize=INDEX_PT)


def _grid(ax: Axes, x: float, y: float, colors: np.ndarray, edge: str | None = None) -> None:
    n = colors.shape[0]
    cells = [Rectangle((x + j, y + i), 1, 1) for i in range(n) for j in range(n)]
    ax.add_collection(PatchCollection(cells, facecolors=colors.reshape(-1, colors.shape[-1]),
                                      edgecolors=PALETTE.background, linewidths=0.7))
    ax.add_patch(Rectangle((x, y), n, n, fill=False, edgecolor=edge or PALETTE.ink, lw=1.4))


def _draw_image(ax: Axes, image: np.ndarray) -> None:
    n = image.shape[0]
    _grid(ax, 0, 0, image)
    _index_arrows(ax, 0, n)
    ax.text(n / 2, -OFFSET * 2 - 0.9, "画像（8×8）", ha="center", va="bottom",
            fontsize=TITLE_PT)


def _draw_block(ax: Axes, image: np.ndarray) -> None:
    n = image.shape[0]
    for k in reversed(range(len(CHANNELS))):
        name, color = CHANNELS[k]
        x, y = BLOCK_X + k * OFFSET, -k * OFFSET
        cmap = LinearSegmentedColormap.from_list(name, ["#ffffff", color])
        _grid(ax, x, y, cmap(image[:, :, k]), edge=color)
        ax.text(x + n + 0.25, y + n - 0.15, name, color=color, fontsize=INDEX_PT - 1,
                fontweight="bold", ha="left", va="bottom")
    depth = (len(CHANNELS) - 1) * OFFSET
    _index_arrows(ax, BLOCK_X, n)
    start = (BLOCK_X + n + 0.3, n + 0.6)
    reach = depth + 1.6
    _arrow(ax, start, (start[0] + reach, start[1] - reach))
    ax.text(XLIM[1] - 0.1, start[1] + 0.9, "$k$（チャンネル）",
            ha="right", va="top", fontsize=TITLE_PT - 1)
    ax.text(BLOCK_X + (n + depth) / 2, -depth - 0.9, "3 階テンソル（8, 8, 3）",
            ha="center", va="bottom", fontsize=TITLE_PT)


def draw() -> Figure:
    image = synthetic_image()
    height = WIDTH_INCHES * (YLIM[0] - YLIM[1]) / (XLIM[1] - XLIM[0])
    figure = Figure(figsize=(WIDTH_INCHES, height))
    ax = figure.add_axes((0, 0, 1, 1))
    _draw_image(ax, image)
    _draw_block(ax, image)
    ax.text((SIZE + BLOCK_X - 1.6) / 2, SIZE / 2, "=", fontsize=28, ha="center", va="center")
    ax.set_xlim(*XLIM)
    ax.set_ylim(*YLIM)
    ax.set_aspect("equal")
    ax.axis("off")
    return figure

