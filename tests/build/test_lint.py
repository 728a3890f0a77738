from pathlib import Path

import pytest

from lecturekit.deck import parse_deck
from lecturekit.render.lint import defined_themes, lint_deck


@pytest.fixture
def themes(tmp_path: Path) -> Path:
    folder = tmp_path / "themes"
    folder.mkdir()
    (folder / "calm.css").write_text("/* @theme calm */\n@import 'default';\n")
    (folder / "webby.css").write_text(
        "/* @theme webby */\n\n@import url('https://fonts.example.org/a.css');\n")
    return folder


def deck_in(tmp_path: Path, body: str, theme: str = "calm"):
    (tmp_path / "pyproject.toml").touch()  # the project root
    (tmp_path / "slides").mkdir(exist_ok=True)
    (tmp_path / "img").mkdir(exist_ok=True)
    (tmp_path / "img" / "there.png").write_bytes(b"png")
    path = tmp_path / "slides" / "deck.md"
    text = f"---\nmarp: true\ntheme: {theme}\n---\n\n{body}"
    path.write_text(text)
    return parse_deck(text, path)


def messages(problems) -> list[str]:
    return [str(p) for p in problems]


def test_theme_names_come_from_theme_metadata(themes: Path) -> None:
    assert sorted(defined_themes(themes)) == ["calm", "webby"]


def test_existing_image_passes(tmp_path: Path, themes: Path) -> None:
    deck = deck_in(tmp_path, "# A\n\n![](../img/there.png)\n")
    assert lint_deck(deck, themes) == []


def test_missing_image_names_file_line_and_slide(tmp_path: Path, themes: Path) -> None:
    deck = deck_in(tmp_path, "# A\n\n---\n\n<!-- _header: 図 -->\n\n![](../img/gone.png)\n")
    (problem,) = lint_deck(deck, themes)
    assert (problem.line, problem.slide) == (12, 2)
    assert str(problem).startswith(f'{deck.path}:12: slide 2 "図" references ../img/gone.png, '
                                   "a file that does not exist")


def test_missing_html_img_src_is_found(tmp_path: Path, themes: Path) -> None:
    deck = deck_in(tmp_path, '# A\n\n<img src="../img/gone.png" width="10">\n')
    assert [p.line for p in lint_deck(deck, themes)] == [8]


def test_remote_image_is_refused(tmp_path: Path, themes: Path) -> None:
    deck = deck_in(tmp_path, "# A\n\n![](https://example.org/cat.png)\n")
    (problem,) = lint_deck(deck, themes)
    assert problem.line == 8
    assert "loads https://example.org/cat.png from the network" in str(problem)


def test_protocol_relative_css_url_is_refused(tmp_path: Path, themes: Path) -> None:
    body = '# A\n\n<div style="background: url(//cdn.example.org/x.png)"></div>\n'
    deck = deck_in(tmp_path, body)
    assert [p.line for p in lint_deck(deck, themes)] == [8]


def test_remote_link_is_not_a_fetch(tmp_path: Path, themes: Path) -> None:
    deck = deck_in(tmp_path, '# A\n\n<a href="https://pytorch.org/docs">docs</a>\n')
    assert lint_deck(deck, themes) == []


def test_unknown_theme_names_front_matter_line(tmp_path: Path, themes: Path) -> None:
    deck = deck_in(tmp_path, "# A\n", theme="nosuch")
    (problem,) = lint_deck(deck, themes)
    assert problem.line == 3
    assert ('theme "nosuch" is not defined by any CSS file of the project '
            "(/* @theme nosuch */) nor built into Marp" in str(problem))
    assert "known themes: calm, webby, default, gaia, uncover" in str(problem)


def test_theme_set_in_a_comment_directive_is_checked(tmp_path: Path, themes: Path) -> None:
    deck = deck_in(tmp_path, "# A\n\n---\n\n<!-- theme: other -->\n\n# B\n")
    assert [(p.line, 'theme "other"' in str(p)) for p in lint_deck(deck, themes)] == [(10, True)]


def test_themes_that_load_web_fonts_pass_the_lint(tmp_path: Path, themes: Path) -> None:
    """Marp's gaia and a theme importing a web font are accepted here: the render blocks
    the request and warns (tests/project/test_adopters.py builds such a deck)."""
    assert lint_deck(deck_in(tmp_path, "# A\n", theme="gaia"), themes) == []
    assert lint_deck(deck_in(tmp_path, "# A\n", theme="webby"), themes) == []


def test_project_theme_is_offline() -> None:
    root = Path(__file__).resolve().parents[2]
    deck = parse_deck("---\nmarp: true\ntheme: honwaka\n---\n\n# A\n", root / "slides" / "x.md")
    assert lint_deck(deck, root / "themes") == []


def test_reference_outside_the_project_is_a_problem_on_its_slide_and_line(
        tmp_path: Path, themes: Path) -> None:
    deck = deck_in(tmp_path, '# A\n\n---\n\n<!-- _header: 秘密 -->\n\n'
                             '<a href="../.git/config">x</a>\n\n![](/etc/hostname)\n')
    problems = lint_deck(deck, themes)
    assert messages(problems) == [
        f'{deck.path}:12: slide 2 "秘密" references ../.git/config, inside the hidden '
        "'.git' of the project, which is never published; only files inside the project "
        "are published",
        f'{deck.path}:14: slide 2 "秘密" references /etc/hostname, an absolute path (refer '
        "to files inside the project by a relative path); only files inside the project "
        "are published"]


def test_link_to_a_local_page_is_neither_checked_nor_refused(tmp_path: Path,
                                                             themes: Path) -> None:
    deck = deck_in(tmp_path, "# A\n\n[next](other.md) and <a href='#s2'>anchor</a>\n")
    assert lint_deck(deck, themes) == []


def test_a_missing_header_image_is_reported_once_where_it_is_written(
        tmp_path: Path, themes: Path) -> None:
    (tmp_path / "pyproject.toml").touch()
    (tmp_path / "slides").mkdir()
    path = tmp_path / "slides" / "deck.md"
    text = "---\nmarp: true\nheader: ![](../img/gone.png) 講義\n---\n\n# A\n\n---\n\n# B\n"
    deck = parse_deck(text, path)
    (problem,) = lint_deck(deck, themes)
    assert (problem.line, problem.slide) == (3, 1)
    assert str(problem).startswith(f'{path}:3: slide 1 "講義" references ../img/gone.png, '
                                   "a file that does not exist")
