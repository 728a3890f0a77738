"""Benchmark the build against bare marp-cli, both measured in this run, interleaved.

    .venv/bin/python scripts/bench-build.py [--runs 5] [--deck slides/03-autodiff.md]

Ours: the deck is touched, then `make slides` rebuilds it (lint, HTML, every
Chromium check, PDF with outline, publish).  Baseline: bare marp-cli, as a
user without this project would run it: `marp --html` then `marp --pdf` (same
config, local files allowed), no checks.  Runs alternate which goes first;
the medians' ratio is printed with its goal (<= 0.9).  Timings on a shared
machine are noisy: compare ratios, not seconds.
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

ROOT = Path(__file__).resolve().parents[1]
MARP = ROOT / "node_modules" / ".bin" / "marp"
GOAL = 0.9


def timed(command: list[str], **kwargs) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"bench-build: {' '.join(command)} failed:\n{done.stdout}{done.stderr}")
    return seconds


def ours(deck: Path) -> float:
    os.utime(deck)
    return timed(["make", "-s", "-C", str(ROOT), "slides"])


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
    times: dict[str, list[float]] = {"ours": [], "bare": []}
    with tempfile.TemporaryDirectory(prefix="bench-build-") as scratch:
        ours(deck)  # warm-up: caches, and an up-to-date dist/ for the other decks
        for run in range(args.runs):
            order = ("ours", "bare") if run % 2 == 0 else ("bare", "ours")
            for who in order:
                times[who].append(ours(deck) if who == "ours" else bare(deck, Path(scratch)))
    mine, theirs = statistics.median(times["ours"]), statistics.median(times["bare"])
    ratio = mine / theirs
    verdict = "met" if ratio <= GOAL else "MISSED"
    print(f"[bench] build {deck.name}, {args.runs} interleaved runs (medians):")
    print(f"[bench]   touched-deck `make slides`        {mine:6.2f} s  "
          f"(runs: {', '.join(f'{t:.2f}' for t in times['ours'])})")
    print(f"[bench]   bare marp-cli --html, then --pdf  {theirs:6.2f} s  "
          f"(runs: {', '.join(f'{t:.2f}' for t in times['bare'])})")
    print(f"[bench]   ratio {ratio:.2f} (goal <= {GOAL}): {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
