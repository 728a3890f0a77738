"""Benchmark the build against bare marp-cli, both measured in this run, interleaved.

    .venv/bin/python scripts/bench/build.py [--runs 5] [--deck slides/03-autodiff.md]

Ours: the deck is touched, then `make slides` rebuilds it (lint, HTML, every
Chromium check, PDF with outline, publish; the code check's verdict is the
record of its last pass, since the deck's code did not change).  Also timed:
`CHECK=fresh make slides`, which runs the code check again alongside the
render, as a build after an edit to the deck's code does.  Baseline: bare
marp-cli, as a user without this project would run it: `marp --html` then
`marp --pdf` (same config, local files allowed), no checks.  The three run
in rotating order; the medians' ratios are printed, the touched deck's with
its goal (<= 0.9).  Timings on a shared machine are noisy: compare ratios,
not seconds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MARP = ROOT / "node_modules" / ".bin" / "marp"
GOAL = 0.9


def timed(command: list[str], **kwargs) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"bench-build: {' '.join(command)} failed:\n{done.stdout}{done.stderr}")
    return seconds


def ours(deck: Path, fresh: bool = False) -> float:
    os.utime(deck)
    env = {**os.environ, "CHECK": "fresh" if fresh else "1"}
    return timed(["make", "-s", "-C", str(ROOT), "slides"], env=env)


def bare(deck: Path, scratch: Path) -> float:
    common = [str(MARP), "--config-file", str(ROOT / "marp.config.mjs"), "--no-stdin",
              "--allow-local-files"]
    started = time.perf_counter()
    timed([*common, "--html", str(deck), "-o", str(scratch / f"{deck.stem}.html")])
    timed([*common, "--pdf", str(deck), "-o", str(scratch / f"{deck.stem}.pdf")])
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--deck", type=Path, default=ROOT / "slides" / "03-autodiff.md")
    args = parser.parse_args()
    deck = args.deck.resolve()
    if deck.parent != ROOT / "slides":
        sys.exit("bench-build: --deck must be a deck in slides/ (make slides builds those)")
    runs = {
        "ours": lambda: ours(deck),
        "fresh": lambda: ours(deck, fresh=True),
        "bare": lambda: bare(deck, Path(scratch)),
    }
    times: dict[str, list[float]] = {who: [] for who in runs}
    order = list(runs)
    with tempfile.TemporaryDirectory(prefix="bench-build-") as scratch:
        ours(deck)  # warm-up: caches, an up-to-date dist/ and the code check's record
        for run in range(args.runs):
            for who in order[run % 3:] + order[:run % 3]:
                times[who].append(runs[who]())
    median = {who: statistics.median(values) for who, values in times.items()}
    ratio = median["ours"] / median["bare"]
    verdict = "met" if ratio <= GOAL else "MISSED"
    print(f"[bench] build {deck.name}, {args.runs} runs each, in rotating order (medians):")
    labels = {"ours": "touched-deck `make slides`       ",
              "fresh": "`CHECK=fresh make slides`        ",
              "bare": "bare marp-cli --html, then --pdf "}
    for who, label in labels.items():
        print(f"[bench]   {label} {median[who]:6.2f} s  "
              f"(runs: {', '.join(f'{t:.2f}' for t in times[who])})")
    print(f"[bench]   ratio {ratio:.2f} (goal <= {GOAL}): {verdict}")
    print(f"[bench]   with the code check run again (CHECK=fresh): "
          f"{median['fresh'] / median['bare']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
