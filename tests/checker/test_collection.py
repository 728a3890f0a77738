"""What is collected, how items are named, and clean collection errors for bad decks."""

from __future__ import annotations


def test_items_are_named_by_slide_and_fence_line_including_tilde_list_and_extra_words(run_decks):
    run = run_decks("fences.md")
    assert run.outcome("slide1-line5") == "passed"
    assert run.outcome("slide2-line13") == "passed"
    assert run.outcome("slide3-line30") == "passed"


def test_fence_inside_html_comment_is_not_an_item(run_decks):
    run = run_decks("fences.md")
    assert sorted(run.reports) == ["slide1-line5", "slide2-line13", "slide3-line30",
                                   "slide4-line38"]


def test_codeblocks_skip_marker_skips_the_next_fence(run_decks):
    run = run_decks("fences.md")
    assert run.outcome("slide4-line38") == "skipped"


def test_markdown_without_marp_front_matter_is_not_collected(run_decks):
    run = run_decks("plain.md")
    assert run.reports == {}
    assert "no tests ran" in run.text


def test_non_utf8_deck_is_a_collection_error_naming_file_and_line(run_decks, pytester):
    (pytester.path / "latin1.md").write_bytes(
        "---\nmarp: true\n---\n\n# Caf\u00e9\n".encode("latin-1"))
    run = run_decks("latin1.md")
    assert "deck error: latin1.md:5: not valid UTF-8" in run.text
    assert "INTERNALERROR" not in run.text
    assert "Traceback" not in run.text


def test_unterminated_fence_is_a_collection_error_at_its_line(run_decks):
    run = run_decks("unterminated.md")
    assert "deck error: unterminated.md:7: code fence ``` opened here is never closed" in run.text
    assert "Traceback" not in run.text


def test_mistyped_annotation_is_a_collection_error_at_its_line(run_decks):
    run = run_decks("unknown_annotation.md")
    assert "deck error: unknown_annotation.md:7: unknown annotation 'frehs'" in run.text
    assert "Traceback" not in run.text


def test_unknown_key_value_annotation_is_a_collection_error(run_decks, pytester):
    (pytester.path / "keyvalue.md").write_text(
        "---\nmarp: true\n---\n\n```python\nx = 1\n```\n\n```python retries=3\nx\n```\n",
        encoding="utf-8")
    run = run_decks("keyvalue.md")
    assert "deck error: keyvalue.md:9: unknown annotation 'retries'" in run.text


def test_output_fence_after_no_block_is_a_collection_error(run_decks, pytester):
    (pytester.path / "stray.md").write_text(
        "---\nmarp: true\n---\n\nSome text.\n\n```text output\n1\n```\n", encoding="utf-8")
    run = run_decks("stray.md")
    assert "deck error: stray.md:7 (slide 1): an `output` fence must directly follow" in run.text


def test_deck_is_found_from_a_directory_argument(run_decks, pytester, add_fixture):
    pytester.mkdir("slides")
    add_fixture("setup.md", "slides/setup.md")
    run = run_decks("slides")
    assert run.outcome("slide1-line8") == "passed"


def test_codeblocks_expect_exception_and_xfail_markers_make_xfailed_blocks(run_decks):
    run = run_decks("codeblocks_compat.md")
    raised, fixed, xfail = (run.reports[n] for n in ("slide1-line6", "slide1-line11",
                                                     "slide2-line27"))
    assert (raised.outcome, raised.wasxfail) == ("skipped", "xfail annotation")
    assert (fixed.outcome, fixed.wasxfail) == ("passed", "a known bug")
    assert (xfail.outcome, xfail.wasxfail) == ("skipped", "still broken")
    assert "codeblocks_compat.md: 5 blocks, 2 with checked output, 0 skipped, 1 failed, " \
           "2 xfailed" in run.text


def test_codeblocks_output_marker_can_ignore_whitespace_but_not_words(run_decks):
    run = run_decks("codeblocks_compat.md")
    assert run.outcome("slide2-line17") == "passed"
    assert run.message("slide3-line33").startswith(
        "codeblocks_compat.md:39: the block's output differs from its `output` fence")
