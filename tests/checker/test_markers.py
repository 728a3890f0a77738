"""pytest-codeblocks' comment markers: pytest marks kept whole, continuations that run."""

from __future__ import annotations


def test_xfail_run_false_is_not_run_even_as_setup_for_a_later_block(run_decks):
    run = run_decks("marks.md", args=("-k", "line10"))
    assert run.outcome("slide1-line10") == "passed"


def test_xfail_run_false_reports_notrun(run_decks):
    report = run_decks("marks.md").reports["slide1-line6"]
    assert (report.outcome, report.wasxfail) == ("skipped", "[NOTRUN] would hang")


def test_xfail_raises_is_checked_against_the_slides_own_exception(run_decks):
    run = run_decks("marks.md")
    assert run.outcome("slide1-line16") == "skipped"
    assert run.reports["slide1-line16"].wasxfail == ""
    assert run.outcome("slide1-line21") == "failed"
    assert run.message("slide1-line21").startswith("marks.md:22: ZeroDivisionError raised")


def test_other_marks_are_applied_and_selectable(run_decks):
    run = run_decks("marks.md", args=("-m", "slow"))
    assert list(run.reports) == ["slide1-line16"]


def test_unlabelled_fence_after_cont_runs_as_python(run_decks):
    run = run_decks("marks.md")
    assert run.message("slide1-line30").startswith(
        "marks.md:31: output differs from the slide")


def test_cont_before_a_fence_in_another_language_is_a_deck_error(run_decks, pytester):
    (pytester.path / "cont_text.md").write_text(
        "---\nmarp: true\n---\n\n```python\nx = 1\n```\n\n<!--pytest-codeblocks:cont-->\n"
        "```text\nx + 1\n```\n", encoding="utf-8")
    assert run_decks("cont_text.md").message("deck") == (
        "deck error: cont_text.md:10: `pytest-codeblocks:cont` continues the Python block at "
        "line 5, but this fence's language is 'text', so it would not run; write ```python")


def test_a_marker_that_is_not_python_is_a_deck_error_at_its_line(run_decks, pytester):
    (pytester.path / "bad_mark.md").write_text(
        "---\nmarp: true\n---\n\n<!--pytest.mark.xfail(raises=-->\n```python\nx = 1\n```\n",
        encoding="utf-8")
    assert run_decks("bad_mark.md").message("deck").startswith(
        "deck error: bad_mark.md:5: cannot read the marker 'pytest.mark.xfail(raises=': ")


def test_a_marker_that_fails_to_evaluate_fails_its_own_block(run_decks, pytester):
    (pytester.path / "nameerror_mark.md").write_text(
        "---\nmarp: true\n---\n\n<!--pytest.mark.xfail(raises=NoSuchError)-->\n```python\n"
        "x = 1\n```\n\n```python\nprint(x)  # -> 1\n```\n", encoding="utf-8")
    run = run_decks("nameerror_mark.md")
    assert run.message("slide1-line6") == (
        "nameerror_mark.md:5: cannot apply the marker <!--pytest.mark.xfail(raises=NoSuchError)"
        "-->: NameError: name 'NoSuchError' is not defined")
    assert run.outcome("slide1-line10") == "passed"
