"""A warm kernel for re-checking decks: import once, fork a fresh pytest per run.

A cold `pytest slides/03-autodiff.md` spends most of its time importing
pytest, its plugins and torch.  The kernel is a small process that imports
those once and then, for every run it is asked for, forks a child that calls
`pytest.main()` on the deck.  The child starts from the kernel's memory (all
imports done) but is otherwise a new pytest run: a new `__main__` namespace,
the checker's seeding and block order, and nothing left over from the
previous run, because each run is a new process.  Only modules that live
outside the deck's folder and the current folder (the standard library and
installed packages) are pre-imported, so a lecturer's own helper module is
always imported afresh.

The kernel is single-threaded (forking a process with threads is unsafe),
which is why it is a process of its own rather than the watcher: the file
watcher and the preview server run threads.

With `"resume": true` in a request the deck's process takes checkpoints
while it runs, and the next run starts from the deepest one whose part of
the deck is unchanged (lecturekit.check.checkpoints): the kernel is where
they register, and it ends them when they are stale or it stops.

Protocol (`python -m lecturekit.author.kernel RESULT_FD`): one JSON request
per line on stdin, `{"args": [...], "imports": [...], "cwd": "...", "deck":
"...", "resume": bool, "local_dirs": [...]}`; one JSON result per line on
RESULT_FD, `{"code", "summary", "failures", "keys", "reused", "replayed", "seconds"}`.
The children write pytest's own report to the kernel's stdout.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import importlib
import importlib.util
import io
import json
import os
import re
import signal
import sys
import sysconfig
import time
from typing import Any

_NODE = re.compile(r"::slide(?P<slide>\d+)-line(?P<fence>\d+)")
_AT_LINE = re.compile(r"^.+?:(?P<line>\d+): (?P<message>.*)$")
_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36
_COUNTED = ("failed", "passed", "skipped", "xfailed", "xpassed", "error")


def die_with_parent(sig: int = signal.SIGKILL) -> None:
    """Linux: have the kernel send `sig` to this process when its parent exits."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, sig, 0, 0, 0)


class Collector:
    """pytest plugin in the child: what failed where, and the counts of the summary line."""

    def __init__(self) -> None:
        self.failures: list[dict[str, Any]] = []
        self.summary = ""

    def pytest_runtest_logreport(self, report: Any) -> None:
        if report.failed:
            self._failure(report.nodeid, report.longreprtext)

    def pytest_collectreport(self, report: Any) -> None:
        if report.failed:
            self._failure(report.nodeid, report.longreprtext)

    def _failure(self, nodeid: str, text: str) -> None:
        node = _NODE.search(nodeid)
        first = text.strip().splitlines()[0] if text.strip() else "failed"
        at = _AT_LINE.match(first)
        self.failures.append({
            "node": nodeid,
            "slide": int(node["slide"]) if node else None,
            "line": int(at["line"]) if at else (int(node["fence"]) if node else None),
            "message": at["message"] if at else first,
            "text": text,
        })

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        stats = terminalreporter.stats
        parts = [f"{len(stats[k])} {k}" for k in _COUNTED if stats.get(k)]
        self.summary = ", ".join(parts) or "no tests ran"


