"""The autograd graph torchviz draws for y = sin(sum(x) + 2), as the slides build it.

Same nodes and edges as torchviz draws them, in the deck's colours instead of
graphviz's (grey boxes, a lime output): tensors (the input x, the output) in
teal like the variables of the other graphs, recorded operations in orange like
their operation boxes."""

from __future__ import annotations

import warnings

import graphviz
import torch
import torchviz

from lecture_figures.style import MONO_FONT, PALETTE


def sin_sum_graph() -> graphviz.Digraph:
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = torch.sin(torch.sum(x) + 2)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "distutils Version classes", DeprecationWarning)
        graph = torchviz.make_dot(y, params={"x": x})
    graph.node_attr.update(
        fontname=MONO_FONT, fontsize="19", fontcolor=PALETTE.ink, style="rounded,filled",
        fillcolor=PALETTE.orange_light, color=PALETTE.orange, penwidth="1.8",
    )
    graph.edge_attr.update(color=PALETTE.muted, penwidth="1.6", arrowsize="0.8")
    graph.graph_attr.update(bgcolor=PALETTE.background, pad="0.2", ranksep="0.25")
    tensor = f'fillcolor="{PALETTE.teal_light}" color="{PALETTE.teal}"'
    # torchviz labels the output by its shape alone, under an empty line; it is y.
    graph.body = [line.replace("fillcolor=darkolivegreen1", tensor)
                  .replace("fillcolor=lightblue", tensor)
                  .replace('label="\n ()"', 'label="y\n ()"') for line in graph.body]
    return graph

