"""Render a matplotlib figure strictly: a missing font or glyph is an error."""

from __future__ import annotations

import io
import logging
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import matplotlib
from matplotlib import font_manager
from matplotlib.figure import Figure
from PIL import Image

from lecturekit.figures.errors import FigureError
from lecturekit.figures.png import canonical_image
from lecturekit.figures.style import DPI, FONT, PALETTE, RC_PARAMS


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


def render_matplotlib(name: str, draw: Callable[[], Figure]) -> Image.Image:
    """Call `draw` (which builds a `Figure`) under the shared style; return its pixels."""
    require_font(name)
    buffer = io.BytesIO()
    with matplotlib.rc_context(RC_PARAMS), _strict(name):
        figure = draw()
        figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return canonical_image(buffer.getvalue(), PALETTE.background)
