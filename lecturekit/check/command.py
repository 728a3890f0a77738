"""The command that runs the checker: `python -m pytest`, less its slow start and end.

`lecturekit check` (and so `make check` and the build's code check) runs
pytest in its own process, with two differences from `python -m pytest`:

- The checker's modules are imported before pytest starts, as ordinary
  modules (from their bytecode cache when there is one), instead of being
  compiled afresh by pytest's assertion rewriter on every run, as pytest does
  for every module of a plugin's package.  They use no `assert` to check
  anything; `lecturekit/__init__.py` says PYTEST_DONT_REWRITE, so pytest does
  not warn that it cannot rewrite them.
- The decks named on the command line are parsed in a forked process
  while pytest starts (`lecturekit.check.preparse`), not after it.
- The first SIGTERM or SIGINT ends the run at once with one line (and kills
  the deck running then, with everything it started), whatever pytest was doing.
- What lives until the end (the modules, then the collected decks and
  items) is frozen out of the garbage collector's generations (`gc.freeze`):
  full collections do not traverse it again, and a deck's forked process
  does not copy its pages by collecting it.  Until the decks are collected
  the collector does not run at all (it would look through all that for
  nothing); it runs again from then on, in the checker and in the decks'
  processes.
- Once pytest has returned, its output is flushed and the atexit handlers
  (the decks' own included) have run, the process ends at once, without the
  interpreter's teardown: freeing every module of torch & co. one by one,
  which nobody waits for (about 0.3 s).

Imports resolve as under `python -m pytest`: the current folder is first on
`sys.path` (as `python -m` puts it there), whichever way `lecturekit` was
started (the console script puts its own `bin/` folder there instead).

The exit status is pytest's.
"""

from __future__ import annotations

import atexit
import gc
import os
import sys
from typing import NoReturn

RUNNING = False
"""True in the `lecturekit check` process (which ends when pytest returns)."""


def argv(pytest_args: list[str]) -> list[str]:
    """The command line of `lecturekit check` with these pytest arguments, in this interpreter."""
    return [sys.executable, "-m", "lecturekit", "check", *pytest_args]


def run(pytest_args: list[str]) -> NoReturn:
    """pytest with these arguments, in this process, which then ends with pytest's status."""
    # No garbage collection until the decks are collected (the plugin's
    # pytest_collection_finish): what is imported and collected until then lives until the
    # process ends, and the collector found nothing to free in it (about 10 ms of
    # collections).
    gc.disable()
    # The named decks are parsed in a forked process while pytest is imported and starts
    # (which finds the deck's runner imported: it needs its `_prctl`).
    from lecturekit.check import preparse, runner
    from lecturekit.check.runner import install_stop_handlers

    runner.load_libc()  # ctypes, which the runner needs anyway: loaded once, not in the fork too
    preparse.start(pytest_args)
    # The first SIGTERM/SIGINT ends the check with one line, from the start (a deck running
    # then is killed with all it started: lecturekit.check.runner).
    install_stop_handlers(for_process=True)
    # What a check always needs; not lecturekit.check.github_report, which pytest imports
    # as a plugin of its own (and would then warn about), nor lecturekit.check.memo, which
    # only a run with pytest's cache needs (the plugin's pytest_configure imports it then).
    import pytest

    import lecturekit.check.session
    import lecturekit.pytest_plugin  # noqa: F401

    if sys.path[:1] != [os.getcwd()]:
        sys.path.insert(0, os.getcwd())
    # Everything imported so far lives until the process ends: out of the collector's way
    # (no full collection traverses it again; the plugin freezes the collected decks too).
    global RUNNING
    RUNNING = True
    gc.freeze()
    try:
        code = int(pytest.main(_with_plugin(pytest_args)))
        sys.stdout.flush()
    except BrokenPipeError:  # piped into `head`, which has gone: as `python -m pytest` does
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 1
    sys.stderr.flush()
    preparse.discard()
    from lecturekit.check.runner import reap_ended

    reap_ended()  # the decks' processes (the plugin's pytest_unconfigure collected them)
    atexit._run_exitfuncs()
    os._exit(code)


def _with_plugin(pytest_args: list[str]) -> list[str]:
    """The arguments, with `-p lecturekit.pytest_plugin` first when plugins do not load by
    themselves (PYTEST_DISABLE_PLUGIN_AUTOLOAD, --disable-plugin-autoload): the checker is
    this command's plugin, whatever else the environment loads."""
    if not (os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
            or "--disable-plugin-autoload" in pytest_args):
        return pytest_args
    if any(arg.endswith("lecturekit.pytest_plugin") for arg in pytest_args):
        return pytest_args
    return ["-p", "lecturekit.pytest_plugin", *pytest_args]
