"""What the kernel runs before the deck's first block, so it matches the checker's session.

The checker runs blocks in one namespace seeded with 0 (random, numpy,
torch) before the deck's `setup:` code; the notebook does the same in its
first, hidden cell.  IPython shows values with `repr` (no pretty-printing),
so a transcript cell displays what the `>>>` prompt showed.
"""

from __future__ import annotations

from collections.abc import Iterable

from lecturekit.check.session import SEED

COMMENTS = {
    "ja": {
        "repr": "# 値は >>> と同じ形で表示します",
        "magics": "# セルの先頭の {names} を使えるようにします",
        "numbering": "# エラーの表示の「Cell In[n]」を、このセルの番号 [n] にそろえます",
        "expect_error": "# エラーを表示して、次のセルへ進みます",
        "skip": "# このセルは実行しません",
        "skip_if": "# 条件に当てはまるときは実行しません",
        "skip_if_missing": "# ライブラリが入っていないときは実行しません",
        "seed": "# 乱数の種を 0 に固定します（毎回同じ結果になるように）",
        "setup": "# この講義の準備",
    },
    "en": {
        "repr": "# Show values as the >>> prompt does",
        "magics": "# Makes the {names} line heading a cell work",
        "numbering": "# An error's \"Cell In[n]\" names this cell's own number [n]",
        "expect_error": "# Show the error, then go on to the next cell",
        "skip": "# This cell is not run",
        "skip_if": "# Not run when the condition holds",
        "skip_if_missing": "# Not run when the library is not installed",
        "seed": "# Random seeds fixed to 0, so every run gives the same results",
        "setup": "# This lecture's setup",
    },
}

REPR_DISPLAY = 'get_ipython().display_formatter.formatters["text/plain"].pprint = False\n'

SEEDING = """\
def _lk_seed(seed):
    import random
    random.seed(seed)
    try:
        import numpy
        numpy.random.seed(seed)
    except ImportError:
        pass
    try:
        import torch
        torch.manual_seed(seed)
    except ImportError:
        pass
_lk_seed({seed})
del _lk_seed
"""


EXPECT_ERROR = "expect_error"
"""The cell magic that heads a cell raising on purpose (`notebook.code_cell`)."""
SKIP_CELL, SKIP_IF, SKIP_IF_MISSING = "skip", "skip_if", "skip_if_missing"
"""The cell magics that head a block the checker skips (`skip`, `skip-if=COND`,
`importorskip=NAME`): the cell runs only where the checker would run it."""
MAGICS = (EXPECT_ERROR, SKIP_CELL, SKIP_IF, SKIP_IF_MISSING)

_MAGICS_HEAD = """\
def _lk_magics():
    shell = get_ipython()

    def run(cell):
        {numbering}
        number, cache = shell.execution_count - 1, getattr(shell.compile, "cache", None)
        if cache is not None:
            shell.compile.cache = lambda code, _=0, **rest: cache(code, number, **rest)
        try:
            shell.run_cell(cell)
        finally:
            if cache is not None:
                del shell.compile.cache
"""
"""`run`: the magic's cell body run as that cell.  IPython has counted the cell already when
its magic runs, so the body is compiled under the cell's own number (tracebacks say
`Cell In[n]` under `[n]`, not `In[n+1]`; its line numbers count from the line after the
magic's).  Lowering `execution_count` instead would number the body's value `Out[n-1]`;
an IPython without `compile.cache` runs the body unnumbered, without an error.  An error
shows as any cell's does but does not stop "Run all" (the magic's own cell did not
raise)."""

_MAGIC_BODIES = {
    EXPECT_ERROR: """\
    def expect_error(line, cell):
        {comment}
        run(cell)
""",
    SKIP_CELL: """\
    def skip(line, cell):
        {comment}
        pass
""",
    SKIP_IF: """\
    def skip_if(line, cell):
        {comment}
        import os
        import platform
        import sys
        scope = {{"sys": sys, "os": os, "platform": platform,
                  "_lk_condition": lambda condition, reason="": condition}}
        if eval("_lk_condition(" + line + "\\n)", scope, shell.user_ns):
            print({skipped_if!r})
        else:
            run(cell)
""",
    SKIP_IF_MISSING: """\
    def skip_if_missing(line, cell):
        {comment}
        import importlib.util
        name = line.split("#")[0].strip()
        try:
            missing = importlib.util.find_spec(name) is None
        except (ImportError, ValueError):
            missing = True
        if missing:
            print({skipped_missing!r}.format(name=name))
        else:
            run(cell)
""",
}
"""Colab's "Run all" stops at the first cell that raises and ignores the
`raises-exception` and `skip-execution` tags JupyterLab honours; a cell headed
`%%expect_error` shows its error as usual but lets the cells after it run, and
one headed `%%skip`, `%%skip_if COND` or `%%skip_if_missing NAME` runs only
where the checker runs it."""

SKIPPED = {
    "ja": ("（条件に当てはまるので、このセルは実行しませんでした）",
           "（{name} が入っていないので、このセルは実行しませんでした）"),
    "en": ("(The condition holds, so this cell was not run.)",
           "({name} is not installed, so this cell was not run.)"),
}


def seeding_source() -> str:
    """The checker's seeding (same seed, same libraries), as code for the kernel."""
    return SEEDING.format(seed=SEED)


def magics_source(lang: str = "ja", magics: Iterable[str] = MAGICS) -> str:
    """The definitions of the cell magics `magics` (in `MAGICS` order), commented in the
    deck's language; empty for none."""
    wanted = [m for m in MAGICS if m in set(magics)]
    if not wanted:
        return ""
    say = COMMENTS.get(lang, COMMENTS["en"])
    skipped_if, skipped_missing = SKIPPED.get(lang, SKIPPED["en"])
    bodies = [_MAGIC_BODIES[m].format(comment=say[m], skipped_if=skipped_if,
                                      skipped_missing=skipped_missing) for m in wanted]
    register = ", ".join(f"{m}" for m in wanted)
    return "\n".join([
        say["magics"].format(names="・".join(f"%%{m}" for m in wanted) if lang == "ja"
                             else ", ".join(f"%%{m}" for m in wanted)),
        _MAGICS_HEAD.format(numbering=say["numbering"]), *bodies,
        f"    for function in ({register},):",
        '        shell.register_magic_function(function, "cell", function.__name__)',
        "_lk_magics()", "del _lk_magics", ""])


def setup_source(setup_code: str, lang: str = "ja",
                 magics: Iterable[str] = MAGICS) -> str:
    """The first cell's code: values shown as `repr`, the cell magics `magics`, the
    checker's seeding, then the deck's `setup:` code, each under a comment in `lang`."""
    say = COMMENTS.get(lang, COMMENTS["en"])
    parts = [say["repr"] + "\n" + REPR_DISPLAY, magics_source(lang, magics),
             say["seed"] + "\n" + seeding_source()]
    if setup_code.strip():
        parts.append(say["setup"] + "\n" + setup_code.rstrip("\n") + "\n")
    return "\n".join(p for p in parts if p).rstrip("\n")


def fresh_source(setup_code: str, lang: str = "ja", magics: Iterable[str] = MAGICS) -> str:
    """A `fresh` block's new namespace: forget every name, then seed and set up again."""
    return "%reset -f\n" + setup_source(setup_code, lang, magics)
