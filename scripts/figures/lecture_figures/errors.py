from __future__ import annotations


class FigureError(Exception):
    """A figure could not be rendered; names the figure and the reason."""

    def __init__(self, figure: str, message: str) -> None:
        super().__init__(f"{figure}: {message}")
        self.figure = figure
        self.message = message
