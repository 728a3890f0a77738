"""Each kind of expected output passes when it matches and fails at its line when it drifts."""

from __future__ import annotations


def test_inline_print_comment_passes_and_drift_fails_at_its_line(run_decks):
    run = run_decks("inline.md")
    assert run.outcome("slide1-line7") == "failed"
    message = run.message("slide1-line7")
    assert message.startswith("inline.md:10: output differs from the slide")
    assert "-7\n+6" in message
    assert "inline.md:9" not in message


def test_bare_expression_comment_checks_the_repr(run_decks):
    run = run_decks("inline.md")
    message = run.message("slide2-line15")
    assert message.startswith("inline.md:17: output differs")
    assert "-5\n+4" in message


def test_multiline_comment_continuation_ignores_indentation(run_decks):
    assert run_decks("inline.md").outcome("slide3-line22") == "passed"


def test_multiline_comment_drift_shows_a_line_diff(run_decks):
    run = run_decks("inline.md")
    message = run.message("slide4-line31")
    assert message.startswith("inline.md:32: output differs")
    assert " a\n-c\n+b" in message


def test_comment_on_the_line_below_checks_the_statement_above(run_decks):
    assert run_decks("inline.md").outcome("slide5-line38") == "passed"


def test_expected_error_on_raising_line_passes_and_block_continues(run_decks):
    assert run_decks("errors.md").outcome("slide1-line5") == "passed"


def test_expected_error_with_other_message_fails(run_decks):
    message = run_decks("errors.md").message("slide2-line12")
    assert message.startswith("errors.md:13: a different error was raised")
    assert "+ValueError: invalid literal for int() with base 10: 'y'" in message


def test_expected_error_that_is_not_raised_fails(run_decks):
    message = run_decks("errors.md").message("slide3-line18")
    assert message.startswith("errors.md:19: expected this line to raise, but it did not")
    assert "+3" in message


def test_transcript_passes_with_echo_and_print(run_decks):
    assert run_decks("transcript.md").outcome("slide1-line5") == "passed"


def test_transcript_drift_fails_at_the_example(run_decks):
    message = run_decks("transcript.md").message("slide2-line15")
    assert message.startswith("transcript.md:16: output differs from the transcript")
    assert "-3\n+2" in message


def test_python_fence_opening_with_prompt_is_a_transcript_with_traceback(run_decks):
    assert run_decks("transcript.md").outcome("slide3-line22") == "passed"


def test_transcript_with_wrong_expected_exception_fails(run_decks):
    message = run_decks("transcript.md").message("slide4-line31")
    assert message.startswith("transcript.md:32: a different error was raised")
    assert "+KeyError: 'k'" in message


def test_output_fence_checks_the_whole_stdout(run_decks):
    assert run_decks("output_fence.md").outcome("slide1-line5") == "passed"


def test_codeblocks_expected_output_marker_is_an_output_fence_and_drift_fails(run_decks):
    message = run_decks("output_fence.md").message("slide2-line18")
    assert message.startswith("output_fence.md:27: the block's output differs from its "
                              "`output` fence")
    assert " hello\n-there\n+world" in message


def test_ellipsis_line_in_script_block_is_python_ellipsis(run_decks):
    assert run_decks("ellipsis.md").outcome("slide1-line5") == "passed"


def test_expected_error_raised_by_another_line_fails(run_decks, pytester):
    (pytester.path / "other.md").write_text(
        "---\nmarp: true\n---\n\n```python\ndef f():\n    return int('x')\n\n"
        "value = (1,  # -> ValueError: invalid literal for int() with base 10: 'x'\n"
        "         f())\n```\n", encoding="utf-8")
    message = run_decks("other.md").message("slide1-line5")
    assert message.startswith("other.md:9: ValueError was raised, but not by this line")


def test_arrow_comment_below_nothing_is_reported_as_checking_nothing(run_decks, pytester):
    (pytester.path / "orphan.md").write_text(
        "---\nmarp: true\n---\n\n```python\n# -> 1\nx = 1\n```\n", encoding="utf-8")
    message = run_decks("orphan.md").message("slide1-line5")
    assert message.startswith("orphan.md:6: this `# ->` comment is not directly below a "
                              "statement, so it checks nothing")


def test_comment_below_a_loop_checks_everything_the_loop_printed(run_decks, pytester):
    (pytester.path / "loop.md").write_text(
        "---\nmarp: true\n---\n\n```python\nfor i in range(3):\n    print(i)\n"
        "# -> 0\n#    1\n#    2\n```\n", encoding="utf-8")
    assert run_decks("loop.md").outcome("slide1-line5") == "passed"
