"""A slide's code can neither hang, escape, flood nor kill the check (issue 20, cases 1-5, 9, 10).

Each test is one hostile block, run by the real command in its own process
where the fault could reach the command itself.  Each asserts the block is
named at its line, the run ends in bounded time, and no process the block
started is left (read from /proc).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="process supervision reads /proc (Linux)")

FRONT = "---\nmarp: true\n---\n\n"
CHECKED_PRINT = 'print("still here")  # -> still here'


def deck(folder: Path, name: str, *blocks: str, front: str = "") -> Path:
    """A deck of `blocks`, each a Python fence; the first fence opens at line 5 (+ `front`)."""
    head = FRONT if not front else f"---\nmarp: true\n{front}---\n\n"
    path = folder / name
    path.write_text(head + "\n".join(f"```python\n{code}\n```\n" for code in blocks),
                    encoding="utf-8")
    return path


def check(folder: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`lecturekit check ARGS` in `folder`; `timeout` only bounds a regression (a hang)."""
    return subprocess.run([sys.executable, "-m", "lecturekit", "check", "-p", "no:cacheprovider",
                           "-p", "no:randomly", *args], cwd=folder, capture_output=True,
                          text=True, timeout=timeout)


def alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie does not count)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return False
    return stat.rsplit(b")", 1)[1].split()[0] not in (b"Z", b"X")


def pids_in(path: Path) -> list[int]:
    return [int(p) for p in path.read_text().split()] if path.exists() else []


