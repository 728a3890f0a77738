"""Benchmark of `lecturekit watch`: save-to-summary on a copy of a deck vs a cold pytest run.

Both are measured in the same run, on the same copy, so a busy machine slows
both: the ratio (median warm / median cold) is the figure to read, not the
seconds.  The goal is a ratio of at most 0.25.  The cold runs are made before
the watcher starts and after it stops, never beside its background work.

Warm: `lecturekit watch COPY` runs in the background, once as it is by
default (blocks above the edit reused) and once with --no-reuse; each save
breaks or restores the deck's last expected output by turns (written and
renamed, as editors save) and is timed until the watcher prints pytest's
summary line for it, which must say what the edit implies (one failure, then
none) or the benchmark fails.  Cold: `python -m pytest COPY`, start to exit.
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
PAUSE_S = 10.0
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
    def __init__(self, deck: Path, options: list[str]) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "lecturekit", "watch", *options,
                                         deck.name],
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
    line = text[:last.start()].count("\n") + 1
    print(f"watch benchmark: {source}, the expected output on line {line} broken and restored "
          f"by turns; per mode {2 * rounds} cold runs (half before the watcher starts, half "
          f"after it stops) and {2 * rounds} saves, {PAUSE_S:.0f}s apart in pairs")
    for mode, options in (("default (blocks above the edit reused)", []),
                          ("--no-reuse (every block runs)", ["--no-reuse"])):
        with tempfile.TemporaryDirectory(prefix="bench-watch-") as tmp:
            deck = Path(tmp) / source.name
            shutil.copyfile(source, deck)
            _mode(mode, options, deck, text, broken, rounds)
    print(f"(seconds are wall time on a shared machine; the ratio, measured in one run, is "
          f"the figure; goal <= {GOAL})")
    return 0


def _mode(mode: str, options: list[str], deck: Path, text: str, broken: str,
          rounds: int) -> None:
    # Cold runs before the watcher starts and after it stops, so that they never compete
    # with the watcher's own background work (the driver that takes checkpoints).
    cold = [_cold(deck) for _ in range(rounds)]
    watcher = _Watch(deck, options)
    warm = []
    try:
        watcher.next_summary()
        for _ in range(rounds):
            time.sleep(PAUSE_S)  # a lecturer reads the slide between two saves
            for content, fails in ((broken, True), (text, False)):
                saved = _save(deck, content)
                at, counts = watcher.next_summary()
                if counts.startswith("1 failed") != fails or ("failed" in counts) != fails:
                    expected = "1 failed" if fails else "no failure"
                    raise SystemExit(f"{mode}: after a save expected {expected}, got {counts}")
                warm.append(at - saved)
    finally:
        watcher.stop()
    cold += [_cold(deck) for _ in range(rounds)]
    w, c = statistics.median(warm), statistics.median(cold)
    session = statistics.median(watcher.sessions[1:])
    ratio = w / c
    verdict = "meets" if ratio <= GOAL else "MISSES"
    print(f"  {mode}: save-to-summary median {w:.2f}s ({len(warm)} saves) vs cold pytest "
          f"median {c:.2f}s ({len(cold)} runs): ratio {ratio:.2f} ({verdict} the goal); "
          f"pytest session median {session:.2f}s; load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} CPUs")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("deck", type=Path, nargs="?", default=Path("slides/03-autodiff.md"))
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    return bench(args.deck, args.rounds)


if __name__ == "__main__":
    import sys

    raise SystemExit(main(sys.argv[1:]))
