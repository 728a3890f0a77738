"""Stop a build whose parent is going away, so it never publishes after the user gave up.

`kill -INT <make pid>` (or a SIGINT that reached `make` only) does not reach
the build: GNU make resets its SIGINT handler to the default, blocks the
signal and waits for its running recipes before it dies, so the build went
on and published ten seconds after make said "Interrupt".  Nothing is sent
to us, but it shows in /proc: a signal the parent caught when we started
(SigCgt) is now neither caught nor deliverable (SigBlk), which is how a
process looks while it finishes a fatal signal's handler.  A parent that
died (we were re-parented) counts the same, and so does any ancestor (`make
slides` is a make running a make).  `watch_parent` polls for that and calls
`on_dying` once, from its own daemon thread.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable

FATAL = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)
POLL_S = 0.25
MAX_DEPTH = 8


def _masks(pid: int) -> tuple[int, int] | None:
    """(caught, blocked) signal masks of `pid`, or None if it cannot be read."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as status:
            fields = dict(line.split(":", 1) for line in status if ":" in line)
        return int(fields["SigCgt"], 16), int(fields["SigBlk"], 16)
    except (OSError, KeyError, ValueError):
        return None


def _bit(signum: int) -> int:
    return 1 << (signum - 1)


def _parent_of(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return int(stat.read().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return 0


def ancestors(limit: int = MAX_DEPTH) -> list[tuple[int, int]]:
    """(pid, caught signals) of our parent, its parent, … up to init (or `limit` of them)."""
    found = []
    pid = os.getppid()
    while pid > 1 and len(found) < limit:
        masks = _masks(pid)
        if masks is None:
            break
        found.append((pid, masks[0]))
        pid = _parent_of(pid)
    return found


def dying(watched: list[tuple[int, int]]) -> bool:
    """Is our parent gone (we were re-parented), or any watched ancestor finishing a fatal
    signal?  (`make slides` runs a make inside make: the one the user signals is the outer.)"""
    if watched and os.getppid() != watched[0][0]:
        return True
    for pid, caught_at_start in watched:
        masks = _masks(pid)
        if masks is None:
            continue
        caught, blocked = masks
        if any(caught_at_start & _bit(s) and not caught & _bit(s) and blocked & _bit(s)
               for s in FATAL):
            return True
    return False


def watch_parent(on_dying: Callable[[], None]) -> threading.Event:
    """Watch our ancestors from a daemon thread; set the returned event to stop watching."""
    stop = threading.Event()
    watched = ancestors()
    if not watched:
        return stop  # no parent worth watching (init, or no /proc)

    def poll() -> None:
        while not stop.wait(POLL_S):
            if dying(watched):
                on_dying()
                return

    threading.Thread(target=poll, name="watch-parent", daemon=True).start()
    return stop
