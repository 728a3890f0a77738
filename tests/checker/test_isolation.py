"""Slide code that changes process-wide state fails its own block; the next block is unaffected.

Each deck here is one fault and, after it, a block (or a second deck) that
would break if the fault leaked out of its block.
"""

from __future__ import annotations

import pytest

FRONT = "---\nmarp: true\n---\n\n"


def deck(pytester: pytest.Pytester, name: str, *blocks: str) -> str:
    """A deck of `blocks`, each a Python fence; the first fence opens at line 5."""
    text = FRONT + "\n".join(f"```python\n{code}\n```\n" for code in blocks)
    (pytester.path / name).write_text(text, encoding="utf-8")
    return name


CHECKED_PRINT = 'print("still here")  # -> still here'


def test_replacing_builtins_print_fails_its_block_and_not_the_next_deck(pytester, run_decks):
    first = deck(pytester, "a.md", "import builtins\nbuiltins.print = lambda *args: None",
                 CHECKED_PRINT)
    second = deck(pytester, "b.md", CHECKED_PRINT)
    run = run_decks(first, second)
    run.result.assert_outcomes(failed=1, passed=2)
    run.result.stdout.fnmatch_lines([
        "FAILED a.md::slide1-line5 - a.md:7: the block changed builtins.print; the che*"])
    assert run.outcome("slide1-line10") == "passed"


def test_a_name_added_to_builtins_is_removed_after_its_block(pytester, run_decks):
    name = deck(pytester, "added.md", "import builtins\nbuiltins.shared = 1",
                "print(shared)  # -> 1")
    run = run_decks(name)
    assert run.message("slide1-line5").startswith("added.md:7: the block changed "
                                                  "builtins.shared")
    assert run.message("slide1-line10").startswith("added.md:11: NameError raised")


def test_closing_sys_stdout_fails_its_block_and_later_blocks_print_normally(pytester,
                                                                             run_decks):
    name = deck(pytester, "closed.md", 'import sys\nprint("before")\nsys.stdout.close()',
                CHECKED_PRINT, CHECKED_PRINT)
    run = run_decks(name)
    assert run.message("slide1-line5").startswith("closed.md:8: the block closed sys.stdout; "
                                                  "it is open again for the next block")
    assert run.outcome("slide1-line11") == "passed"
    assert run.outcome("slide1-line15") == "passed"


def test_printing_after_closing_stdout_is_an_error_of_that_block(pytester, run_decks):
    name = deck(pytester, "closed.md", 'import sys\nsys.stdout.close()\nprint("gone")',
                CHECKED_PRINT)
    run = run_decks(name)
    message = run.message("slide1-line5")
    assert message.startswith("closed.md:8: ValueError raised")
    assert "ValueError: I/O operation on closed file." in message
    assert "closed.md:7: the block closed sys.stdout" in message
    assert run.outcome("slide1-line11") == "passed"


def test_replacing_sys_stderr_fails_its_block_and_is_put_back(pytester, run_decks):
    name = deck(pytester, "stderr.md", "import io, sys\nsys.stderr = io.StringIO()",
                'import sys\nprint(type(sys.stderr).__name__ != "StringIO")  # -> True')
    run = run_decks(name)
    assert run.message("slide1-line5").startswith("stderr.md:7: the block replaced sys.stderr; "
                                                  "the checker put the original back")
    assert run.outcome("slide1-line10") == "passed"


def test_ignoring_sigalrm_fails_its_block_and_a_later_endless_loop_is_still_stopped(
        pytester, run_decks):
    name = deck(pytester, "alarm.md",
                "import signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)",
                "while True:\n    pass", CHECKED_PRINT)
    run = run_decks(name, args=("--slide-timeout=0.3",))
    assert run.message("slide1-line5").startswith(
        "alarm.md:7: the block replaced the checker's SIGALRM handler")
    assert run.message("slide1-line10").startswith("alarm.md:11: block exceeded its time "
                                                   "limit of 0.3 s")
    assert run.outcome("slide1-line15") == "passed"


def test_replacing_the_sigint_handler_fails_its_block_and_it_is_restored(pytester, run_decks):
    name = deck(pytester, "sigint.md",
                "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)",
                'import signal\nprint(signal.getsignal(signal.SIGINT) is signal.SIG_IGN)'
                '  # -> False')
    run = run_decks(name)
    assert run.message("slide1-line5").startswith(
        "sigint.md:7: the block replaced the checker's SIGINT handler")
    assert run.outcome("slide1-line10") == "passed"


