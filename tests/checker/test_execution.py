"""Blocks run in order in one namespace, seeded, with setup code; faults stay in their block."""

from __future__ import annotations

import pytest


def test_later_block_uses_state_from_an_earlier_slide(run_decks):
    assert run_decks("namespace.md").outcome("slide2-line11") == "passed"


def test_fresh_annotation_starts_an_empty_namespace(run_decks):
    assert run_decks("namespace.md").outcome("slide3-line17") == "passed"


def test_sys_exit_fails_only_its_block(run_decks):
    run = run_decks("faults.md")
    message = run.message("slide1-line5")
    assert message.startswith("faults.md:8: the block called sys.exit(3); slide code must not "
                              "exit the interpreter")
    assert run.outcome("slide3-line20") == "passed"


def test_keyboard_interrupt_raised_by_slide_code_fails_only_its_block(run_decks, pytester):
    (pytester.path / "interrupt.md").write_text(
        "---\nmarp: true\n---\n\n```python\nraise KeyboardInterrupt\n```\n\n"
        "```python\nprint('later')  # -> later\n```\n", encoding="utf-8")
    run = run_decks("interrupt.md")
    assert run.message("slide1-line5").startswith("interrupt.md:6: KeyboardInterrupt raised")
    assert run.outcome("slide1-line9") == "passed"


def test_endless_loop_is_stopped_by_the_timeout_annotation(run_decks):
    run = run_decks("faults.md")
    message = run.message("slide2-line13")
    assert message.startswith("faults.md:14: block exceeded its time limit of 0.3 s")
    assert run.outcome("slide3-line20") == "passed"


def test_slide_timeout_option_limits_blocks_without_annotation(run_decks, pytester):
    (pytester.path / "loop.md").write_text(
        "---\nmarp: true\n---\n\n```python\nimport time\nwhile True:\n    time.sleep(0.01)\n```\n",
        encoding="utf-8")
    run = run_decks("loop.md", args=("--slide-timeout=0.2",))
    assert run.message("slide1-line5").startswith("loop.md:8: block exceeded its time limit "
                                                  "of 0.2 s")


def test_unexpected_exception_fails_and_later_blocks_still_run(run_decks):
    run = run_decks("errors.md")
    assert run.outcome("slide4-line31") == "failed"
    assert run.outcome("slide4-line26") == "passed"


def test_random_and_numpy_are_seeded_before_the_first_block(run_decks):
    run = run_decks("seeded.md")
    assert run.outcome("slide1-line5") == "passed"
    assert run.outcome("slide2-line12") == "passed"


def test_seeded_output_is_the_same_on_every_run(run_decks):
    first = run_decks("seeded.md")
    second = run_decks("seeded.md")
    assert first.outcome("slide2-line12") == second.outcome("slide2-line12") == "passed"


def test_torch_is_seeded_when_the_setup_code_imports_it(run_decks):
    pytest.importorskip("torch")
    assert run_decks("torch_seeded.md").outcome("slide1-line7") == "passed"


def test_front_matter_setup_code_runs_before_the_first_block(run_decks):
    assert run_decks("setup.md").outcome("slide1-line8") == "passed"


def test_failing_setup_code_fails_the_first_block_at_the_front_matter_line(run_decks):
    message = run_decks("setup_fails.md").message("slide1-line8")
    assert message.startswith("setup_fails.md:5: the front matter's setup code failed")
    assert "ValueError: math domain error" in message


def test_skip_annotations_skip_with_their_reason(run_decks):
    run = run_decks("annotations.md")
    assert run.reports["slide1-line5"].longrepr[2] == "Skipped: pseudo-code"
    assert run.outcome("slide1-line9") == "skipped"
    assert run.outcome("slide1-line13") == "passed"
    assert run.outcome("slide1-line17") == "skipped"
    assert run.outcome("slide1-line23") == "skipped"


def test_codeblocks_skip_markers_with_reason_and_condition(run_decks):
    run = run_decks("annotations.md")
    assert run.reports["slide2-line31"].longrepr[2] == "Skipped: shown, not run"
    assert run.reports["slide2-line37"].longrepr[2] == "Skipped: only on Python 2"
    assert run.outcome("slide2-line43") == "passed"


def test_selecting_one_item_runs_earlier_blocks_first_and_each_block_once(run_decks, pytester):
    run = run_decks("counted.md", args=("-k", "slide3-line20"))
    assert list(run.reports) == ["slide3-line20"]
    assert run.outcome("slide3-line20") == "passed"
    assert (pytester.path / "runs.log").read_text() == "first\n"


def test_full_run_executes_each_block_once(run_decks, pytester):
    run = run_decks("counted.md")
    assert [run.outcome(n) for n in run.reports] == ["passed"] * 3
    assert (pytester.path / "runs.log").read_text() == "first\n"


def test_selected_block_failure_names_the_failed_setup_block(run_decks, pytester):
    (pytester.path / "chain.md").write_text(
        "---\nmarp: true\n---\n\n```python\nvalue = 1 / 0\n```\n\n---\n\n"
        "```python\nprint(value)  # -> 0\n```\n", encoding="utf-8")
    run = run_decks("chain.md", args=("-k", "slide2"))
    message = run.message("slide2-line11")
    assert message.startswith("chain.md:12: NameError raised")
    assert "earlier blocks run first as setup failed: slide1-line5 (line 6)" in message


def test_fresh_namespace_is_seeded_again(run_decks, pytester):
    block = "```python{}\nimport random\nprint(random.random())  # -> 0.8444218515250481\n```\n"
    (pytester.path / "reseed.md").write_text(
        "---\nmarp: true\n---\n\n" + block.format("") + "\n---\n\n" + block.format(" fresh"),
        encoding="utf-8")
    run = run_decks("reseed.md")
    assert [run.outcome(n) for n in run.reports] == ["passed", "passed"]


def test_a_sigint_slide_code_sends_its_own_process_fails_that_block_only(pytester):
    """A real Ctrl-C reaches the checker, not the deck's process (its own process group):
    see test_containment.py.  SIGINT sent by slide code to itself is that block's fault."""
    (pytester.path / "ctrlc.md").write_text(
        "---\nmarp: true\n---\n\n```python\nimport os, signal\n"
        "os.kill(os.getpid(), signal.SIGINT)\n```\n\n```python\nprint('next')  # -> next\n```\n",
        encoding="utf-8")
    recorder = pytester.inline_run("-p", "no:cacheprovider", "ctrlc.md", no_reraise_ctrlc=True)
    assert recorder.ret == pytest.ExitCode.TESTS_FAILED
    calls = [r for r in recorder.getreports("pytest_runtest_logreport") if r.when == "call"]
    assert [r.outcome for r in calls] == ["failed", "passed"]
    assert str(calls[0].longrepr).startswith("ctrlc.md:7: KeyboardInterrupt")


def test_slide_code_does_not_inherit_the_checkers_future_imports(run_decks, pytester):
    (pytester.path / "annotations_deck.md").write_text(
        "---\nmarp: true\n---\n\n```python\nclass A:\n    x: int\n\n"
        "print(A.__annotations__)  # -> {'x': <class 'int'>}\n```\n", encoding="utf-8")
    run = run_decks("annotations_deck.md")
    assert run.outcome("slide1-line5") == "passed", run.message("slide1-line5")
