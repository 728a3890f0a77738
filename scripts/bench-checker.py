#!/usr/bin/env python3
"""Benchmark the slide checker (see lecturekit.check.bench).

(a) per-block overhead on a generated 1000-block deck, beside Sybil and
    pytest-codeblocks on equivalent input, in one run;
(b) the real lecture deck against a floor of `import torch` + plain exec;
(c) the failure path: 500 vs 5,000 failing blocks, checked and updated;
(d) `make check` on 8 copies of the lecture, two workers vs one process.
`--only overhead|lecture|failures|parallel` runs some parts only.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lecturekit.check.bench import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
