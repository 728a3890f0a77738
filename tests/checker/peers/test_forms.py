"""The peers' forms where the differential tests cannot show them: errors, ids, updates."""

from __future__ import annotations

from lecturekit.deck import parse_deck

FRONT_MATTER = "---\nmarp: true\n---\n\n"


def _write(pytester, name: str, body: str) -> str:
    (pytester.path / name).write_text(FRONT_MATTER + body, encoding="utf-8")
    return name


def test_skipfile_below_the_first_line_is_a_deck_error_at_its_line(run_decks, pytester):
    name = _write(pytester, "late.md", "# Title\n\n<!--pytest-codeblocks:skipfile-->\n\n"
                                       "```python\nx = 1\n```\n")
    run = run_decks(name)
    assert ("deck error: late.md:7: `pytest-codeblocks:skipfile` skips the file only as its "
            "first line after the front matter") in run.text


def test_skipfile_deck_has_no_items_and_says_so_in_its_summary_line(run_decks, pytester):
    name = _write(pytester, "skipped.md", "<!--- pytest-codeblocks:skipfile --->\n\n"
                                          "```python\n1 / 0\n```\n")
    run = run_decks(name)
    assert run.reports == {}
    assert "no tests ran" in run.text


def test_print_in_a_function_is_updated_with_what_every_call_printed(run_decks, pytester):
    body = ("```python\ndef greet(name):\n    print(f'hello {name}')\n    #> hello a\n\n\n"
            "greet('a')\ngreet('b')\n```\n")
    name = _write(pytester, "greet.md", body)
    message = run_decks(name).message("slide1-line5")
    assert message.startswith("greet.md:8: output differs from the slide (what this print "
                              "printed in every call while the block ran)")
    assert " hello a\n+hello b" in message
    run_decks(name, args=("--update-outputs",))
    text = (pytester.path / name).read_text(encoding="utf-8")
    assert "    print(f'hello {name}')\n    #> hello a\n    #> hello b\n\n" in text
    assert run_decks(name).outcome("slide1-line5") == "passed"


def test_unknown_phmdoctest_marker_is_a_deck_error_at_its_line(run_decks, pytester):
    name = _write(pytester, "phm.md", "<!--phmdoctest-frobnicate-->\n```python\nx = 1\n```\n")
    assert ("deck error: phm.md:5: unknown phmdoctest marker 'phmdoctest-frobnicate'"
            in run_decks(name).text)


def test_phmdoctest_label_names_the_test_item(run_decks, pytester):
    name = _write(pytester, "label.md", "<!--phmdoctest-label test_sum-->\n```python\n"
                                        "assert 1 + 1 == 2\n```\n")
    assert run_decks(name).outcome("slide1-test_sum") == "passed"


def test_a_plain_fence_on_the_next_slide_is_not_the_output_of_a_block():
    deck = parse_deck(FRONT_MATTER + "```python\nprint(1)\n```\n\n---\n\n```\n2\n```\n"
                      "\n```python\nprint(1)\n```\n\n```\n1\n```\n")
    plain = [f for f in deck.fences if not f.lang]
    assert [(f.slide_number, f.has("output")) for f in plain] == [(2, False), (2, True)]


def test_peer_markers_are_not_presenter_notes():
    deck = parse_deck(FRONT_MATTER + "<!--phmdoctest-share-names-->\n<!-- skip: next -->\n"
                      "```python\nx = 1\n```\n\n<!-- skip: this slide if late -->\n")
    assert deck.slides[0].notes == ["skip: this slide if late"]
