"""`Project`: where settings come from, which decks and themes a repository has, where
outputs go."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path, PurePosixPath

import pytest

from lecturekit.project import Project, ProjectError, is_marp_deck

ROOT = Path(__file__).resolve().parents[2]
SHIPPED_HONWAKA = ROOT / "themes" / "honwaka.css"


def write(path: Path, text: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def deck(path: Path, marp: bool = True) -> Path:
    front = "marp: true\n" if marp else "title: x\n"
    return write(path, f"---\n{front}---\n\n# A\n")


def test_lecturekit_toml_wins_over_pyproject_which_wins_over_the_marp_config(
        tmp_path: Path) -> None:
    write(tmp_path / ".marprc.yml", "lang: fr\n")
    assert Project.load(tmp_path).settings.lang == "fr"
    write(tmp_path / "pyproject.toml", '[tool.lecturekit]\nlang = "de"\ntitle = "Kurs"\n')
    settings = Project.load(tmp_path).settings
    assert (settings.lang, settings.title, settings.source) == ("de", "Kurs",
                                                               tmp_path / "pyproject.toml")
    write(tmp_path / "lecturekit.toml", 'lang = "ja"\n')
    settings = Project.load(tmp_path).settings
    assert (settings.lang, settings.source) == ("ja", tmp_path / "lecturekit.toml")
    # Defaults: English, the folder's name, `dist`, strict layout.
    (tmp_path / "bare").mkdir()
    (tmp_path / "bare" / ".git").mkdir()
    settings = Project.load(tmp_path / "bare").settings
    assert (settings.lang, settings.title, settings.out, settings.layout) == (
        "en", "bare", "dist", "error")


def test_deck_globs_base_and_relative_names_mirror_chapter_folders(tmp_path: Path) -> None:
    write(tmp_path / "lecturekit.toml", 'decks = ["ch*/lecture.md"]\nout = "public"\n')
    ch02 = deck(tmp_path / "ch02" / "lecture.md", marp=False)
    ch03 = deck(tmp_path / "ch03" / "lecture.md")
    deck(tmp_path / "ch03" / "notes.md")
    loose = deck(tmp_path / "talks" / "extra.md")
    project = Project.load(tmp_path / "ch02")
    assert project.root == tmp_path
    assert project.decks == [ch02, ch03]
    assert project.base == tmp_path
    assert project.relative_name(ch02) == PurePosixPath("ch02/lecture")
    assert project.output(ch03, ".pdf") == tmp_path / "public" / "ch03" / "lecture.pdf"
    # Enabled by the configuration without `marp: true`; a deck outside it needs `marp: true`.
    assert project.is_deck(ch02) and not is_marp_deck(ch02)
    assert project.is_deck(loose) and not project.includes(loose)
    assert not project.is_deck(deck(tmp_path / "ch04" / "lecture.txt"))


def test_default_decks_are_slides_then_marp_inputdir(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    a = deck(tmp_path / "slides" / "01-a.md")
    project = Project.load(tmp_path)
    assert (project.decks, project.base) == ([a], tmp_path / "slides")
    assert project.relative_name(a) == PurePosixPath("01-a")
    # A deck given on the command line outside the base publishes at the top, by its stem.
    assert project.output(tmp_path / "tests" / "x.md", ".html") == tmp_path / "dist" / "x.html"
    write(tmp_path / "marp.config.mjs", "export default { inputDir: './lectures' }\n")
    b = deck(tmp_path / "lectures" / "week1" / "intro.md", marp=False)
    project = Project.load(tmp_path)
    assert (project.decks, project.base) == ([b], tmp_path / "lectures")
    assert project.is_deck(b) and project.relative_name(b) == PurePosixPath("week1/intro")


def test_a_repository_theme_wins_over_the_shipped_one_of_the_same_name(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    theirs = write(tmp_path / "assets" / "marp-style.css", "/* @theme honwaka */\n")
    other = write(tmp_path / "style" / "x.css", "/*!\n * @theme corporate\n */\nsection{}\n")
    write(tmp_path / "dist" / "old.css", "/* @theme stale */\n")  # outputs are not sources
    write(tmp_path / "node_modules" / "p" / "t.css", "/* @theme vendored */\n")
    write(tmp_path / "plain.css", "section { color: red } /* no theme here */\n")
    project = Project.load(tmp_path)
    assert project.themes == {"honwaka": theirs, "corporate": other}
    shipped = {"honwaka": SHIPPED_HONWAKA, "calm": tmp_path / "calm.css"}
    assert project.theme_set(shipped) == {"honwaka": theirs, "calm": tmp_path / "calm.css",
                                          "corporate": other}
    # Configured theme folders replace the search of the whole repository.
    write(tmp_path / "lecturekit.toml", 'themes = ["style"]\n')
    assert Project.load(tmp_path).themes == {"corporate": other}


@pytest.mark.parametrize(("url", "https"), [
    ("git@github.com:someone/lectures.git", "https://github.com/someone/lectures"),
    ("ssh://git@github.com/someone/lectures.git", "https://github.com/someone/lectures"),
    ("https://github.com/someone/lectures.git", "https://github.com/someone/lectures"),
])
def test_the_git_remote_becomes_the_repository_url(tmp_path: Path, url: str, https: str) -> None:
    write(tmp_path / ".git" / "config", f'[remote "origin"]\n\turl = {url}\n')
    assert Project.load(tmp_path).settings.repository == https
    write(tmp_path / "lecturekit.toml", 'repository = "https://example.org/r"\n')
    assert Project.load(tmp_path).settings.repository == "https://example.org/r"


@pytest.mark.parametrize(("text", "message"), [
    ('decks = 3\n', "`decks` must be a string or a list of strings"),
    ('layout = "loose"\n', "`layout` must be \"error\" or \"warn\", not 'loose'"),
    ('deck = ["a.md"]\n', "unknown key `deck`"),
    ('out = ""\n', "`out` must be a non-empty string"),
    ('title = [\n', "cannot read it"),
])
def test_a_bad_configuration_names_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    config = write(tmp_path / "lecturekit.toml", text)
    with pytest.raises(ProjectError) as caught:
        Project.load(tmp_path)
    assert str(caught.value).startswith(f"{config}: ")
    assert message in str(caught.value)


def test_a_bad_configuration_is_one_line_for_users_without_traceback(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.lecturekit]\nlayout = "loose"\n')
    deck(tmp_path / "slides" / "a.md")
    for command in (["build", "--no-check"], ["check"], ["index"]):
        run = subprocess.run([sys.executable, "-m", "lecturekit", *command], cwd=tmp_path,
                             capture_output=True, text=True, timeout=120, check=False)
        assert (run.returncode, run.stderr.splitlines()) == (2, [
            f"lecturekit: {tmp_path / 'pyproject.toml'}: `layout` must be \"error\" or "
            "\"warn\", not 'loose'"]), command


def test_lecturekit_check_takes_a_deck_named_on_its_command_line_without_marp_true(
        tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path / "notes" / "talk.md", "# Talk\n\n```python\nprint(6 * 7)\n# -> 41\n```\n")
    run = subprocess.run([sys.executable, "-m", "lecturekit", "check", "-q", "notes/talk.md"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 1
    assert "notes/talk.md:5:" in run.stdout and "1 failed" in run.stdout, run.stdout
