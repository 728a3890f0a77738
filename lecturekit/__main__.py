"""`python -m lecturekit` is the `lecturekit` command (what the Makefile calls).

A Ctrl-C in the first fraction of a second, while Python imports the
command's modules, used to print a KeyboardInterrupt traceback: until the
command takes over SIGINT, an interrupt ends the process with one line.
(Python's own start-up, before this module runs, is out of our hands: a few
tens of milliseconds in which Python prints its traceback.)
"""

import _signal  # the C module: importing `signal` (and its enums) alone takes milliseconds
import os
import sys


def _interrupted_early(signum: int, frame: object) -> None:
    os.write(2, b"lecturekit: interrupted\n")
    os._exit(130)


def run() -> int:
    """The `lecturekit` command (the console script too)."""
    _signal.signal(_signal.SIGINT, _interrupted_early)
    from lecturekit.cli import main

    try:
        _signal.signal(_signal.SIGINT, _signal.default_int_handler)  # each command's own
        return main()
    except KeyboardInterrupt:
        print("lecturekit: interrupted", file=sys.stderr, flush=True)
        return 130


if __name__ == "__main__":
    sys.exit(run())
