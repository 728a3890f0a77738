"""Render graphviz sources with the `dot` binary (cairo renderer)."""

from __future__ import annotations

import re
import shutil
import subprocess

import graphviz
from PIL import Image

from lecturekit.figures.errors import FigureError
from lecturekit.figures.png import canonical_image
from lecturekit.figures.style import GRAPH_DPI, PALETTE

_LONG_NUMBER = re.compile(r"\b\d{6,}\b")
_FONTNAME = re.compile(r'fontname=(?:"([^"]+)"|([^\s,\]]+))')


def stable_node_ids(source: str) -> str:
    """Replace memory-address node names (torchviz uses `id(obj)`) by n0, n1, ... in order."""
    names: dict[str, str] = {}

    def rename(match: re.Match[str]) -> str:
        return names.setdefault(match.group(0), f"n{len(names)}")

    return _LONG_NUMBER.sub(rename, source)


def require_fonts(name: str, source: str) -> None:
    """Pango silently substitutes a missing font; refuse to render with the wrong one."""
    if shutil.which("fc-match") is None:
        return
    for family in sorted({quoted or bare for quoted, bare in _FONTNAME.findall(source)}):
        _require_font(name, family)


def _require_font(name: str, family: str) -> None:
    found = subprocess.run(
        ["fc-match", "--format=%{family}", family], capture_output=True, text=True, check=False
    ).stdout
    if family not in found.split(","):
        raise FigureError(name, f"font {family!r} is not installed (fc-match gives {found!r})")


def render_dot(name: str, graph: graphviz.Digraph, dpi: int = GRAPH_DPI) -> Image.Image:
    """Lay out and draw `graph`; any message from dot (e.g. a missing font) is an error."""
    if shutil.which("dot") is None:
        raise FigureError(name, "graphviz `dot` is not installed (Debian: graphviz)")
    source = stable_node_ids(graph.source)
    require_fonts(name, source)
    result = subprocess.run(
        ["dot", "-Tpng:cairo", f"-Gdpi={dpi}"],
        input=source.encode(),
        capture_output=True,
        check=False,
    )
    if result.returncode != 0 or result.stderr.strip():
        raise FigureError(name, "dot failed: " + result.stderr.decode(errors="replace").strip())
    return canonical_image(result.stdout, PALETTE.background)
