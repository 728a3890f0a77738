"""Hints that turn an exception report into a lesson: what Python would suggest, and where
in the deck a missing name is defined.

Python 3.11 computes "Did you mean: 'torch'?" only when the interpreter
prints a traceback itself, so a report built with the `traceback` module
loses it; `did_you_mean` makes the same kind of suggestion (the closest name
by an edit distance in which a change of case costs half).  A NameError for
a name the deck binds on a later line is the typical cascade of a deck that
imports on a late slide: `later_definition` names that line and suggests
`setup:` in the front matter.
"""

from __future__ import annotations

import ast
import builtins
import sys

from lecturekit.deck import Deck
from lecturekit.deck.model import PYTHON_LANGS

_HINTED = "__lecturekit_hinted__"


def add_hints(error: BaseException, deck: Deck, line: int) -> None:
    """Attach the hints for `error` (raised at deck `line`) as exception notes, once."""
    if getattr(error, _HINTED, False) or not isinstance(error, NameError | AttributeError):
        return
    notes = []
    suggestion = None if sys.version_info >= (3, 12) else did_you_mean(error)
    if suggestion:
        notes.append(f"Did you mean: {suggestion!r}?")
    if type(error) is NameError and getattr(error, "name", None):
        later = later_definition(deck, error.name, line)  # type: ignore[attr-defined]
        if later:
            notes.append(later)
    try:
        for note in notes:
            error.add_note(note)
        setattr(error, _HINTED, True)
    except (AttributeError, TypeError):  # an exception class that refuses attributes
        pass


def did_you_mean(error: BaseException) -> str | None:
    """The name Python 3.12 would suggest for a NameError or AttributeError, if any."""
    name = getattr(error, "name", None)
    if not isinstance(name, str):
        return None
    if isinstance(error, NameError):
        frame = _innermost_frame(error)
        if frame is None:
            return None
        candidates = [*frame.f_locals, *frame.f_globals, *dir(builtins)]
    elif isinstance(error, AttributeError):
        try:
            candidates = dir(error.obj)
        except Exception:  # noqa: BLE001 - a broken __dir__ gives no suggestion
            return None
    else:
        return None
    return closest(name, candidates)


def closest(name: str, candidates: list[str]) -> str | None:
    best, best_cost = None, None
    for candidate in dict.fromkeys(candidates):
        if candidate == name or not isinstance(candidate, str):
            continue
        limit = (len(name) + len(candidate) + 3) // 3  # in half-steps: (n + m + 3) * 2 / 6
        cost = _distance(name, candidate, limit)
        if cost <= limit and (best_cost is None or cost < best_cost):
            best, best_cost = candidate, cost
    return best


def _distance(a: str, b: str, limit: int) -> int:
    """Edit distance counted in half-steps: insert, delete, replace 2; a change of case 1."""
    if abs(len(a) - len(b)) * 2 > limit:
        return limit + 1
    previous = list(range(0, 2 * len(b) + 1, 2))
    for i, ca in enumerate(a, start=1):
        current = [2 * i]
        for j, cb in enumerate(b, start=1):
            change = 0 if ca == cb else 1 if ca.lower() == cb.lower() else 2
            current.append(min(previous[j] + 2, current[j - 1] + 2, previous[j - 1] + change))
        previous = current
    return previous[-1]


def _innermost_frame(error: BaseException):  # noqa: ANN202 - a frame object
    tb = error.__traceback__
    if tb is None:
        return None
    while tb.tb_next is not None:
        tb = tb.tb_next
    return tb.tb_frame


def later_definition(deck: Deck, name: str, line: int) -> str | None:
    """'name is imported at line 240 (slide 12), after this line ...' or None.

    A name bound on an earlier line that did not run (its block failed or was
    skipped) is named too: the cascade's first failure is the one to fix.

    Also for a name bound only in a fence inside an HTML comment (pytest-codeblocks
    runs such hidden code; in Marp it is a presenter note, never run).
    """
    found = bindings(deck).get(name, [])
    earlier = [(at, how) for at, how, note in found if at < line and not note]
    later = [(at, how) for at, how, note in found if at > line and not note]
    hidden = [(at, how) for at, how, note in found if note]
    if earlier:
        at, how = earlier[-1]
        slide = deck.slide_at(at)
        where = f"line {at}" + (f" (slide {slide.number})" if slide else "")
        return (f"hint: {name!r} is {how} at {where}, but that line has not run in this "
                f"namespace: its block failed or was skipped before it, or a `fresh` block "
                f"started a new namespace since. Fix the first failure above this one.")
    if later:
        at, how = later[0]
        reason = "after this line; blocks run in deck order"
    elif hidden:
        at, how = hidden[0]
        reason = "in an HTML comment, which Marp makes a presenter note: never run"
    else:
        return None
    slide = deck.slide_at(at)
    where = f"line {at}" + (f" (slide {slide.number})" if slide else "")
    return (f"hint: {name!r} is {how} at {where}, {reason}. "
            f"Define it before its first use, or put it in `setup:` in the front matter "
            f"(code run before the first block), e.g.\n"
            f"  setup: |\n    {_setup_example(deck, name, at)}")


def _setup_example(deck: Deck, name: str, line: int) -> str:
    text = deck.lines[line - 1].strip()
    return text if text.startswith(("import ", "from ")) else f"{name} = ..."


Binding = tuple[int, str, bool]
"""(deck line, how: imported/defined/assigned, in a presenter note)."""
_CACHE: list[tuple[Deck, dict[str, list[Binding]]]] = []


def bindings(deck: Deck) -> dict[str, list[Binding]]:
    """Every name the deck's Python fences bind at top level, in deck order."""
    if _CACHE and _CACHE[0][0] is deck:
        return _CACHE[0][1]
    found: dict[str, list[Binding]] = {}
    for fence in deck.fences:
        if fence.lang not in PYTHON_LANGS or fence.has("output") or fence.is_transcript:
            continue
        try:
            tree = ast.parse(fence.code)
        except SyntaxError:
            continue
        for node, name, how in _bound(tree):
            found.setdefault(name, []).append((fence.deck_line(node.lineno - 1), how,
                                               fence.in_comment))
    for names in found.values():
        names.sort()
    _CACHE[:] = [(deck, found)]
    return found


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.ListComp,
           ast.SetComp, ast.DictComp, ast.GeneratorExp)
"""Nodes whose body has its own scope: names bound inside are not the deck's."""


def _bound(node: ast.AST):  # noqa: ANN202 - yields (node, name, how)
    """Names bound in the block's own (module) scope, in source order."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Import | ast.ImportFrom):
            for alias in child.names:
                if alias.name != "*":
                    yield child, (alias.asname or alias.name).split(".")[0], "imported"
        elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            yield child, child.name, "defined"
        elif isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store):
            yield child, child.id, "assigned"
        if not isinstance(child, _SCOPES):
            yield from _bound(child)
