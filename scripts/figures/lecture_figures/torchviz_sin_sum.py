"""The autograd graph torchviz draws for y = sin(sum(x) + 2), as the slides build it."""

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
    graph.node_attr.update(fontname=MONO_FONT, fontsize="15")
    graph.graph_attr.update(bgcolor=PALETTE.background, pad="0.2", ranksep="0.3")
    return graph

