"""Figures are SVG: sharp on any projector, and a file is a pure function of the code.

Both renderers are told to leave out what changes from run to run (dates,
random ids) and to draw text as outlines, so a figure looks the same in the
browser, in the PDF and on a machine without the fonts.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

_ROOT = re.compile(rb"<svg\b[^>]*>", re.S)
_LENGTH = {"width": re.compile(rb'\swidth="([\d.]+)(pt|px)?"'),
           "height": re.compile(rb'\sheight="([\d.]+)(pt|px)?"')}
_PX_PER_PT = 4 / 3


def svg_size_pt(svg: bytes) -> tuple[float, float]:
    """The natural width and height of an SVG document, in points."""
    root = _ROOT.search(svg)
    if root is None:
        raise ValueError("not an SVG document: no <svg> element")
    size = []
    for name in ("width", "height"):
        match = _LENGTH[name].search(root.group(0))
        if match is None:
            raise ValueError(f"the <svg> element has no {name} in pt or px")
        value = float(match.group(1))
        size.append(value / _PX_PER_PT if match.group(2) == b"px" else value)
    return size[0], size[1]


def write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
