"""Render graphviz sources with the `dot` binary (cairo SVG: text as outlines)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import graphviz

from lecture_figures.errors import FigureError

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


def _dot(name: str, graph: graphviz.Digraph, output: str) -> bytes:
    if shutil.which("dot") is None:
        raise FigureError(name, "graphviz `dot` is not installed (Debian: graphviz)")
    source = stable_node_ids(graph.source)
    require_fonts(name, source)
    result = subprocess.run(["dot", f"-T{output}"], input=source.encode(),
                            capture_output=True, check=False)
    if result.returncode != 0 or result.stderr.strip():
        raise FigureError(name, "dot failed: " + result.stderr.decode(errors="replace").strip())
    return result.stdout


def render_dot(name: str, graph: graphviz.Digraph) -> bytes:
    """Lay out and draw `graph` as SVG; any message from dot (e.g. a missing font) is an error."""
    return _dot(name, graph, "svg:cairo")


def dot_text_sizes(name: str, graph: graphviz.Digraph) -> list[float]:
    """The font size in points of every label dot lays out (nodes, edges, the graph)."""
    layout = json.loads(_dot(name, graph, "json"))
    sizes = []
    for item in [layout, *layout.get("objects", []), *layout.get("edges", [])]:
        for key in ("_ldraw_", "_hldraw_", "_tldraw_", "_headlabel_", "_taillabel_"):
            ops = item.get(key, [])
            font = None
            for op in ops:
                if op.get("op") == "F":
                    font = float(op["size"])
                elif op.get("op") == "T" and op.get("text", "").strip() and font is not None:
                    sizes.append(font)
    return sizes
