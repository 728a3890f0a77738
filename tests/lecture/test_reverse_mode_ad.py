"""The reverse-mode AD built on the slides of lecture 3 computes correct gradients.

Which code is tested: every Python block on the slides whose header starts
with `自作 AD の実装` ("our AD, implementation"), in deck order, taken from the
deck through the deck model, so the test runs exactly what students read.
Those blocks define `Var`, `Function`, `Add`, `Mul`, `topological_order` and
`Var.backward`.  The deck's example and demo slides use the header prefix
`自作 AD を試す` and are checked by the slide checker, not here.
"""

from __future__ import annotations

import contextlib
import io
import math
import random
from collections.abc import Callable
from pathlib import Path

import pytest
import torch

from lecturekit.deck import Fence, read_deck

DECK = Path(__file__).resolve().parents[2] / "slides" / "03-autodiff.md"
IMPLEMENTATION_HEADER = "自作 AD の実装"


def implementation_blocks() -> list[Fence]:
    deck = read_deck(DECK)
    return [fence for slide in deck.slides
            if (slide.header or "").startswith(IMPLEMENTATION_HEADER)
            for fence in slide.code_blocks]


@pytest.fixture(scope="module")
def ad() -> dict[str, object]:
    """A fresh namespace holding the slides' AD, nothing else from the deck."""
    namespace: dict[str, object] = {"__name__": "slides_ad"}
    for fence in implementation_blocks():
        exec(compile(fence.code, f"{DECK.name}:{fence.line}", "exec"), namespace)
    return namespace


def grads_by_slides_ad(ad: dict[str, object], expr: Callable, values: list[float]):
    leaves = [ad["Var"](v) for v in values]
    out = expr(*leaves)
    out.backward()
    return out.value, [leaf.grad for leaf in leaves]


def grads_by_torch(expr: Callable, values: list[float]):
    leaves = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in values]
    out = expr(*leaves)
    grads = torch.autograd.grad(out, leaves, allow_unused=True)
    return out.item(), [0.0 if g is None else g.item() for g in grads]


def assert_same_gradients(ad, expr, values):
    value, grads = grads_by_slides_ad(ad, expr, values)
    want_value, want_grads = grads_by_torch(expr, values)
    assert value == pytest.approx(want_value, rel=1e-9, abs=1e-12)
    assert grads == pytest.approx(want_grads, rel=1e-9, abs=1e-12)


def test_the_implementation_slides_define_a_complete_ad(ad):
    assert len(implementation_blocks()) >= 4
    for name in ("Var", "Add", "Mul", "topological_order"):
        assert name in ad, f"no slide headed {IMPLEMENTATION_HEADER!r} defines {name}"
    assert callable(getattr(ad["Var"], "backward", None))


DECK_EXAMPLES = {
    "z = x(x + y)": (lambda x, y: x * (x + y), [2.0, 3.0]),
    "x = u + v, y = u - v, z = xy": (lambda u, v: (u + v) * (u + (-1) * v), [3.0, 1.0]),
    "z = 2x + 4y": (lambda x, y: 2 * x + 4 * y, [2.0, 3.0]),
    "z = 2x^2 + 3": (lambda x: 2 * (x * x) + 3, [2.0]),
    "x^2 + 4x + 3": (lambda x: x * x + 4 * x + 3, [2.0]),
}


@pytest.mark.parametrize("name", DECK_EXAMPLES)
def test_deck_examples_match_torch_autograd(ad, name):
    expr, values = DECK_EXAMPLES[name]
    assert_same_gradients(ad, expr, values)


def doubled(times: int) -> Callable:
    def expr(x):
        for _ in range(times):
            x = x + x
        return x
    return expr


def test_exponentially_many_paths_cost_linear_work(ad):
    out = doubled(50)(ad["Var"](1.0))
    assert len(ad["topological_order"](out)) == 51
    assert_same_gradients(ad, doubled(50), [1.0])


def test_backward_twice_gives_the_same_gradients(ad):
    x, y = ad["Var"](2.0), ad["Var"](-1.5)
    z = x * (x + y) * y
    z.backward()
    first = (x.grad, y.grad)
    z.backward()
    assert (x.grad, y.grad) == first


def random_expression(rng: random.Random, n_leaves: int, n_ops: int) -> Callable:
    """A random DAG of + and * over the leaves; nodes may be reused and constants mixed in."""
    plan = []
    for step in range(n_ops):
        available = n_leaves + step
        op = rng.choice("+*")
        left, right = rng.randrange(available), rng.randrange(available)
        constant = round(rng.uniform(-2, 2), 3) if rng.random() < 0.25 else None
        plan.append((op, left, right, constant, rng.random() < 0.5))

    def expr(*leaves):
        nodes = list(leaves)
        for op, left, right, constant, constant_first in plan:
            a = nodes[left]
            b = nodes[right] if constant is None else constant
            if constant is not None and constant_first:
                a, b = b, a
            nodes.append(a + b if op == "+" else a * b)
        return nodes[-1]
    return expr


@pytest.mark.parametrize("seed", range(40))
def test_random_expressions_match_torch_autograd(ad, seed):
    rng = random.Random(seed)
    n_leaves = rng.randint(1, 4)
    expr = random_expression(rng, n_leaves, n_ops=rng.randint(1, 12))
    values = [rng.uniform(-1.5, 1.5) for _ in range(n_leaves)]
    assert_same_gradients(ad, expr, values)


def teaser(x: float) -> float:
    """The function of the lecture's teaser (last session's problem 3)."""
    return -1 / (x**2 + 1) * math.log(1 / (1 + math.exp(-x)) + 1)


@pytest.fixture(scope="module")
def teaser_answer() -> dict[str, object]:
    deck = read_deck(DECK)
    [block] = [f for f in deck.code_blocks if f.value("answer") == "3"]
    namespace: dict[str, object] = {"__name__": "teaser"}
    exec(deck.setup_code, namespace)
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(block.code, f"{DECK.name}:{block.line}", "exec"), namespace)
    return namespace


def test_teaser_answer_minimises_the_teaser_function(teaser_answer):
    f = teaser_answer["f"]
    for point in (-2.0, -0.3, 0.0, 0.7, 3.0):
        assert f(torch.tensor(point)).item() == pytest.approx(teaser(point), rel=1e-6)
    x = teaser_answer["x"].item()
    assert x == pytest.approx(0.190, abs=5e-4)
    assert teaser(x) == pytest.approx(-0.42134, abs=5e-6)
    assert teaser(x) < min(teaser(x - 0.01), teaser(x + 0.01))
