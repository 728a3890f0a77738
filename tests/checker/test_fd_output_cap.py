"""Output written to fds 1 and 2 directly is capped like printed output (issue 20, case 4).

`os.write(1, ...)` and a subprocess's output bypass `sys.stdout`; the deck
process's fds 1/2 lead to pipes the runner reads (`DescriptorCap`), passing
on at most the block's output limit.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="the deck process is forked (POSIX)")

CHECKED_PRINT = 'print("still here")  # -> still here'


def deck(folder: Path, name: str, *blocks: str) -> Path:
    """A deck of `blocks`; the first fence opens at line 5."""
    path = folder / name
    path.write_text("---\nmarp: true\n---\n\n"
                    + "\n".join(f"```python\n{code}\n```\n" for code in blocks), encoding="utf-8")
    return path


def check(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lecturekit", "check", "-p", "no:cacheprovider",
                           "-p", "no:randomly", *args], cwd=folder, capture_output=True,
                          text=True, timeout=120)


def test_a_huge_write_to_fd_1_is_capped_and_reported_with_its_size_head_and_tail(tmp_path):
    flood = deck(tmp_path, "flood.md",
                 'import os\nn = os.write(1, b"head" + b"x" * 50_000_000 + b"tail")',
                 CHECKED_PRINT)
    result = check(tmp_path, "-s", "--max-output", "10K", flood.name)
    out = result.stdout
    assert ("flood.md:7: the block wrote 47.7 MiB (50000008 bytes) to file descriptors 1/2 "
            "directly, more than the limit of 10 KiB per block (front matter `max-output:` or "
            "--max-output); its first and last 1000 bytes:") in out
    assert "xxxxtail" in out
    assert len(out) < 100_000  # the head passed on (10 KiB) and the report, not 50 MB
    assert "1 failed, 1 passed" in out


def test_what_a_subprocess_writes_to_fd_2_counts_for_the_block_that_started_it(tmp_path):
    noisy = deck(tmp_path, "noisy.md",
                 "import subprocess, sys\n"
                 "subprocess.run([sys.executable, '-c', "
                 "'import sys; sys.stderr.write(\"e\" * 3_000_000)'])", CHECKED_PRINT)
    result = check(tmp_path, "--max-output", "1M", noisy.name)
    assert ("noisy.md:7: the block wrote 2.86 MiB (3000000 bytes) to file descriptors 1/2 "
            "directly, more than the limit of 1 MiB per block") in result.stdout
    assert "1 failed, 1 passed" in result.stdout


def test_small_direct_writes_pass_through_and_the_block_passes(tmp_path):
    quiet = deck(tmp_path, "quiet.md",
                 "import os, subprocess\nn = os.write(1, b'direct\\n')\n"
                 "subprocess.run(['echo', 'from a child'])", CHECKED_PRINT)
    result = check(tmp_path, "-s", quiet.name)
    assert "2 passed" in result.stdout
    assert "direct\n" in result.stdout and "from a child\n" in result.stdout