def preload(modules: list[str], local_dirs: list[str]) -> None:
    """Import what the deck imports, if it is installed (not a lecturer's local module)."""
    installed = {sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")}
    local = [os.path.realpath(d) for d in local_dirs]
    for name in modules:
        if name in sys.modules:
            continue
        try:
            spec = importlib.util.find_spec(name.split(".")[0])
        except (ImportError, ValueError):
            continue
        if spec is None:
            continue
        origin = os.path.realpath(spec.origin) if spec.origin and spec.has_location else ""
        if origin:
            if any(origin.startswith(d + os.sep) for d in local):
                continue
            if not any(origin.startswith(p + os.sep) for p in installed):
                continue
        # What a module prints while it is imported would be the deck's output in a cold
        # run; keep the kernel quiet and let such imports happen in the child instead.
        silent = io.StringIO()
        try:
            with contextlib.redirect_stdout(silent), contextlib.redirect_stderr(silent):
                importlib.import_module(name)
        except BaseException:  # noqa: BLE001 - the child will meet the same error, cold
            continue
        if silent.getvalue():
            sys.modules.pop(name, None)


def _warm_pytest() -> None:
    """pytest, its plugins (entry points) and our checker, imported once.

    The children run pytest with --assert=plain, so pytest does not want to
    rewrite the plugins' asserts on import and finds them already imported.
    """
    from importlib.metadata import entry_points

    import _pytest.python  # noqa: F401
    import _pytest.terminal  # noqa: F401
    import pytest  # noqa: F401

    from lecturekit.check import session  # noqa: F401
    from lecturekit.deck import parse  # noqa: F401

    with contextlib.suppress(Exception):
        for entry in entry_points(group="pytest11"):
            with contextlib.suppress(BaseException):
                importlib.import_module(entry.module)


def _child(request: dict[str, Any], write_fd: int, warm: Any = None) -> None:
    """In the forked child: run pytest as a cold run would, report through write_fd."""
    die_with_parent()
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    code = 3
    collector = Collector()
    try:
        os.chdir(request["cwd"])
        import pytest

        from lecturekit.check import checkpoints

        checkpoints.WARM = warm
        code = int(pytest.main(request["args"], plugins=[collector]))
    except BaseException as exc:  # noqa: BLE001 - reported as the run's result
        collector.failures.append({"node": "", "slide": None, "line": None,
                                   "message": f"pytest could not run: {exc!r}", "text": ""})
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        from lecturekit.check import checkpoints

        warm = checkpoints.WARM
        payload = json.dumps({"code": code, "summary": collector.summary,
                              "failures": collector.failures,
                              "keys": warm.keys if warm is not None else {},
                              "reused": warm.reused if warm is not None else 0,
                              "replayed": warm.replayed if warm is not None else 0}).encode()
        with contextlib.suppress(Exception), os.fdopen(write_fd, "wb") as pipe:
            pipe.write(payload)
        os._exit(code if 0 <= code < 256 else 3)


def fork_run(request: dict[str, Any], registry: Any = None,
             foreign: tuple[int, ...] = ()) -> dict[str, Any]:
    """Fork a child that runs pytest for `request`; its result, as the protocol says."""
    started = time.monotonic()
    read_fd, write_fd = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    warm = registry.warm([write_fd, *foreign]) if registry is not None else None
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        if registry is not None:
            registry.listener.close()
        _child(request, write_fd, warm)
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as pipe:
        payload = pipe.read()
    _, status = os.waitpid(pid, 0)
    try:
        result = json.loads(payload)
    except ValueError:
        code = os.waitstatus_to_exitcode(status)
        result = {"code": code, "summary": "", "keys": {}, "reused": 0, "failures": [{
            "node": "", "slide": None, "line": None, "text": "",
            "message": f"the check ended without a report (exit status {code}); "
                       f"a block may have called os._exit() or crashed Python"}]}
    result["seconds"] = time.monotonic() - started
    return result


def serve(result_fd: int) -> None:
    from lecturekit.check import checkpoints

    die_with_parent()
    # Ctrl-C in the terminal reaches every process of the group: the watcher decides
    # what it means, the running child stops its pytest run, the kernel just goes on.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # SIGTERM (the watcher stopping): end the checkpoints first, then exit.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    # Checkpoints outlive the run that took them: as orphans they become ours to reap.
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    _warm_pytest()
    results = os.fdopen(result_fd, "w", encoding="utf-8")
    registry = checkpoints.Registry()
    try:
        for line in sys.stdin:
            if not line.strip():
                continue
            request = json.loads(line)
            preload(request.get("imports", []), request.get("local_dirs", []))
            # Everything imported so far lives as long as the process: leave it out of the
            # child's garbage collections (pytest collects at exit; with torch's heap that
            # takes longer than the whole check, and would copy every page it touches).
            gc.freeze()
            if not request.get("resume"):
                registry.forget()
            result = fork_run(request, registry if request.get("resume") else None,
                              (result_fd,))
            results.write(json.dumps(result) + "\n")
            results.flush()
            registry.keep_only(result.get("keys", {}))
            _reap_orphans()
    finally:
        registry.close()


def _reap_orphans() -> None:
    """Collect checkpoints (and keepers) that ended after being re-parented to the kernel."""
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass


if __name__ == "__main__":
    serve(int(sys.argv[1]))
