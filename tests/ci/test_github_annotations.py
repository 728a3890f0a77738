"""On GitHub Actions the checker annotates the failing statement's line and writes a summary.

Subprocess pytest runs (with two xdist workers, as `make test` runs the decks)
on a small failing deck, with the variables a GitHub runner sets.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
URL = "https://github.example/club/lectures/blob/0123abc/slides/failing.md"

ERROR_9 = ("::error file=slides/failing.md,line=9,title=slide 1 “足し算%2C 100%25”"
           "::output differs from the slide")
ERROR_19 = ("::error file=slides/failing.md,line=19,title=slide 2 “例外”"
            "::ZeroDivisionError raised")
WARNING_25 = ("::warning file=slides/failing.md,line=25,title=slide 3"
              "::printed output that no expectation on the slide checks: 'nobody checks this'")


def run_deck(pytester: pytest.Pytester, name: str, *args: str) -> pytest.RunResult:
    slides = pytester.path / "slides"
    slides.mkdir(exist_ok=True)
    shutil.copyfile(FIXTURES / name, slides / name)
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", *args, f"slides/{name}")


def annotations(result: pytest.RunResult) -> list[str]:
    return [line for line in result.outlines if line.startswith("::")]


@pytest.mark.parametrize("workers", [(), ("-n", "2")], ids=["single", "xdist"])
def test_failed_blocks_are_annotated_at_the_failing_statement(pytester, actions_env, workers):
    result = run_deck(pytester, "failing.md", *workers)
    result.assert_outcomes(passed=2, failed=2, skipped=1, warnings=1)
    assert annotations(result) == [ERROR_9, ERROR_19, WARNING_25]


def test_the_annotated_line_is_the_one_the_failure_report_names(pytester, actions_env):
    """Differential: `::error` names the line the checker's own report starts with."""
    result = run_deck(pytester, "failing.md")
    reported = re.findall(r"^slides/failing\.md:(\d+): ", result.stdout.str(), re.M)
    annotated = re.findall(r"^::error file=slides/failing\.md,line=(\d+),", result.stdout.str(),
                           re.M)
    assert reported == annotated == ["9", "19"]


def test_step_summary_gets_one_row_per_deck_with_links_to_failing_lines(pytester, actions_env):
    result = run_deck(pytester, "failing.md", "-n", "2")
    result.assert_outcomes(passed=2, failed=2, skipped=1, warnings=1)
    assert actions_env["summary"].read_text(encoding="utf-8") == (
        "earlier step\n"
        "### Slide decks\n"
        "\n"
        "| deck | blocks | checked | skipped | failed | failing lines |\n"
        "| --- | ---: | ---: | ---: | ---: | --- |\n"
        f"| slides/failing.md | 5 | 2 | 1 | 2 | [L9]({URL}#L9) output differs from the slide, "
        f"[L19]({URL}#L19) ZeroDivisionError raised |\n"
        "\n")


def test_summary_counts_agree_with_the_terminal_summary(pytester, actions_env):
    """Differential: the step summary's numbers are the `slide decks` line's numbers."""
    result = run_deck(pytester, "failing.md", "-n", "2")
    line = next(s for s in result.outlines if s.startswith("slides/failing.md: "))
    terminal = re.match(r".*: (\d+) blocks, (\d+) with checked output, (\d+) skipped, "
                        r"(\d+) failed", line)
    assert terminal, line
    row = next(s for s in actions_env["summary"].read_text(encoding="utf-8").splitlines()
               if s.startswith("| slides/failing.md"))
    assert [c.strip() for c in row.split("|")[2:6]] == list(terminal.groups())


@pytest.mark.parametrize("workers", [(), ("-n", "2")], ids=["single", "xdist"])
def test_an_unreadable_deck_is_annotated_at_its_line(pytester, actions_env, workers):
    result = run_deck(pytester, "bad_annotation.md", *workers)
    result.assert_outcomes(failed=1)  # a deck that cannot be read is one failed item
    [line] = annotations(result)
    assert line.startswith("::error file=slides/bad_annotation.md,line=5::"
                           "unknown annotation 'skpi' (known: ")


def test_nothing_is_printed_or_written_outside_github_actions(pytester, actions_env,
                                                               monkeypatch):
    monkeypatch.delenv("GITHUB_ACTIONS")
    result = run_deck(pytester, "failing.md", "-n", "2")
    result.assert_outcomes(passed=2, failed=2, skipped=1, warnings=1)
    assert annotations(result) == []
    assert actions_env["summary"].read_text(encoding="utf-8") == "earlier step\n"
