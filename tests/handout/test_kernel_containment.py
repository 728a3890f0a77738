"""The handout's notebook kernel is held to the checker's limits (issue 20, through `handout`).

`lecturekit handout` executes the deck in a real Jupyter kernel; the kernel
starts under the checker's keeper (`lecturekit/check/runner.py`,
`kernel_command`).  Each test is one hostile cell run by the real command
in its own process: the handout fails (or finishes) in bounded time, naming
the cell's deck line, and nothing the cell started is left (read from /proc).
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="process supervision reads /proc (Linux)")


def deck(folder: Path, name: str, code: str, front: str = "", fence: str = "python") -> Path:
    """A one-slide deck whose one block's first line is deck line 8 (+1 per `front` line)."""
    path = folder / name
    path.write_text(f"---\nmarp: true\n{front}---\n\n# a\n\n```{fence}\n{code}\n```\n",
                    encoding="utf-8")
    return path


def handout(path: Path, timeout: float = 90) -> tuple[subprocess.CompletedProcess[str], float]:
    """`lecturekit handout PATH` and its wall time; `timeout` only bounds a regression."""
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "lecturekit", "handout", path.name],
                            cwd=path.parent, capture_output=True, text=True, timeout=timeout)
    return result, time.monotonic() - started


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return False
    return stat.rsplit(b")", 1)[1].split()[0] not in (b"Z", b"X")


@pytest.fixture
def outside(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("outside")


FORKS = """\
import os, time
for detach in (False, True):
    if os.fork() == 0:
        if detach:
            os.setsid()
            if os.fork():
                os._exit(0)  # a daemon: its parent exits, it is orphaned
        open({path!r}, "a").write(f"{{os.getpid()}} ")
        while True:
            pass
time.sleep(0.3)"""


def test_processes_a_cell_forks_are_killed_after_the_handout_and_named_at_its_line(
        tmp_path, outside):
    record = outside / "pids"
    forks = deck(tmp_path, "forks.md", FORKS.format(path=str(record)))
    result, _ = handout(forks)
    assert result.returncode == 0, result.stderr
    pids = [int(p) for p in record.read_text().split()]
    assert len(pids) == 2
    assert not any(alive(p) for p in pids)
    for pid in pids:
        assert (f"[handout] forks: forks.md:8: the code left a process running; it was killed "
                f"when the notebook was done: pid {pid} `") in result.stderr
    assert (tmp_path / "dist" / "forks.ipynb").is_file()


def test_a_cell_allocating_past_the_memory_limit_fails_at_its_line_naming_the_limit(tmp_path):
    hog = deck(tmp_path, "hog.md", "x = 1\nbig = bytearray(5_000_000_000)", front="memory: 2G\n")
    result, _ = handout(hog)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "error: hog.md:10 (slide 1): a code cell failed in the notebook: MemoryError (the "
        "deck's memory limit is 2 GiB: front matter `memory:`)")
    assert not (tmp_path / "dist" / "hog.ipynb").exists()


def test_a_bad_memory_size_is_a_deck_error_naming_the_file(tmp_path):
    bad = deck(tmp_path, "bad.md", "print(1)", front="memory: lots\n")
    result, _ = handout(bad)
    assert "error: bad.md:1: front matter: not a size: 'lots'" in result.stderr


def test_a_huge_print_is_capped_and_reported_with_its_size_head_and_tail(tmp_path):
    flood = deck(tmp_path, "flood.md", 'print("head" + "x" * 30_000_000 + "tail")',
                 front="max-output: 10K\n")
    result, _ = handout(flood)
    err = result.stderr
    assert result.returncode == 1
    assert ("error: flood.md:9 (slide 1): a code cell printed 28.6 MiB (30000009 bytes), more "
            "than the limit of 10 KiB per block (front matter `max-output:`); its first and "
            "last 1000 characters:\nheadxxx") in err
    assert "[... 29998009 bytes not shown ...]" in err
    assert err.rstrip().endswith("xxxtail")
    assert len(err) < 10_000 and len(result.stdout) < 10_000


