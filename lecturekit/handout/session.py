"""What the kernel runs before the deck's first block, so it matches the checker's session.

The checker runs blocks in one namespace seeded with 0 (random, numpy,
torch) before the deck's `setup:` code; the notebook does the same in its
first, hidden cell.  IPython shows values with `repr` (no pretty-printing),
so a transcript cell displays what the `>>>` prompt showed.
"""

from __future__ import annotations

from lecturekit.check.session import SEED

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

MAGIC_DEFINITIONS = f"""\
def _lk_magics(skipped_if, skipped_missing):
    import sys

    shell = get_ipython()

    def expect_error(line, cell):
        \"\"\"This cell raises on purpose, as on the slide: show the error, then go on.\"\"\"
        code = shell.transform_cell(cell)
        name = shell.compile.cache(code, shell.execution_count)  # tracebacks show the source
        try:
            exec(compile(code, name, "exec"), shell.user_ns)
        except Exception:
            kind, error, where = sys.exc_info()
            shell.showtraceback((kind, error, where.tb_next))  # from the cell's own line

    def skip(line, cell):
        \"\"\"A block the slides do not run: nothing happens.\"\"\"

    def skip_if(line, cell):
        \"\"\"Run the cell unless the condition (pytest's `skipif` reading) holds.\"\"\"
        import os
        import platform
        scope = {{"sys": sys, "os": os, "platform": platform,
                  "_lk_condition": lambda condition, reason="": condition}}
        if eval("_lk_condition(" + line + "\\n)", scope, shell.user_ns):
            print(skipped_if)
        else:
            shell.run_cell(cell)

    def skip_if_missing(line, cell):
        \"\"\"Run the cell if the module named on the line can be imported.\"\"\"
        import importlib.util
        name = line.split("#")[0].strip()
        try:
            missing = importlib.util.find_spec(name) is None
        except (ImportError, ValueError):
            missing = True
        if missing:
            print(skipped_missing.format(name=name))
        else:
            shell.run_cell(cell)

    for function, name in ((expect_error, "{EXPECT_ERROR}"), (skip, "{SKIP_CELL}"),
                           (skip_if, "{SKIP_IF}"), (skip_if_missing, "{SKIP_IF_MISSING}")):
        shell.register_magic_function(function, "cell", name)
_lk_magics(SKIPPED_IF, SKIPPED_MISSING)
del _lk_magics
"""
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


def magics_source(lang: str = "ja") -> str:
    skipped_if, skipped_missing = SKIPPED.get(lang, SKIPPED["en"])
    return (MAGIC_DEFINITIONS.replace("SKIPPED_IF,", f"{skipped_if!r},")
            .replace("SKIPPED_MISSING)", f"{skipped_missing!r})"))


def setup_source(setup_code: str, lang: str = "ja") -> str:
    parts = [REPR_DISPLAY, magics_source(lang), seeding_source()]
    if setup_code.strip():
        parts.append(setup_code.rstrip("\n") + "\n")
    return "\n".join(parts).rstrip("\n")


def fresh_source(setup_code: str, lang: str = "ja") -> str:
    """A `fresh` block's new namespace: forget every name, then seed and set up again."""
    return "%reset -f\n" + setup_source(setup_code, lang)
