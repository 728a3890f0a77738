"""Benchmark of `lecturekit watch`: save-to-result on a copy of a deck vs a cold pytest run.

Both are measured in the same run, on the same copy, so a busy machine slows
both: the ratio (median warm / median cold) is the figure to read, not the
seconds.  The goal (issue 22) is a ratio of at most 0.25 for edits of an
expected output in the first, middle and last third of the deck, each saved
one second after the previous result.  The cold runs are made before the
watcher starts and after it stops, never beside it.

Warm: `lecturekit watch COPY` runs in the background, once as it is by
default (checkpoints taken while each run goes, lecturekit.check.checkpoints)
and once with --no-reuse (every block runs on every save: the figure before
checkpoints); each save breaks or restores a `# ->` expected output at the
three places by turns (written and renamed, as editors save) and is timed
until the watcher prints pytest's summary line for it, which must say what the
edit implies (one failure, then none) or the benchmark fails.  Cold: `python
-m pytest COPY`, start to exit.
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
PAUSE_S = 1.0
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


def _places(text: str) -> list[tuple[int, str, str]]:
    """(line, broken text, text) for an expected output in the middle of each third."""
    found = list(_EXPECTATION.finditer(text))
    if len(found) < 3:
        raise SystemExit("the deck needs three `# ->` expected outputs")
    places = []
    for third in (1, 3, 5):
        match = found[len(found) * third // 6]
        broken = text[:match.start(1)] + "BROKEN" + text[match.end(1):]
        places.append((text[:match.start()].count("\n") + 1, broken, text))
    return places


def bench(source: Path, rounds: int) -> int:
    text = source.read_text(encoding="utf-8")
    places = _places(text)
    lines = ", ".join(str(line) for line, _, _ in places)
    print(f"watch benchmark: {source}, the expected outputs on lines {lines} (first, middle "
          f"and last third) broken and restored by turns, each save {PAUSE_S:.0f}s after the "
          f"previous result; per mode {2 * rounds} cold runs (half before the watcher starts, "
          f"half after it stops) and {6 * rounds} saves")
    for mode, options in (("default (checkpoints)", []),
                          ("--no-reuse (every block runs; before checkpoints)", ["--no-reuse"])):
        with tempfile.TemporaryDirectory(prefix="bench-watch-") as tmp:
            deck = Path(tmp) / source.name
            shutil.copyfile(source, deck)
            _mode(mode, options, deck, places, rounds)
    print(f"(seconds are wall time on a shared machine; the ratio, measured in one run, is "
          f"the figure; goal <= {GOAL} for the default mode)")
    return 0


def _mode(mode: str, options: list[str], deck: Path, places: list[tuple[int, str, str]],
          rounds: int) -> None:
    cold = [_cold(deck) for _ in range(rounds)]
    watcher = _Watch(deck, options)
    warm: dict[int, list[float]] = {line: [] for line, _, _ in places}
    try:
        watcher.next_summary()
        for _ in range(rounds):
            for line, broken, text in places:
                for content, fails in ((broken, True), (text, False)):
                    time.sleep(PAUSE_S)  # one second after the previous result
                    saved = _save(deck, content)
                    at, counts = watcher.next_summary()
                    if counts.startswith("1 failed") != fails or ("failed" in counts) != fails:
                        expected = "1 failed" if fails else "no failure"
                        raise SystemExit(f"{mode}: after a save at line {line} expected "
                                         f"{expected}, got {counts}")
                    warm[line].append(at - saved)
    finally:
        watcher.stop()
    cold += [_cold(deck) for _ in range(rounds)]
    every = [t for times in warm.values() for t in times]
    w, c = statistics.median(every), statistics.median(cold)
    ratio = w / c
    verdict = "PASS" if ratio <= GOAL else "MISS"
    per_place = ", ".join(f"line {line} {statistics.median(times):.2f}s"
                          for line, times in warm.items())
    goal = f"goal <= {GOAL}: {verdict}" if not options else "no goal"
    print(f"  {mode}: save-to-result median {w:.2f}s ({len(every)} saves; {per_place}) vs "
          f"cold pytest median {c:.2f}s ({len(cold)} runs): ratio {ratio:.2f} ({goal}); "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("deck", type=Path, nargs="?", default=Path("slides/03-autodiff.md"))
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    return bench(args.deck, args.rounds)


if __name__ == "__main__":
    import sys

    raise SystemExit(main(sys.argv[1:]))
