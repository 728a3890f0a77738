"""The command that runs the checker: `python -m pytest`, less its last 0.3 s.

`lecturekit check` (and so `make check`) and the build's code check start
pytest with `argv(...)`.  It is `python -m pytest ARGS` except that once
pytest has returned, its output is flushed and the atexit handlers have run,
the process ends at once, skipping the interpreter's teardown: freeing every
module of torch & co. one by one, which nobody waits for.  A deck's own
atexit handlers still run; the exit status is pytest's.
"""

from __future__ import annotations

import sys

_RUNNER = """\
import atexit, os, sys
import pytest
try:
    code = int(pytest.main())
    sys.stdout.flush()
except BrokenPipeError:  # piped into `head`, which has gone: as `python -m pytest` does
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    code = 1
sys.stderr.flush()
atexit._run_exitfuncs()
os._exit(code)
"""


def argv(pytest_args: list[str]) -> list[str]:
    """The command line that runs pytest with these arguments, in this interpreter."""
    return [sys.executable, "-c", _RUNNER, *pytest_args]