@pytest.fixture
def outside(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder outside the checked project, for what blocks report about themselves."""
    return tmp_path_factory.mktemp("outside")


# -- case 1: a block that ignores SIGALRM and loops ------------------------------------------


def test_a_block_that_ignores_sigalrm_is_killed_at_its_limit_and_later_blocks_name_it(
        tmp_path, outside):
    record = outside / "pids"
    hung = deck(tmp_path, "hung.md", "x = 1",
                "import signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\n"
                f"import os; open({str(record)!r}, 'w').write(str(os.getpid()))\n"
                "while True:\n    pass", "print(x)  # -> 1")
    (tmp_path / "hung.md").write_text(hung.read_text().replace("```python\nimport signal",
                                                               "```python timeout=1\nimport "
                                                               "signal"))
    other = deck(tmp_path, "other.md", CHECKED_PRINT)
    started = time.monotonic()
    result = check(tmp_path, hung.name, other.name)
    assert time.monotonic() - started < 30
    out = result.stdout
    assert ("hung.md:9: the block exceeded its time limit of 1 s and did not stop; the checker "
            "killed the deck's process") in out
    assert ("hung.md:17: not run: the block at line 9 (slide 1) stopped the deck's process"
            in out)
    assert "2 failed, 2 passed" in out  # x = 1 and the other deck
    assert result.returncode == 1
    assert len(pids_in(record)) == 1 and not alive(pids_in(record)[0])


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_the_first_signal_ends_a_check_stuck_in_a_block_at_once_with_one_line(
        tmp_path, outside, number):
    marker = outside / "running"
    stuck = deck(tmp_path, "stuck.md",
                 f"import signal, os\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\n"
                 f"open({str(marker)!r}, 'w').write(str(os.getpid()))\nwhile True:\n    pass")
    process = subprocess.Popen([sys.executable, "-m", "lecturekit", "check", "-p",
                                "no:cacheprovider", stuck.name], cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for(marker)
        deck_pid = int(marker.read_text())
        process.send_signal(number)
        _, err = process.communicate(timeout=5)
    finally:
        process.kill()
    assert process.returncode == 128 + number
    assert err.strip().splitlines() == [f"lecturekit: stopped by {number.name}; the decks' code "
                                        f"was stopped, no deck was rewritten"]
    assert not alive(deck_pid)


def _wait_for(path: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not (path.exists() and path.read_text()):
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.02)


# -- case 2: a block that forks, with and without setsid ------------------------------------


FORKS = """\
import os, time
pids = []
for detach in (False, True):
    pid = os.fork()
    if pid == 0:
        if detach:
            os.setsid()
            if os.fork():
                os._exit(0)  # a daemon: its parent exits, it is orphaned
        open({path!r}, "a").write(f"{{os.getpid()}} ")
        while True:
            pass
    pids.append(pid)
time.sleep(0.3)"""


def test_processes_a_block_forks_die_with_the_deck_and_are_named(tmp_path, outside):
    record = outside / "pids"
    forks = deck(tmp_path, "forks.md", FORKS.format(path=str(record)), CHECKED_PRINT)
    result = check(tmp_path, forks.name)
    assert "2 passed" in result.stdout
    pids = pids_in(record)
    assert len(pids) == 2
    assert not any(alive(p) for p in pids)
    for pid in pids:
        assert (f"forks.md:5: LeftProcessWarning: the deck left a process running; the checker "
                f"killed it when the deck ended: pid {pid}") in result.stdout


# -- case 3: a block that kills its parent --------------------------------------------------


def test_os_kill_of_the_blocks_parent_is_refused_at_its_line_and_the_deck_goes_on(tmp_path):
    killer = deck(tmp_path, "killer.md", "import os\nos.kill(os.getppid(), 9)", CHECKED_PRINT)
    result = check(tmp_path, killer.name)
    assert "killer.md:7: PermissionError raised" in result.stdout
    assert ("PermissionError: slide code may not signal the checker or the deck's parent process "
            "(os.kill(" in result.stdout)
    assert "1 failed, 1 passed" in result.stdout


def test_a_block_killing_its_parent_by_a_shell_fails_and_the_callers_shell_goes_on(
        tmp_path, outside):
    record = outside / "pids"
    killer = deck(tmp_path, "killer.md",
                  f"import os, subprocess, time\n"
                  f"open({str(record)!r}, 'w').write(str(os.getpid()))\n"
                  "subprocess.run(['kill', '-9', str(os.getppid())])\ntime.sleep(5)",
                  CHECKED_PRINT)
    other = deck(tmp_path, "other.md", CHECKED_PRINT)
    command = (f"{sys.executable} -m lecturekit check -p no:cacheprovider {killer.name} "
               f"{other.name}; echo shell still here, check said $?")
    result = subprocess.run(["sh", "-c", command], cwd=tmp_path, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0
    assert result.stdout.rstrip().endswith("shell still here, check said 1")
    assert ("killer.md:5: the deck's parent process was killed by SIGKILL (slide code must not "
            "signal it); the checker stopped the deck") in result.stdout
    assert "killer.md:12: not run: the block at line 5 (slide 1)" in result.stdout
    assert "2 failed, 1 passed" in result.stdout
    assert "LeftProcessWarning" not in result.stdout
    assert len(pids_in(record)) == 1 and not alive(pids_in(record)[0])


# -- case 4: output floods and memory ---------------------------------------------------------


def test_a_huge_line_on_stdout_is_capped_and_reported_with_its_size_head_and_tail(tmp_path):
    flood = deck(tmp_path, "flood.md",
                 'print("head" + "x" * 50_000_000 + "tail")', CHECKED_PRINT)
    result = check(tmp_path, "--max-output", "10K", flood.name)
    out = result.stdout
    assert ("flood.md:6: the block printed 47.7 MiB (50000009 bytes), more than the limit of "
            "10 KiB per block") in out
    assert "xxxxtail" in out
    assert len(out) < 100_000
    assert "1 failed, 1 passed" in out


def test_a_block_allocating_past_the_memory_limit_fails_at_its_line_and_the_next_deck_runs(
        tmp_path):
    hog = deck(tmp_path, "hog.md", "big = bytearray(2_000_000_000)", front="memory: 300M\n")
    other = deck(tmp_path, "other.md", CHECKED_PRINT)
    result = check(tmp_path, hog.name, other.name)
    out = result.stdout
    assert "hog.md:7: MemoryError raised (slide 1)" in out
    assert "note: the deck's memory limit is 300 MiB (front matter `memory:` or --deck-memory)" \
        in out
    assert "1 failed, 1 passed" in out


def test_a_bad_memory_size_in_the_front_matter_is_a_deck_error_naming_the_file(tmp_path):
    bad = deck(tmp_path, "bad.md", CHECKED_PRINT, front="memory: lots\n")
    result = check(tmp_path, bad.name)
    assert "bad.md:1: front matter: not a size: 'lots'" in result.stdout


def test_the_deck_wall_time_limit_stops_a_deck_whose_blocks_each_stay_in_their_own(tmp_path):
    slow = deck(tmp_path, "slow.md", "import time\ntime.sleep(0.8)", "time.sleep(0.8)",
                CHECKED_PRINT)
    result = check(tmp_path, "--deck-timeout", "1", slow.name)
    assert ("slow.md:10: the deck exceeded its time limit of 1 s (front matter `deck-timeout:` "
            "or --deck-timeout)") in result.stdout
    assert "slow.md:14: not run: the block at line 10" in result.stdout


# -- case 5: a non-daemon thread ---------------------------------------------------------------


def test_a_non_daemon_thread_never_keeps_python_m_pytest_from_exiting(tmp_path):
    threaded = deck(tmp_path, "threaded.md",
                    "import threading, time\n"
                    "threading.Thread(target=time.sleep, args=(3600,)).start()", CHECKED_PRINT)
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider",
                             threaded.name], cwd=tmp_path, capture_output=True, text=True,
                            timeout=60)
    assert time.monotonic() - started < 30
    assert "2 passed" in result.stdout
    assert result.returncode == 0


# -- case 9: update-outputs is all or nothing --------------------------------------------------


def test_sigterm_during_update_outputs_rewrites_nothing_and_fails_no_block(tmp_path, outside):
    marker = outside / "second"
    stale = deck(tmp_path, "stale.md", "print(1)  # -> 0",
                 f"open({str(marker)!r}, 'w').write('x')\nimport time\ntime.sleep(60)\n"
                 f"print(2)  # -> 0")
    before = stale.read_bytes()
    process = subprocess.Popen([sys.executable, "-m", "lecturekit", "check", "-p",
                                "no:cacheprovider", "--update-outputs", stale.name],
                               cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    try:
        _wait_for(marker)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=5)
    finally:
        process.kill()
    assert stale.read_bytes() == before
    assert "received SIGTERM" not in out
    assert "stopped by SIGTERM" in err
    assert not list(tmp_path.glob("*.tmp*")) and sorted(p.name for p in tmp_path.iterdir()) == [
        "stale.md"]


def test_a_complete_update_outputs_run_rewrites_every_stale_output(tmp_path):
    stale = deck(tmp_path, "stale.md", "print(1)  # -> 0", "print(2)  # -> 0")
    result = check(tmp_path, "--update-outputs", stale.name)
    assert "updated 2 expected output(s) in stale.md" in result.stdout
    assert "# -> 1" in stale.read_text() and "# -> 2" in stale.read_text()


# -- case 10: writes into the project -----------------------------------------------------------


def test_a_block_writing_into_the_project_fails_naming_each_file(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    slides = tmp_path / "slides"
    slides.mkdir()
    deck(slides, "writer.md",
                  "open('planted.md', 'w').write('---\\nmarp: true\\n---\\n')\n"
                  "open('writer.md', 'a').write('\\n')", CHECKED_PRINT)
    result = check(tmp_path, "slides/writer.md")
    out = result.stdout
    assert "slides/writer.md:6: the block changed files of the project: " in out
    assert "created slides/planted.md" in out
    assert "changed slides/writer.md" in out
    assert "1 failed, 1 passed" in out


def test_a_block_reading_the_project_and_writing_outside_it_passes(tmp_path, outside):
    reader = deck(tmp_path, "reader.md",
                  f"text = open('reader.md').read()\n"
                  f"open({str(outside / 'copy.md')!r}, 'w').write(text)", CHECKED_PRINT)
    result = check(tmp_path, reader.name)
    assert "2 passed" in result.stdout
