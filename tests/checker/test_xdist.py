"""Under pytest-xdist each deck's blocks stay on one worker, in order; updates apply once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest.importorskip("xdist")

FIXTURES = Path(__file__).parent / "fixtures"


def write_ordered_decks(folder: Path, count: int) -> list[str]:
    names = []
    text = (FIXTURES / "ordered.md").read_text(encoding="utf-8")
    for number in range(count):
        name = f"deck{number}.md"
        (folder / name).write_text(text.replace('"DECK"', f'"{name}"'), encoding="utf-8")
        names.append(name)
    return names


def test_two_workers_keep_each_deck_on_one_worker_in_order(pytester, monkeypatch):
    log = pytester.path / "order.log"
    monkeypatch.setenv("ORDER_LOG", str(log))
    names = write_ordered_decks(pytester.path, 4)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2", *names)
    result.assert_outcomes(passed=16)
    rows = [line.split() for line in log.read_text().splitlines()]
    for name in names:
        steps = [(int(step), worker) for deck, step, worker in rows if deck == name]
        assert [step for step, _ in steps] == [1, 2, 3, 4]
        assert len({worker for _, worker in steps}) == 1
    assert {worker for _, _, worker in rows} == {"gw0", "gw1"}


def test_update_outputs_under_workers_is_applied_once_by_the_controller(pytester):
    for number in range(2):
        (pytester.path / f"u{number}.md").write_text(
            "---\nmarp: true\n---\n\n```python\nprint(6 * 7)  # -> 41\n```\n\n---\n\n"
            "```python\nprint('ok')  # -> no\n```\n", encoding="utf-8")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2",
                                           "--update-outputs", "u0.md", "u1.md")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(["updated 2 expected output(s) in u0.md",
                                 "updated 2 expected output(s) in u1.md"])
    for number in range(2):
        text = (pytester.path / f"u{number}.md").read_text(encoding="utf-8")
        assert "# -> 42\n" in text and "# -> ok\n" in text


THREADS_DECK = """\
---
marp: true
---

```python
import os

print(os.environ.get("OMP_NUM_THREADS"))  # -> {expected}
```
"""


def test_each_worker_gets_its_share_of_the_cores_for_torch_threads(pytester, monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    expected = max(1, len(os.sched_getaffinity(0)) // 2)
    for number in range(2):
        (pytester.path / f"t{number}.md").write_text(THREADS_DECK.format(expected=expected),
                                                     encoding="utf-8")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2", "t0.md", "t1.md")
    result.assert_outcomes(passed=2)


def test_a_thread_count_the_user_set_is_kept_in_workers(pytester, monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    for number in range(2):
        (pytester.path / f"t{number}.md").write_text(THREADS_DECK.format(expected=3),
                                                     encoding="utf-8")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2", "t0.md", "t1.md")
    result.assert_outcomes(passed=2)


def test_one_process_leaves_the_thread_count_alone(pytester, monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    (pytester.path / "t.md").write_text(THREADS_DECK.format(expected=None), encoding="utf-8")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "t.md")
    result.assert_outcomes(passed=1)
