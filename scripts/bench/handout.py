#!/usr/bin/env python3
"""Benchmark `make handout` for one deck against bare marp-cli `--images png` (goal: ratio <= 1.0).

Both sides start from the same state `make handout` starts from: the slide
build has published `<out>/<deck>.pdf` (built once, untimed).  Runs are
interleaved (handout, marp, handout, marp, ...) so machine load hits both
alike; the ratio of the medians is printed with its goal.  The machine is
shared, so absolute seconds are noisy; the ratio is what to compare.  The
CPU seconds of each run's whole process tree are printed beside, a figure
that load from other work disturbs much less than wall time.

    .venv/bin/python scripts/bench/handout.py [slides/03-autodiff.md] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GOAL = 1.0


def timed(command: list[str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system, the command and all it waited for)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False,
                          env={**os.environ, "CHROME_PATH": os.environ.get(
                              "CHROME_PATH", "/usr/bin/chromium")})
    elapsed = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        tail = "\n  ".join(done.stderr.strip().splitlines()[-5:])
        what = " ".join(command[:3])
        raise SystemExit(f"error: {what}… failed (exit {done.returncode}):\n  {tail}")
    return elapsed, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("deck", type=Path, nargs="?", default=ROOT / "slides" / "03-autodiff.md")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    python = sys.executable
    deck = args.deck.resolve()
    with tempfile.TemporaryDirectory(prefix="bench-handout-") as tmp:
        out, images = Path(tmp) / "dist", Path(tmp) / "images"
        print(f"[bench] {deck.name}: building the slides once (untimed)…", flush=True)
        timed([python, "scripts/build-deck.py", str(deck), "--out", str(out)])
        handout = [python, "scripts/build-handout.py", str(deck), "--out", str(out)]
        marp = [str(ROOT / "node_modules" / ".bin" / "marp"), "--config-file",
                str(ROOT / "marp.config.mjs"), "--no-stdin", "--images", "png", str(deck),
                "-o", str(images / "slide.png")]
        ours: list[tuple[float, float]] = []
        bare: list[tuple[float, float]] = []
        for run in range(1, args.runs + 1):
            ours.append(timed(handout))
            shutil.rmtree(images, ignore_errors=True)
            images.mkdir()
            bare.append(timed(marp))
            print(f"[bench] run {run}: make handout {ours[-1][0]:.2f}s (cpu {ours[-1][1]:.2f}s), "
                  f"marp --images png {bare[-1][0]:.2f}s (cpu {bare[-1][1]:.2f}s)", flush=True)
    wall = [statistics.median(r[0] for r in runs) for runs in (ours, bare)]
    cpu = [statistics.median(r[1] for r in runs) for runs in (ours, bare)]
    ratio = wall[0] / wall[1]
    verdict = "meets" if ratio <= GOAL else "misses"
    print(f"handout: `make handout` {wall[0]:.2f}s vs bare marp --images png {wall[1]:.2f}s "
          f"(medians of {args.runs}, interleaved): ratio {ratio:.2f} "
          f"(goal <= {GOAL:.1f}: {verdict}); cpu {cpu[0]:.2f}s vs {cpu[1]:.2f}s, "
          f"ratio {cpu[0] / cpu[1]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
