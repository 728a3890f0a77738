#!/usr/bin/env python3
"""Benchmark the slide checker (see lecturekit.check.bench).

(a) per-block overhead on a generated 1000-block deck, beside Sybil and
    pytest-codeblocks on equivalent input, in one run;
(b) the real lecture deck against a floor of `import torch` + plain exec.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lecturekit.check.bench import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