def test_clearing_sys_modules_fails_its_block_without_internal_error(pytester, run_decks):
    name = deck(pytester, "modules.md", "import sys\nsys.modules.clear()",
                'import json\nprint(json.dumps([1]))  # -> [1]', CHECKED_PRINT)
    run = run_decks(name)
    assert "INTERNALERROR" not in run.text
    assert run.result.ret == pytest.ExitCode.TESTS_FAILED
    assert run.message("slide1-line5").startswith("modules.md:7: the block removed or replaced")
    assert "entries of sys.modules" in run.message("slide1-line5")
    assert run.outcome("slide1-line10") == "passed"
    assert run.outcome("slide1-line15") == "passed"


FORK = """\
import os
child = os.fork()
if child == 0:
    open("child.log", "w").write(str(os.getpid()))
else:
    _, status = os.waitpid(child, 0)
    print("child exit", os.waitstatus_to_exitcode(status))"""
LOG_PID = 'import os\nwith open("runs.log", "a") as log:\n    print(os.getpid(), file=log)'


def test_a_forked_child_leaves_silently_at_the_end_of_its_block(pytester):
    name = deck(pytester, "fork.md", FORK + "\n# -> child exit 0", LOG_PID, LOG_PID)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly", name)
    result.assert_outcomes(passed=3)
    child = int((pytester.path / "child.log").read_text())
    runs = (pytester.path / "runs.log").read_text().split()
    assert len(runs) == 2 and len(set(runs)) == 1 and int(runs[0]) != child
    assert result.stdout.str().count("passed") == 1  # one summary line: no second run


def test_sigterm_sent_by_slide_code_fails_its_block_and_the_run_reaches_its_summary(
        pytester):
    name = deck(pytester, "term.md",
                'import os, signal\nos.kill(os.getpid(), signal.SIGTERM)\nprint("after")',
                CHECKED_PRINT)
    second = deck(pytester, "next.md", CHECKED_PRINT)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly",
                                           name, second)
    result.assert_outcomes(failed=1, passed=2)
    result.stdout.fnmatch_lines(["term.md:7: the deck's process received SIGTERM while "
                                 "this block ran*"])
    assert result.ret == pytest.ExitCode.TESTS_FAILED


LATE_THREAD = """\
import threading
go, done = threading.Event(), threading.Event()
def late():
    go.wait(10)
    print("late from the first block")
    done.set()
threading.Thread(target=late, daemon=True).start()"""
RELEASE = 'go.set()\ndone.wait(10)\nprint("own output")  # -> own output'


def test_a_thread_printing_after_its_block_is_reported_at_that_block_not_the_next(
        pytester, run_decks):
    name = deck(pytester, "late.md", LATE_THREAD, RELEASE)
    run = run_decks(name, args=("--unchecked-output=error",))
    assert run.outcome("slide1-line5") == "passed"
    assert run.outcome("slide1-line15") == "passed"
    run.result.stdout.fnmatch_lines([
        "  late.md:5: LateOutputWarning: a thread this block started printed after the block "
        "had ended:", "  late from the first block"])


def test_an_idle_pool_thread_prints_for_the_block_that_uses_it(pytester, run_decks):
    name = deck(pytester, "pool.md",
                "from concurrent.futures import ThreadPoolExecutor\n"
                "pool = ThreadPoolExecutor(1)\npool.submit(int).result()",
                'pool.submit(print, "from the pool").result()\n# -> from the pool')
    run = run_decks(name)
    assert run.outcome("slide1-line11") == "passed"
    assert "LateOutputWarning" not in run.text


ODD = """\
class Odd:
    def __eq__(self, other):
        raise RuntimeError("truth value is ambiguous")
    __hash__ = object.__hash__
    def __repr__(self):
        return "Odd()\""""


def test_the_repl_value_and_builtins_whose_equality_raises_are_handled(pytester, run_decks):
    name = deck(pytester, "odd.md", ODD, ">>> Odd()\nOdd()\n>>> Odd()\nOdd()",
                "import builtins\nbuiltins.print = Odd()", CHECKED_PRINT)
    run = run_decks(name)
    assert run.outcome("slide1-line5") == "passed"
    assert run.outcome("slide1-line14") == "passed"
    assert run.message("slide1-line21").startswith("odd.md:23: the block changed builtins.print")
    assert run.outcome("slide1-line26") == "passed"
