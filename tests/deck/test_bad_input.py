"""Hostile or broken decks end in a DeckError naming file and line, fast and in bounded
memory: never a RecursionError, a traceback from our code, or a YAML bomb going off."""

import tracemalloc

import pytest

from lecturekit.deck import DeckError, parse_deck

BOMB = """---
marp: true
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
---

# x
"""


def error_of(text: str) -> DeckError:
    with pytest.raises(DeckError) as info:
        parse_deck(text, "d.md")
    return info.value


def test_yaml_alias_bomb_is_refused_before_it_expands():
    tracemalloc.start()
    try:
        error = error_of(BOMB)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert str(error) == "d.md:7: front matter expands to more than 20000 values (YAML aliases)"
    assert peak < 20_000_000


def test_deeply_nested_comment_is_an_error_at_its_line_not_a_recursion_error():
    error = error_of("---\nmarp: true\n---\n\n# s\n\n<!-- " + "[" * 500 + " -->\n")
    assert str(error) == "d.md:7: comment nests deeper than 64 levels"


def test_deeply_nested_front_matter_names_the_line():
    text = "---\nmarp: true\nx:\n" + "".join(" " * i + "- \n" for i in range(1, 200)) + "---\n"
    error = error_of(text)
    assert error.line is not None and 3 <= error.line <= 70
    assert str(error).endswith("front matter nests deeper than 64 levels")


def test_overlong_front_matter_is_refused():
    error = error_of("---\nmarp: true\nx: " + "y" * 300_000 + "\n---\n")
    assert str(error) == "d.md:2: front matter is 300014 characters long (at most 262144)"


def test_invalid_front_matter_yaml_names_its_line():
    error = error_of("---\nmarp: true\nsetup: [1, 2\n---\n")
    assert error.line == 3
    assert "front matter is not valid YAML" in str(error)


def test_front_matter_that_is_not_a_mapping_is_refused():
    assert str(error_of("---\n- a\n- b\n---\n")) == (
        "d.md:1: front matter must be a YAML mapping (key: value)")


def test_deeply_nested_markdown_is_read_without_recursion():
    deck = parse_deck("---\nmarp: true\n---\n\n" + "> " * 3000 + "x\n\n" + "1. " * 3000 + "y\n",
                      "d.md")
    assert len(deck.slides) == 1


def test_fast_path_for_simple_directives_equals_the_full_yaml_load():
    from lecturekit.deck import marpit

    texts = ['_header: "演習1: 解答"', '_class: "lead"\nheader: "a \\" b"', 'footer: "x #y"',
             'header: "  padded  "', 'paginate: "true"\n_class: "a b"', "marp: true\nsize: 4K"]
    for text in texts:
        fast = marpit._simple_mapping(text)
        assert fast is not None
        marpit_loader = marpit._Loader(text)
        try:
            assert fast == marpit_loader.get_single_data()
        finally:
            marpit_loader.dispose()
    for text in ['a: "\\n"', 'a: "x"\na: "y"', "a: 'x'", 'a: "x" # c', "a: x # c"]:
        assert marpit._simple_mapping(text) is None


@pytest.mark.parametrize("ending", ["\r", "\r\n", "\n"])
def test_a_deck_with_any_line_ending_is_collected_and_checked(tmp_path, ending):
    import subprocess
    import sys

    deck = tmp_path / "deck.md"
    text = "---\nmarp: true\n---\n\n# s\n\n```python\nprint(1 + 1)  # -> 3\n```\n"
    deck.write_bytes(text.replace("\n", ending).encode())
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           str(deck)], capture_output=True, text=True, cwd=tmp_path,
                          timeout=120, check=False)
    assert "1 failed" in done.stdout, done.stdout
    assert "deck.md:8: output differs from the slide" in done.stdout
