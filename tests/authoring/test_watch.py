"""`lecturekit watch`: a re-check on every save, warm, with the reports of a cold pytest run."""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from authoring_helpers import FIXTURES

from lecturekit.author.watch import deck_imports
from lecturekit.deck import parse_deck

SUMMARY = re.compile(r"^\d+ (?:passed|failed)\b.* in [\d.]+s$")


class Watcher:
    """`lecturekit watch DECK` in the background; its output read line by line."""

    def __init__(self, deck: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "lecturekit", "watch", deck.name], cwd=deck.parent,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True)
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def next_run(self, timeout: float = 120) -> list[str]:
        """The lines of the next run, up to and including the watcher's closing line."""
        seen: list[str] = []
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError("no run finished in time:\n" + "\n".join(seen)) from None
            seen.append(line)
            if line.startswith("[watch] checked in "):
                return seen

    def stop(self) -> int:
        os.killpg(self.process.pid, signal.SIGINT)
        return self.process.wait(timeout=30)


@pytest.fixture
def watcher(tiny: Path):
    w = Watcher(tiny)
    yield w
    if w.process.poll() is None:
        os.killpg(w.process.pid, signal.SIGKILL)
        w.process.wait()


def summary(lines: list[str]) -> str:
    (line,) = [ln for ln in lines if SUMMARY.match(ln)]
    return re.sub(r" in [\d.]+s$", "", line)


def save(deck: Path, old: str, new: str) -> None:
    """Save as editors do: write a new file and rename it over the deck."""
    text = deck.read_text(encoding="utf-8")
    assert old in text
    tmp = deck.with_name(f".{deck.name}.swp")
    tmp.write_text(text.replace(old, new), encoding="utf-8")
    os.replace(tmp, deck)


def test_each_save_reruns_the_check_with_one_summary_line(watcher: Watcher, tiny: Path) -> None:
    first = watcher.next_run()
    assert first[0] == "" and first[1] == "[watch] tiny.md: start; checking"
    assert summary(first) == "2 passed"

    save(tiny, "# -> 42", "# -> 43")
    broken = watcher.next_run()
    assert broken[1] == "[watch] tiny.md: tiny.md changed; checking"
    assert summary(broken) == "1 failed, 1 passed"
    assert "tiny.md:18: output differs from the slide (slide 2 “かけ算”)" in broken
    assert "> 18 | print(x * 21)  # -> 43" in broken

    save(tiny, "# -> 43", "# -> 42")
    assert summary(watcher.next_run()) == "2 passed"
    assert watcher.stop() == 0


def test_other_files_in_the_folder_do_not_trigger_a_run(watcher: Watcher, tiny: Path) -> None:
    watcher.next_run()
    (tiny.parent / "notes.txt").write_text("x", encoding="utf-8")
    save(tiny, "# -> 42", "# -> 42 ")  # trailing space: same check, a new run
    run = watcher.next_run()
    assert run[1] == "[watch] tiny.md: tiny.md changed; checking"
    assert watcher.lines.empty()


def test_warm_runs_report_exactly_what_a_cold_pytest_run_reports(tmp_path: Path) -> None:
    """Seeding, a fresh namespace and the failure report: warm twice, then cold."""
    deck = tmp_path / "seeded.md"
    deck.write_text((FIXTURES / "seeded.md").read_text(encoding="utf-8").replace(
        '{"x": 6}', '{"x": 1}'), encoding="utf-8")
    w = Watcher(deck)
    try:
        warm = [w.next_run(), None]
        save(deck, "random", "random")  # the same text, saved again
        warm[1] = w.next_run()
    finally:
        w.stop()
    cold = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           deck.name], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300, check=False).stdout.splitlines()

    def report(lines: list[str]) -> list[str]:
        start = next(i for i, ln in enumerate(lines) if ln.startswith("seeded.md:"))
        end = next(i for i, ln in enumerate(lines) if "slide decks" in ln)
        return lines[start:end]

    expected = report(cold)
    assert "seeded.md:13: output differs from the slide (slide 1 “乱数は毎回同じ”)" in expected
    assert '-{"x": 1}' in expected and '+{"x": 6}' in expected  # seeded: randint gives 6
    assert report(warm[0]) == expected
    assert report(warm[1]) == expected  # the second run starts from a fresh namespace too


