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


def seeding_source() -> str:
    """The checker's seeding (same seed, same libraries), as code for the kernel."""
    return SEEDING.format(seed=SEED)


def setup_source(setup_code: str) -> str:
    parts = [REPR_DISPLAY, seeding_source()]
    if setup_code.strip():
        parts.append(setup_code.rstrip("\n") + "\n")
    return "\n".join(parts).rstrip("\n")


def fresh_source(setup_code: str) -> str:
    """A `fresh` block's new namespace: forget every name, then seed and set up again."""
    return "%reset -f\n" + setup_source(setup_code)
