"""`make slides` refuses drift: a deck whose code no longer prints what it shows is not built."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from authoring_helpers import lecturekit

from lecturekit.author.drift import CodeCheck
from lecturekit.render import BuildError


def break_output(deck: Path) -> None:
    deck.write_text(deck.read_text(encoding="utf-8").replace("# -> 42", "# -> 43"),
                    encoding="utf-8")


def test_code_check_names_each_failing_block_at_its_line(tiny: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    break_output(tiny)
    monkeypatch.chdir(tiny.parent)
    log: list[str] = []
    check = CodeCheck(Path("tiny.md"), log.append)
    with pytest.raises(BuildError) as raised:
        check.join()
    assert log == ["[build] tiny: code check started (pytest tiny.md, alongside the render)"]
    assert str(raised.value).splitlines() == [
        "tiny.md:18: output differs from the slide (slide 2 “かけ算”) "
        "[block slide2-line17 fails the code check]",
        "tiny.md: code check: 1 failed, 1 passed; the full report: lecturekit check tiny.md "
        "(or make check DECK=tiny.md); CHECK=0 skips it",
    ]


def test_code_check_passes_a_deck_whose_outputs_hold(tiny: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tiny.parent)
    log: list[str] = []
    CodeCheck(Path("tiny.md"), log.append).join()
    assert log[-1] == "[build] tiny: code check ok (2 passed)"


@pytest.mark.render
def test_build_publishes_nothing_when_the_code_check_fails(tiny: Path) -> None:
    break_output(tiny)
    done = lecturekit("build", "tiny.md", "--out", "dist", cwd=tiny.parent)
    assert done.returncode == 1
    assert "[build] tiny: code check started" in done.stdout
    assert done.stderr.splitlines()[0] == ("tiny.md:18: output differs from the slide (slide 2 "
                                           "“かけ算”) [block slide2-line17 fails the code check]")
    assert done.stderr.splitlines()[-1] == "[build] tiny: FAILED, nothing written"
    assert [p.name for p in (tiny.parent / "dist").iterdir()] == []


@pytest.mark.render
def test_check_0_skips_the_code_check_and_says_so(tiny: Path) -> None:
    break_output(tiny)
    done = lecturekit("build", "tiny.md", "--out", "dist", cwd=tiny.parent,
                      env={**os.environ, "CHECK": "0"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == ("[build] tiny: code check skipped (CHECK=0); only "
                                           "layout checks run")
    assert "(layout checks only)" in done.stdout.splitlines()[-1]
    assert (tiny.parent / "dist" / "tiny.html").is_file()