def test_the_kernel_is_told_the_decks_top_level_imports() -> None:
    deck = parse_deck("---\nmarp: true\nsetup: |\n  import torch\n---\n\n"
                      "```python\nimport numpy as np\nfrom collections import abc\n"
                      "from . import local\nif True:\n    import json\n```\n\n"
                      "```pycon\n>>> import math\n>>> 1\n1\n```\n")
    assert deck_imports(deck) == ["torch", "numpy", "collections", "math"]


FOUR_BLOCKS = """---
marp: true
setup: |
  import time
---

```python
LOG = {log!r}
def mark(name):
    with open(LOG, "a", encoding="utf-8") as handle:
        handle.write(name + "\\n")
    time.sleep(0.03)  # enough work for a checkpoint after each block
mark("one")
values = [1, 2, 3]
```

---

```python
mark("two")
print(sum(values))  # -> 6
```

---

```python
mark("three")
values.append(4)
print(len(values))  # -> 4
```

---

```python
mark("four")
print(values[0] * 10)  # -> 10
```
"""


@pytest.fixture
def four(tmp_path: Path) -> tuple[Path, Path]:
    """A four-block deck whose blocks log their names to a file outside its project."""
    log = tmp_path / "ran.log"
    folder = tmp_path / "deck"
    folder.mkdir()
    deck = folder / "four.md"
    deck.write_text(FOUR_BLOCKS.format(log=str(log)), encoding="utf-8")
    return deck, log


def ran(log: Path) -> list[str]:
    """The blocks that ran since the last call (their logged names), in order."""
    names = log.read_text(encoding="utf-8").split() if log.exists() else []
    log.unlink(missing_ok=True)
    return names


def session_processes(leader: int) -> dict[int, int]:
    """pid -> process group of every live process in the session `leader` started (/proc)."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if fields[0] not in (b"Z", b"X") and int(fields[3]) == leader:
            found[int(entry)] = int(fields[2])
    return found


def checkpoints_of(w: Watcher) -> set[int]:
    """The watcher's checkpoint processes: in its session, in a keeper's process group."""
    return {pid for pid, group in session_processes(w.process.pid).items()
            if group != w.process.pid}


def cold_report(deck: Path) -> list[str]:
    lines = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                            deck.name], cwd=deck.parent, capture_output=True, text=True,
                           timeout=300, check=False).stdout.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith(f"{deck.name}:"))
    return lines[start:next(i for i, ln in enumerate(lines) if "slide decks" in ln) + 2]


def test_a_save_after_a_result_reuses_the_blocks_above_the_edit(four: tuple[Path, Path]
                                                                 ) -> None:
    """Checkpoints come from the run that gave the result: a save one second later runs
    only the edited block, and reports what a cold run reports."""
    deck, log = four
    w = Watcher(deck)
    try:
        assert summary(w.next_run()) == "4 passed"
        assert ran(log) == ["one", "two", "three", "four"]
        time.sleep(1)
        save(deck, "values[0] * 10", "values[0] * 11")
        broken = w.next_run()
        assert ran(log) == ["four"]
        assert "(blocks 1-3 not run again: state and results kept from the run before)" \
            in broken[-1]
        time.sleep(1)
        save(deck, "values[0] * 11", "values[0] * 10")
        assert summary(w.next_run()) == "4 passed"
        assert ran(log) == ["four"]
    finally:
        w.stop()
    save(deck, "values[0] * 10", "values[0] * 11")
    report = cold_report(deck)
    ran(log)
    assert "four.md:36: output differs from the slide (slide 4)" in report[0]
    assert "+11" in report
    start = next(i for i, ln in enumerate(broken) if ln.startswith("four.md:"))
    assert broken[start:start + len(report)] == report
    assert summary(broken) == "1 failed, 3 passed"


def test_a_changed_expected_output_alone_runs_no_block(four: tuple[Path, Path]) -> None:
    """The block's output is known from the run before: its new expectation is checked
    against it, and the report is a cold run's."""
    deck, log = four
    w = Watcher(deck)
    try:
        w.next_run()
        ran(log)
        time.sleep(1)
        save(deck, "# -> 6", "# -> 7")
        broken = w.next_run()
        assert ran(log) == []
        assert ("(blocks 1-4 not run again: state and results kept from the run before, 1 of "
                "them with a changed expected output checked against the output recorded "
                "then)") in broken[-1]
        time.sleep(1)
        save(deck, "# -> 7", "# -> 6")
        assert summary(w.next_run()) == "4 passed"
        assert ran(log) == []
    finally:
        w.stop()
    save(deck, "# -> 6", "# -> 7")
    report = cold_report(deck)
    ran(log)
    assert "four.md:21: output differs from the slide (slide 2)" in report[0]
    assert "-7" in report and "+6" in report
    start = next(i for i, ln in enumerate(broken) if ln.startswith("four.md:"))
    assert broken[start:start + len(report)] == report
    assert summary(broken) == "1 failed, 3 passed"


