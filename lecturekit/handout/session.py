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

EXPECT_ERROR_MAGIC = f"""\
def _lk_expect_error(line, cell):
    \"\"\"This cell raises on purpose, as on the slide: show the error, then go on.\"\"\"
    import sys
    shell = get_ipython()
    code = shell.transform_cell(cell)
    name = shell.compile.cache(code, shell.execution_count)  # tracebacks show the source
    try:
        exec(compile(code, name, "exec"), shell.user_ns)
    except Exception:
        kind, error, where = sys.exc_info()
        shell.showtraceback((kind, error, where.tb_next))  # from the cell's own line
get_ipython().register_magic_function(_lk_expect_error, "cell", "{EXPECT_ERROR}")
del _lk_expect_error
"""
"""Colab's "Run all" stops at the first cell that raises and ignores the
`raises-exception` tag JupyterLab honours; a cell headed `%%expect_error`
shows its error as usual but lets the cells after it run."""


def seeding_source() -> str:
    """The checker's seeding (same seed, same libraries), as code for the kernel."""
    return SEEDING.format(seed=SEED)


def setup_source(setup_code: str) -> str:
    parts = [REPR_DISPLAY, EXPECT_ERROR_MAGIC, seeding_source()]
    if setup_code.strip():
        parts.append(setup_code.rstrip("\n") + "\n")
    return "\n".join(parts).rstrip("\n")


def fresh_source(setup_code: str) -> str:
    """A `fresh` block's new namespace: forget every name, then seed and set up again."""
    return "%reset -f\n" + setup_source(setup_code)
