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


def test_blocks_above_an_edit_are_reused_and_the_report_is_a_cold_runs(tmp_path: Path) -> None:
    """After a run, checkpoints of the namespace are taken between blocks; an edit further
    down runs from the deepest unchanged one, and reports exactly what a cold run does."""
    deck = tmp_path / "slow.md"
    shutil.copyfile(FIXTURES / "slow.md", deck)
    w = Watcher(deck)
    try:
        assert summary(w.next_run()) == "3 passed"
        for _ in range(20):  # until the checkpoint behind the slow block is taken
            time.sleep(1)
            save(deck, "# -> 2.02294", "# -> 2.02294")
            run = w.next_run()
            if "above the edit" in run[-1]:
                break
        else:
            raise AssertionError("never reused after 20 saves:\n" + "\n".join(run))
        assert run[-1].startswith("[watch] checked in ")
        assert "(blocks 1-1 above the edit: results of the identical run before)" in run[-1]
        assert summary(run) == "3 passed"

        save(deck, "# -> 2.022948", "# -> 2.5")
        broken = w.next_run()
    finally:
        w.stop()
    assert "(blocks 1-1 above the edit" in broken[-1]
    cold = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           deck.name], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300, check=False).stdout.splitlines()

    def report(lines: list[str]) -> list[str]:
        start = next(i for i, ln in enumerate(lines) if ln.startswith("slow.md:"))
        return lines[start:next(i for i, ln in enumerate(lines) if "slide decks" in ln) + 2]

    assert report(broken) == report(cold)
    assert "slow.md:28: output differs from the slide (slide 3 “足す”)" in report(cold)
    assert "+2.022948" in report(cold)
    assert summary(broken) == summary(cold) == "1 failed, 2 passed"


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
            assert "above the edit" not in w.next_run()[-1]
    finally:
        w.stop()