def test_an_edit_above_a_checkpoint_discards_it(four: tuple[Path, Path]) -> None:
    deck, log = four
    w = Watcher(deck)
    try:
        w.next_run()
        ran(log)
        before = checkpoints_of(w)
        assert len(before) == 4  # after each block
        time.sleep(1)
        save(deck, "sum(values)", "sum(values) + 1")  # block two's code: those below are stale
        run = w.next_run()
        assert ran(log) == ["two", "three", "four"]
        assert "(blocks 1-1 not run again" in run[-1]
        assert summary(run) == "1 failed, 3 passed"
        deadline = time.monotonic() + 10
        while len(before & checkpoints_of(w)) != 1 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(before & checkpoints_of(w)) == 1  # only the one above the edit is kept
    finally:
        w.stop()


def test_a_checkpoint_whose_blocks_read_a_changed_file_is_not_used(tmp_path: Path) -> None:
    """The first block reads a file beside the deck: once it changed, every block runs."""
    (tmp_path / "data.txt").write_text("a\n", encoding="utf-8")
    deck = tmp_path / "reads.md"
    deck.write_text("---\nmarp: true\n---\n\n```python\n"
                    "text = open('data.txt').read().strip()\n```\n\n---\n\n"
                    "```pycon\n>>> print(text)\na\n>>> 1 + 1\n2\n```\n", encoding="utf-8")
    w = Watcher(deck)
    try:
        assert summary(w.next_run()) == "2 passed"
        time.sleep(1)
        save(deck, ">>> 1 + 1\n2", ">>> 1 + 1\n3")  # a transcript's expected line
        run = w.next_run()
        assert "(blocks 1-2 not run again" in run[-1]
        assert "1 of them with a changed expected output" in run[-1]
        assert summary(run) == "1 failed, 1 passed"
        (tmp_path / "data.txt").write_text("b\n", encoding="utf-8")
        time.sleep(1)
        save(deck, "a\n>>> 1 + 1\n3", "b\n>>> 1 + 1\n2")
        run = w.next_run()
        assert "not run again" not in run[-1]
        assert summary(run) == "2 passed"  # the block read the new file
    finally:
        w.stop()


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_no_process_is_left_after_watch_ends(four: tuple[Path, Path], stop: int) -> None:
    deck, _ = four
    w = Watcher(deck)
    w.next_run()
    time.sleep(1)
    save(deck, "values[0] * 10", "values[0] * 11")
    assert "not run again" in w.next_run()[-1]
    assert checkpoints_of(w)
    leader = w.process.pid
    if stop == signal.SIGINT:
        os.killpg(leader, signal.SIGINT)  # Ctrl-C in the terminal
    else:
        os.kill(leader, signal.SIGTERM)
    w.process.wait(timeout=30)
    deadline = time.monotonic() + 10
    while session_processes(leader) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert session_processes(leader) == {}


def test_no_reuse_runs_every_block_on_every_save(tmp_path: Path) -> None:
    deck = tmp_path / "slow.md"
    shutil.copyfile(FIXTURES / "slow.md", deck)
    process = subprocess.Popen([sys.executable, "-m", "lecturekit", "watch", "--no-reuse",
                                deck.name], cwd=tmp_path, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    w = Watcher.__new__(Watcher)
    w.process, w.lines = process, queue.Queue()
    threading.Thread(target=w._read, daemon=True).start()
    try:
        w.next_run()
        for _ in range(3):
            time.sleep(1)
            save(deck, "# -> 3", "# -> 3")
            assert "not run again" not in w.next_run()[-1]
    finally:
        w.stop()
