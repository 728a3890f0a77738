"""Forms other checkers accept: pytest's doctest options and pytest-examples' `#>` comments."""

from __future__ import annotations


def test_number_option_compares_floats_to_the_precision_written(run_decks):
    run = run_decks("doctest_options.md")
    assert run.outcome("slide1-line5") == "passed"
    message = run.message("slide1-line12")
    assert message.startswith("doctest_options.md:13: output differs from the transcript")
    assert "-0.5\n+0.6666666666666666" in message


def test_unknown_doctest_option_fails_its_own_block_at_the_option_line(run_decks):
    run = run_decks("doctest_options.md")
    assert run.message("slide1-line17").startswith(
        "doctest_options.md:20: unknown doctest option '+BOGUS' (an option is +NAME or -NAME, "
        "NAME one of ")
    assert "NUMBER" in run.message("slide1-line17")
    assert run.outcome("slide1-line25") == "passed"


def test_prompt_comments_check_print_output_line_by_line(run_decks):
    run = run_decks("prompt_outputs.md")
    assert run.outcome("slide1-line5") == "passed"
    message = run.message("slide1-line21")
    assert message.startswith("prompt_outputs.md:24: output differs from the slide")
    assert " 1\n-3\n+2" in message


def test_a_missing_prompt_line_is_an_error_too(run_decks):
    message = run_decks("prompt_outputs.md").message("slide1-line29")
    assert message.startswith("prompt_outputs.md:31: output differs from the slide")
    assert " one\n-two" in message


def test_update_rewrites_prompt_comments_in_their_own_form(run_decks, pytester):
    run = run_decks("prompt_outputs.md", args=("--update-outputs",))
    assert "updated 2 expected output(s) in prompt_outputs.md" in run.text
    text = (pytester.path / "prompt_outputs.md").read_text(encoding="utf-8")
    assert "    print(i)\n    #> 0\n    #> 1\n    #> 2\n```" in text
    assert 'print("one")\n#> one\n```' in text
    again = run_decks("prompt_outputs.md")
    assert [again.outcome(n) for n in again.reports] == ["passed"] * 3


def test_stdin_annotation_feeds_input_with_escapes_and_no_prompt_in_output(run_decks):
    run = run_decks("stdin.md", args=("--unchecked-output=error",))
    assert run.outcome("slide1-line5") == "passed"
    assert run.outcome("slide1-line11") == "passed"


def test_input_without_stdin_fails_at_once_naming_the_annotation(run_decks):
    for args in ((), ("-s",)):  # not pytest's capture message, and no wait under -s
        run = run_decks("stdin.md", args=args)
        for item, line in (("slide1-line16", 17), ("slide1-line20", 22)):
            message = run.message(item)
            assert message.startswith(f"stdin.md:{line}: input() has nothing to read: the block "
                                      "reads input (input() or sys.stdin), but its fence gives "
                                      'none: write what it should read as stdin="..."')
            assert "reading from stdin while output is captured" not in message


def test_top_level_await_runs_on_one_event_loop_per_deck(run_decks):
    run = run_decks("awaits.md")
    assert [run.outcome(n) for n in ("slide1-line5", "slide1-line16", "slide1-line26")] == [
        "passed"] * 3
    message = run.message("slide1-line31")
    assert message.startswith("awaits.md:32: TypeError raised")
    assert "'async for' requires an object with __aiter__ method, got str" in message
