"""Failure reports, unchecked output and the per-deck summary line."""

from __future__ import annotations


def test_failure_report_marks_the_failing_line_in_the_code(run_decks):
    message = run_decks("inline.md").message("slide1-line7")
    assert "> 10 | print(x * 3)  # -> 7" in message
    assert "   9 | print(x * 2)  # -> 4" in message


def test_failure_report_names_slide_number_and_header(run_decks):
    message = run_decks("errors.md").message("slide4-line31")
    assert message.splitlines()[0] == ("errors.md:33: ZeroDivisionError raised "
                                       "(slide 4 \u201cUnexpected\u201d)")


def test_traceback_shows_only_frames_in_the_deck(run_decks):
    message = run_decks("errors.md").message("slide4-line31")
    traceback = message[message.index("Traceback"):]
    assert traceback.splitlines() == [
        "Traceback (frames in the deck):",
        '  File "errors.md", line 33, in <module>',
        "    result = inner(0)",
        '  File "errors.md", line 28, in inner',
        "    return 10 / n",
        "ZeroDivisionError: division by zero",
    ]


def test_traceback_counts_frames_in_library_code(run_decks, pytester):
    (pytester.path / "lib.md").write_text(
        "---\nmarp: true\n---\n\n```python\nimport json\njson.loads('{')\n```\n",
        encoding="utf-8")
    message = run_decks("lib.md").message("slide1-line5")
    assert message.startswith("lib.md:7: JSONDecodeError raised")
    assert "more frame(s) in library code" in message


def test_unchecked_output_is_a_warning_by_default(run_decks):
    run = run_decks("unchecked.md")
    assert run.outcome("slide1-line5") == "passed"
    run.result.stdout.fnmatch_lines(["*unchecked.md:7: UncheckedOutputWarning: printed output "
                                     "that no expectation on the slide checks:",
                                     "      nobody checks this"])


def test_unchecked_output_report_shows_the_first_ten_lines_and_counts_the_rest(run_decks):
    run = run_decks("unchecked.md")
    run.result.stdout.fnmatch_lines(["*unchecked.md:20: UncheckedOutputWarning: printed output "
                                     "that no expectation on the slide checks:",
                                     *[f"      line {i}" for i in range(10)],
                                     "      \u2026 2 more lines"])
    assert "line 10" not in run.text


def test_unchecked_output_is_an_error_in_decks_matching_the_ini_globs(run_decks, pytester):
    pytester.makeini("[pytest]\nlecturekit_unchecked_output_error = unchecked*.md\n")
    run = run_decks("unchecked.md")
    message = run.message("slide1-line5")
    assert message.startswith("unchecked.md:7: printed output that no expectation on the slide "
                              "checks")
    assert "nobody checks this" in message
    assert run.outcome("slide2-line12") == "passed"
    assert "printed:\n" + "".join(f"    line {i}\n" for i in range(10)) + \
        "    \u2026 2 more lines" in run.message("slide3-line18")


def test_unchecked_output_option_overrides_the_ini(run_decks, pytester):
    pytester.makeini("[pytest]\nlecturekit_unchecked_output_error = *.md\n")
    run = run_decks("unchecked.md", args=("--unchecked-output=ignore",))
    assert run.outcome("slide1-line5") == "passed"
    assert "UncheckedOutputWarning" not in run.text


def test_summary_has_one_line_per_deck(run_decks):
    run = run_decks("annotations.md", "namespace.md")
    run.result.stdout.fnmatch_lines([
        "*= slide decks =*",
        "annotations.md: 8 blocks, 1 with checked output, 6 skipped, 0 failed",
        "namespace.md: 3 blocks, 2 with checked output, 0 skipped, 0 failed",
    ])


def test_bad_deck_never_causes_internalerror(run_decks, pytester):
    (pytester.path / "broken.md").write_text(
        "---\nmarp: true\n---\n\n```python\ndef f(:\n```\n", encoding="utf-8")
    run = run_decks("broken.md")
    assert run.message("slide1-line5").startswith("broken.md:6: SyntaxError:")
    assert "INTERNALERROR" not in run.text
