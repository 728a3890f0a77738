"""Render a matplotlib figure to SVG, strictly: a missing font or glyph is an error.

The SVG carries no date or version, its internal ids are salted with the
figure's name instead of a random number, and text is drawn as outlines, so
the bytes depend only on the drawing code (and matplotlib's version).
"""

from __future__ import annotations

import io
import logging
import re
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import matplotlib
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.text import Text

from lecture_figures.errors import FigureError
from lecture_figures.style import FONT, RC_PARAMS


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def _strict(name: str) -> Iterator[None]:
    handler = _Collect()
    logger = logging.getLogger("matplotlib")
    logger.addHandler(handler)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield
    finally:
        logger.removeHandler(handler)
    problems = handler.messages + [str(w.message) for w in caught]
    if problems:
        raise FigureError(name, "matplotlib warned: " + "; ".join(problems))


def require_font(name: str) -> None:
    try:
        font_manager.findfont(
            font_manager.FontProperties(family=FONT), fallback_to_default=False
        )
    except ValueError:
        message = f"font {FONT!r} is not installed (Debian: fonts-noto-cjk)"
        raise FigureError(name, message) from None


def _rc(name: str) -> dict[str, object]:
    return RC_PARAMS | {"svg.hashsalt": f"lecturekit-{name}", "svg.fonttype": "path"}


def render_matplotlib(name: str, draw: Callable[[], Figure]) -> bytes:
    """Call `draw` (which builds a `Figure`) under the shared style; return its SVG."""
    require_font(name)
    buffer = io.BytesIO()
    with matplotlib.rc_context(_rc(name)), _strict(name):
        figure = draw()
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return buffer.getvalue()


# Mathtext sets a sub- or superscript (the exponent of a tick label 10⁻⁶) at
# this fraction of its text's size (matplotlib's mathtext SHRINK_FACTOR).
SCRIPT_SHRINK = 0.7
_SCRIPT = re.compile(r"\$[^$]*[\^_][^$]*\$")


def matplotlib_text_sizes(name: str, draw: Callable[[], Figure],
                          scripts: bool = False) -> list[float]:
    """The font size in points of every visible, non-empty text the figure draws;
    with `scripts`, the size of the sub- and superscripts of those that have any."""
    with matplotlib.rc_context(_rc(name)), _strict(name):
        figure = draw()
        figure.canvas.draw_idle()
        texts = [text for text in figure.findobj(Text)
                 if text.get_visible() and text.get_text().strip()]
        if not scripts:
            return [text.get_fontsize() for text in texts]
        return [text.get_fontsize() * SCRIPT_SHRINK for text in texts
                if _SCRIPT.search(text.get_text())]
