"""Computational graphs drawn with graphviz: variables as circles, operations as boxes.

Each graph also has a narrow variant drawn top to bottom (`rankdir="TB"`) for the reading
page on phones (`<name>.narrow.svg` beside the figure, which lecturekit serves to narrow
screens): left to right, the wide graph's labels would be drawn under 12 px there."""

from __future__ import annotations

import graphviz

from lecture_figures.style import FONT, PALETTE

VARIABLE_FONT = "DejaVu Serif"


def _graph(rankdir: str = "LR") -> graphviz.Digraph:
    graph = graphviz.Digraph()
    graph.attr(rankdir=rankdir, bgcolor=PALETTE.background, pad="0.2", nodesep="0.45",
               ranksep="0.55")
    graph.attr("node", fontname=FONT, fontcolor=PALETTE.ink, penwidth="1.8", style="filled")
    graph.attr(
        "edge", color=PALETTE.muted, penwidth="1.6", arrowsize="0.8",
        fontname=FONT, fontsize="15", fontcolor=PALETTE.ink,
    )
    return graph


def _variable(graph: graphviz.Digraph, name: str) -> None:
    graph.node(
        name, label=f"<<I>{name}</I>>", shape="circle", fixedsize="true", width="0.62",
        fontname=VARIABLE_FONT, fontsize="24", fillcolor=PALETTE.teal_light, color=PALETTE.teal,
    )


def _operation(graph: graphviz.Digraph, node: str, symbol: str) -> None:
    graph.node(
        node, label=symbol, shape="box", style="rounded,filled", width="0.5", height="0.5",
        fixedsize="true", fontsize="24", fillcolor=PALETTE.orange_light, color=PALETTE.orange,
    )


def graph_xt() -> graphviz.Digraph:
    """t = x + y, z = x × t."""
    graph = _graph()
    for name in "xytz":
        _variable(graph, name)
    _operation(graph, "add", "+")
    _operation(graph, "mul", "×")
    graph.edges([("x", "add"), ("y", "add"), ("add", "t")])
    graph.edges([("x", "mul"), ("t", "mul"), ("mul", "z")])
    return graph


def _partial(top: str, bottom: str, value: str) -> str:
    return f"<<I>∂{top}</I> / <I>∂{bottom}</I> = {value}>"


# The edge into "−" from the number subtracted (v in u − v) is labelled,
# since the box alone does not say which input is taken away.  The same label
# in both versions keeps their layouts one; an xlabel, so the graph is no taller.
SUBTRAHEND = {"xlabel": "引く数", "fontname": FONT, "fontsize": "18",
              "fontcolor": PALETTE.orange_text}


def graph_uv(paths: bool = False, rankdir: str = "LR") -> graphviz.Digraph:
    """x = u + v, y = u − v, z = x·y; with `paths`, the two ways from u to z in colour.

    Both versions carry the edge labels (invisible in the plain one) so that
    the two pictures share one layout and can follow each other on slides.
    """
    graph = _graph(rankdir)
    graph.attr("edge", fontname=VARIABLE_FONT, fontsize="22")
    for name in "uvxyz":
        _variable(graph, name)
    _operation(graph, "add", "+")
    _operation(graph, "sub", "−")
    _operation(graph, "mul", "×")
    hidden = {"fontcolor": "transparent"}
    via_x = {"color": PALETTE.orange, "fontcolor": PALETTE.orange_text, "penwidth": "3"}
    # dashed as well as teal: the two paths stay apart when printed in black and white
    via_y = {"color": PALETTE.teal, "fontcolor": PALETTE.teal, "penwidth": "3",
             "style": "dashed"}
    both = {"color": f"{PALETTE.orange}:{PALETTE.teal}", "penwidth": "2.6"}
    edges: list[tuple[str, str, str, dict[str, str]]] = [
        ("u", "add", _partial("x", "u", "1"), via_x),
        ("v", "add", "", {}),
        ("u", "sub", _partial("y", "u", "1"), via_y),
        ("v", "sub", "", SUBTRAHEND),
        ("add", "x", "", via_x),
        ("sub", "y", "", via_y),
        ("x", "mul", _partial("z", "x", "<I>y</I>"), via_x),
        ("y", "mul", _partial("z", "y", "<I>x</I>"), via_y),
        ("mul", "z", "", both),
    ]
    for tail, head, label, style in edges:
        if style is SUBTRAHEND:
            graph.edge(tail, head, **style)
            continue
        graph.edge(tail, head, label=label, **(style if paths else hidden))
    return graph


def graph_uv_paths() -> graphviz.Digraph:
    return graph_uv(paths=True)


def graph_uv_narrow() -> graphviz.Digraph:
    return graph_uv(rankdir="TB")


def graph_uv_paths_narrow() -> graphviz.Digraph:
    return graph_uv(paths=True, rankdir="TB")
