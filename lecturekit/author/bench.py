"""Benchmark of `lecturekit watch`: save-to-summary on a copy of a deck vs a cold pytest run.

Both are measured in the same run, on the same copy, alternately, so a busy
machine slows both: the ratio (median warm / median cold) is the figure to
read, not the seconds.  The goal is a ratio of at most 0.25.

Warm: `lecturekit watch COPY` runs in the background; each round saves the
copy (an expected output broken, then restored, alternately, as an editor
saves: write and rename) and times until the watcher prints pytest's summary
line for that save; the summary must say what the edit implies (one failure,
then none), or the benchmark fails.  Cold: `python -m pytest COPY`, start to
exit.
"""

from __future__ import annotations

import argparse
import os
import queue
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

GOAL = 0.25
SUMMARY = re.compile(r"^(?P<counts>\d+ (?:passed|failed)\b.*) in (?P<session>[\d.]+)s$")
_EXPECTATION = re.compile(r"# -> (\S+)\s*$", re.M)


def _cold(deck: Path) -> float:
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", deck.name], cwd=deck.parent,
                          capture_output=True, text=True, check=False)
    seconds = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"cold pytest failed on the copy:\n{done.stdout[-2000:]}")
    return seconds


class _Watch:
    def __init__(self, deck: Path) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "lecturekit", "watch", deck.name],
                                        cwd=deck.parent, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True,
                                        start_new_session=True)
        self.summaries: queue.Queue[tuple[float, str]] = queue.Queue()
        self.sessions: list[float] = []
        """pytest's own "in N s" of each run: the deck's blocks, collection and reporting."""
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            match = SUMMARY.match(line.strip())
            if match:
                self.sessions.append(float(match["session"]))
                self.summaries.put((time.monotonic(), match["counts"]))

    def next_summary(self, timeout: float = 300) -> tuple[float, str]:
        try:
            return self.summaries.get(timeout=timeout)
        except queue.Empty:
            raise SystemExit("the watcher printed no summary line in time") from None

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def _save(deck: Path, text: str) -> float:
    tmp = deck.with_name(f".{deck.name}.swp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, deck)
    return time.monotonic()


def bench(source: Path, rounds: int) -> int:
    text = source.read_text(encoding="utf-8")
    last = list(_EXPECTATION.finditer(text))[-1]
    broken = text[:last.start(1)] + "BROKEN" + text[last.end(1):]
    with tempfile.TemporaryDirectory(prefix="bench-watch-") as tmp:
        deck = Path(tmp) / source.name
        shutil.copyfile(source, deck)
        print(f"watch benchmark: {source} ({rounds} saves, {rounds} cold runs, alternating; "
              f"edit: the expected output on line {text[:last.start()].count(chr(10)) + 1})")
        watcher = _Watch(deck)
        try:
            _, counts = watcher.next_summary()
            print(f"  watcher started, first run: {counts}")
            warm, cold = [], []
            for round_ in range(rounds):
                cold.append(_cold(deck))
                saved = _save(deck, broken)
                at, counts = watcher.next_summary()
                if not counts.startswith("1 failed"):
                    raise SystemExit(f"broken save: expected 1 failed, the watcher said {counts}")
                warm.append(at - saved)
                saved = _save(deck, text)
                at, counts = watcher.next_summary()
                if "failed" in counts:
                    raise SystemExit(f"restored save: expected no failure, got {counts}")
                warm.append(at - saved)
                print(f"  round {round_ + 1}: cold {cold[-1]:.2f}s, warm {warm[-2]:.2f}s "
                      f"and {warm[-1]:.2f}s")
        finally:
            watcher.stop()
    w, c = statistics.median(warm), statistics.median(cold)
    session = statistics.median(watcher.sessions[1:])
    ratio = w / c
    verdict = "meets" if ratio <= GOAL else "MISSES"
    print(f"save-to-summary median {w:.2f}s vs cold pytest median {c:.2f}s: ratio {ratio:.2f} "
          f"({verdict} the goal <= {GOAL}); load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} CPUs")
    print(f"  of the warm time, pytest's session (running the deck's blocks, which no warm "
          f"start can skip) took a median {session:.2f}s ({session / c:.2f} of cold)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("deck", type=Path, nargs="?", default=Path("slides/03-autodiff.md"))
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    return bench(args.deck, args.rounds)
