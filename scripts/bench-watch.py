#!/usr/bin/env python3
"""Benchmark `lecturekit watch`: save-to-summary vs a cold pytest run (lecturekit.author.bench)."""

from __future__ import annotations

import sys

from lecturekit.author.bench import main

if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
