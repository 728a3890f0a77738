"""Failure reports that teach: Python's suggestions, where a missing name is defined, deck
lines only, readable test ids, and a broken deck that does not stop the others."""

from __future__ import annotations


def test_name_defined_on_a_later_line_names_that_line_and_suggests_setup(run_decks):
    message = run_decks("teaching.md").message("slide1-line5")
    assert message.startswith("teaching.md:6: NameError raised")
    assert message.endswith(
        "NameError: name 'json' is not defined\n"
        "hint: 'json' is imported at line 25 (slide 1), after this line; blocks run in deck "
        "order. Define it before its first use, or put it in `setup:` in the front matter "
        "(code run before the first block), e.g.\n"
        "  setup: |\n"
        "    import json")


def test_attribute_error_keeps_pythons_did_you_mean(run_decks):
    run = run_decks("teaching.md")
    assert run.message("slide1-line9").endswith(
        "AttributeError: module 'math' has no attribute 'sqrtt'\nDid you mean: 'sqrt'?")
    assert run.message("slide1-late-import").endswith(
        "AttributeError: 'str' object has no attribute 'uper'\nDid you mean: 'upper'?")


def test_syntax_error_names_deck_lines_only(run_decks):
    run = run_decks("teaching.md")
    assert run.message("slide1-line14").startswith(
        "teaching.md:16: SyntaxError: closing parenthesis ')' does not match opening "
        "parenthesis '[' on line 15 (slide 1)")
    assert run.message("slide1-line19").startswith(
        "teaching.md:21: SyntaxError: closing parenthesis ']' does not match opening "
        "parenthesis '(' on line 20 (slide 1)")


def test_name_annotation_gives_a_readable_test_id(run_decks):
    run = run_decks("named.md", args=("-k", "grad-demo or slide2"))
    assert run.outcome("slide1-grad-demo") == "passed"
    assert run.outcome("slide2-line11") == "passed"
    assert run_decks("teaching.md").outcome("slide1-late-import") == "failed"


def test_the_same_name_twice_is_a_deck_error_naming_both_lines(run_decks):
    run = run_decks("named_twice.md")
    assert run.message("deck") == ("deck error: named_twice.md:9 (slide 1): test id "
                                   "'slide1-demo' is already the id of the block at line 5; "
                                   "give this block another name=")


def test_a_deck_that_cannot_be_collected_is_one_failed_item_and_others_still_run(
        run_decks, pytester):
    (pytester.path / "broken.md").write_text(
        "---\nmarp: true\n---\n\n<!--pytest-codeblocks:cont-->\n```python\nx = 1\n```\n",
        encoding="utf-8")
    run = run_decks("broken.md", "named.md")
    assert run.outcome("deck") == "failed"
    assert run.message("deck") == ("deck error: broken.md:5: `pytest-codeblocks:cont` but "
                                   "there is no code block before it to continue")
    assert run.outcome("slide1-grad-demo") == run.outcome("slide2-line11") == "passed"
    assert "Interrupted" not in run.text
    assert run.result.ret == 1
    run.result.stdout.fnmatch_lines(["named.md: 2 blocks, 1 with checked output, 0 skipped, "
                                     "0 failed",
                                     "broken.md: not checked, deck error: broken.md:5: *"])


def test_name_bound_only_in_a_presenter_note_fence_says_notes_never_run(run_decks, pytester):
    (pytester.path / "hidden.md").write_text(
        "---\nmarp: true\n---\n\n<!--\n```python\nimport json\n```\n-->\n\n```python\n"
        "json.dumps(1)\n```\n", encoding="utf-8")
    message = run_decks("hidden.md").message("slide1-line11")
    assert message.endswith(
        "NameError: name 'json' is not defined\n"
        "hint: 'json' is imported at line 7 (slide 1), in an HTML comment, which Marp makes a "
        "presenter note: never run. Define it before its first use, or put it in `setup:` in "
        "the front matter (code run before the first block), e.g.\n"
        "  setup: |\n"
        "    import json")


def test_name_from_an_earlier_block_that_failed_points_at_the_first_failure(run_decks, pytester):
    (pytester.path / "cascade.md").write_text(
        "---\nmarp: true\n---\n\n```python\n1 / 0\nlearning_rate = 0.1\n```\n\n```python\n"
        "print(learning_rate)\n```\n", encoding="utf-8")
    message = run_decks("cascade.md").message("slide1-line10")
    assert message.endswith(
        "NameError: name 'learning_rate' is not defined\n"
        "hint: 'learning_rate' is assigned at line 7 (slide 1), but that line has not run in this "
        "namespace: its block failed or was skipped before it, or a `fresh` block started a "
        "new namespace since. Fix the first failure above this one.")