def test_a_huge_write_to_fd_1_is_capped_and_never_reaches_the_terminal(tmp_path):
    """ipykernel forwards fd 1 from a thread of its own: what it has forwarded when the cell
    ends is what is counted (under load, less than was written), always past the limit."""
    flood = deck(tmp_path, "flood.md",
                 'import os\nn = os.write(1, b"head" + b"x" * 30_000_000 + b"tail")',
                 front="max-output: 10K\n")
    result, _ = handout(flood)
    err = result.stderr
    assert result.returncode == 1
    printed = re.search(r"error: flood\.md:9 \(slide 1\): a code cell printed [\d.]+ [KM]iB "
                        r"\((\d+) bytes\), more than the limit of 10 KiB per block \(front "
                        r"matter `max-output:`\); its first and last 1000 characters:\nheadxxx",
                        err)
    assert printed is not None, err[:2000]
    assert 10 * 1024 < int(printed[1]) <= 30_000_008
    assert len(err) < 10_000 and len(result.stdout) < 10_000


def test_os_kill_of_the_kernels_parent_is_refused_at_its_line(tmp_path):
    killer = deck(tmp_path, "killer.md", "import os\nos.kill(os.getppid(), 9)")
    result, _ = handout(killer)
    assert result.returncode == 1
    assert ("error: killer.md:9 (slide 1): a code cell failed in the notebook: PermissionError: "
            "slide code may not signal the checker or the deck's parent process (os.kill("
            in result.stderr)


def test_a_cell_killing_its_parent_by_a_shell_fails_at_its_line_and_the_shell_goes_on(
        tmp_path, outside):
    record = outside / "pids"
    killer = deck(tmp_path, "killer.md",
                  f"import os, subprocess, time\n"
                  f"open({str(record)!r}, 'w').write(str(os.getpid()))\n"
                  "subprocess.run(['kill', '-9', str(os.getppid())])\ntime.sleep(30)")
    command = (f"{sys.executable} -m lecturekit handout {killer.name}; "
               f"echo shell still here, handout said $?")
    started = time.monotonic()
    result = subprocess.run(["sh", "-c", command], cwd=tmp_path, capture_output=True,
                            text=True, timeout=90)
    assert time.monotonic() - started < 25
    assert result.stdout.strip() == "shell still here, handout said 1"
    assert ("error: killer.md:8 (slide 1): a code cell failed in the notebook: kernel failed: "
            "Kernel died: the kernel's parent process was killed by SIGKILL (slide code must "
            "not signal it)") in result.stderr
    assert not alive(int(record.read_text()))


def test_a_cell_that_ignores_sigalrm_ends_at_its_time_limit(tmp_path, outside):
    record = outside / "pid"
    hung = deck(tmp_path, "hung.md",
                "import os, signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\n"
                f"open({str(record)!r}, 'w').write(str(os.getpid()))\n"
                "while True:\n    pass", fence="python timeout=2")
    result, seconds = handout(hung)
    assert seconds < 25
    assert result.stderr.strip().splitlines()[-1] == (
        "error: hung.md:8 (slide 1): a code cell failed in the notebook: timed out after 2 s "
        "(the block's `timeout=`, default 120 s); the kernel was stopped")
    assert not alive(int(record.read_text()))


def test_the_deck_time_limit_bounds_the_sum_of_its_cells(tmp_path):
    slow = deck(tmp_path, "slow.md", "import time\ntime.sleep(10)", front="deck-timeout: 4\n")
    result, _ = handout(slow)
    assert result.stderr.strip().splitlines()[-1] == (
        "error: slow.md:9 (slide 1): a code cell failed in the notebook: the deck exceeded its "
        "time limit of 4 s (front matter `deck-timeout:`); the kernel was stopped")
