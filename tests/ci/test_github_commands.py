"""Workflow commands are escaped exactly as GitHub's runner parses them."""

from __future__ import annotations

import io

import pytest

from lecturekit import github

ON = {"GITHUB_ACTIONS": "true"}


def test_data_escapes_percent_first_then_cr_and_lf():
    assert github.escape_data("100%\r\nnext") == "100%25%0D%0Anext"
    assert github.escape_data("%0A") == "%250A"  # a literal "%0A" stays literal


def test_data_keeps_colons_and_commas():
    assert github.escape_data("a: b, c") == "a: b, c"


def test_property_also_escapes_colon_and_comma():
    assert github.escape_property("slide 1 “a, b: 100%”\n") == "slide 1 “a%2C b%3A 100%25”%0A"


def test_annotation_puts_file_line_and_title_before_the_escaped_message():
    line = github.annotation("error", "slides/a,b.md", 12, "slide 3 “x: y”", "bad\nthing 5%")
    assert line == "::error file=slides/a%2Cb.md,line=12,title=slide 3 “x%3A y”::bad%0Athing 5%25"


def test_annotation_leaves_out_missing_properties():
    assert github.annotation("warning", "a.md", None, None, "m") == "::warning file=a.md::m"
    assert github.annotation("notice", None, 3, "", "m") == "::notice::m"


def test_annotation_refuses_an_unknown_level():
    with pytest.raises(ValueError, match="must be one of error, warning, notice, not 'fatal'"):
        github.annotation("fatal", "a.md", 1, None, "m")


def test_workspace_path_is_relative_to_the_workspace(tmp_path):
    deck = tmp_path / "slides" / "x.md"
    assert github.workspace_path(deck, {"GITHUB_WORKSPACE": str(tmp_path)}) == "slides/x.md"


def test_workspace_path_outside_the_workspace_stays_absolute(tmp_path):
    other = tmp_path / "elsewhere.md"
    env = {"GITHUB_WORKSPACE": str(tmp_path / "repo")}
    assert github.workspace_path(other, env) == other.resolve().as_posix()


def test_blob_url_points_at_the_line_in_the_commit():
    env = {"GITHUB_SERVER_URL": "https://github.example/", "GITHUB_REPOSITORY": "club/lectures",
           "GITHUB_SHA": "0123abc"}
    assert github.blob_url("slides/x.md", 9, env) == \
        "https://github.example/club/lectures/blob/0123abc/slides/x.md#L9"
    assert github.blob_url("slides/x.md", 9, {}) is None


def test_emit_problem_prints_nothing_outside_actions(tmp_path):
    out = io.StringIO()
    assert not github.emit_problem(tmp_path / "x.md", 3, "boom", stream=out, environ={})
    assert out.getvalue() == ""


def test_emit_problem_prints_the_first_line_at_the_slide(tmp_path):
    out = io.StringIO()
    env = {**ON, "GITHUB_WORKSPACE": str(tmp_path)}
    assert github.emit_problem(tmp_path / "slides" / "x.md", 14, "references a, b\nmore", slide=2,
                               slide_title="図", stream=out, environ=env)
    assert out.getvalue() == \
        "::error file=slides/x.md,line=14,title=slide 2 “図”::references a, b\n"


def test_step_summary_appends_only_on_actions(tmp_path):
    summary = tmp_path / "summary.md"
    summary.write_text("before\n", encoding="utf-8")
    assert not github.append_step_summary("x", {"GITHUB_STEP_SUMMARY": str(summary)})
    assert github.append_step_summary("| a |", {**ON, "GITHUB_STEP_SUMMARY": str(summary)})
    assert summary.read_text(encoding="utf-8") == "before\n| a |\n"


def parse_like_the_runner(line: str) -> tuple[str, dict[str, str], str]:
    """Read a workflow command the way GitHub's runner does (ActionCommand.TryParseV2).

    The command ends at the first `::` after the leading one; properties are
    split on `,`, each on its first `=`; then values are unescaped.
    """
    assert line.startswith("::")
    end = line.index("::", 2)
    head, data = line[2:end], line[end + 2:]
    name, _, props = head.partition(" ")
    properties = {}
    for pair in filter(None, props.split(",")):
        key, _, value = pair.partition("=")
        properties[key] = (value.replace("%0D", "\r").replace("%0A", "\n")
                           .replace("%3A", ":").replace("%2C", ",").replace("%25", "%"))
    message = data.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")
    return name, properties, message


@pytest.mark.parametrize("nasty", ["a,b", "a::b", "x=1,y=2", "100%2C", "line\r\nnext", "%25%",
                                   "“全角,：”", ""])
def test_what_the_runner_reads_back_is_what_we_meant(nasty):
    line = github.annotation("error", f"slides/{nasty}.md", 7, f"slide 2 {nasty}", f"m {nasty}")
    assert "\n" not in line and "\r" not in line
    assert parse_like_the_runner(line) == (
        "error", {"file": f"slides/{nasty}.md", "line": "7", "title": f"slide 2 {nasty}"},
        f"m {nasty}")


def test_summary_table_cells_cannot_be_split_by_a_pipe_or_newline(monkeypatch):
    from lecturekit.check.github_report import Annotation, DeckTally, summary_markdown

    for name in ("GITHUB_REPOSITORY", "GITHUB_SHA"):
        monkeypatch.delenv(name, raising=False)
    tally = DeckTally(blocks=2, ran=2, checked=1, failed=1,
                      failures=[Annotation("error", "slides/a|b.md", 4, "", "x | y\nz")])
    assert summary_markdown({"slides/a|b.md": tally}).splitlines()[4] == \
        "| slides/a\\|b.md | 2 | 1 | 0 | 1 | L4 x \\| y z |"
