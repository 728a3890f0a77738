"""The build reuses a deck's last passing code check while nothing it depends on has changed.

Each test runs the real checker (`CodeCheck` starts pytest) on a small deck
in its own folder, edits one thing, and looks at what the next build's code
check does: reuse the pass (no process), or run again and say why it fails.
"""

from __future__ import annotations

import compileall
import re
import subprocess
import sys
from pathlib import Path

import pytest

from lecturekit.author.drift import CodeCheck
from lecturekit.check.memo import deck_key, record_path
from lecturekit.deck import parse_deck
from lecturekit.render import BuildError

REUSED = re.compile(r"^\[build\] (?P<deck>\S+): code check ok \((?P<summary>[^)]*) in the check "
                    r"of \d{4}-\d\d-\d\d \d\d:\d\d; code, outputs and inputs unchanged since; "
                    r"CHECK=fresh runs it again\)$")

READER = """\
---
marp: true
---

# Reads a file

```python
from pathlib import Path

print(Path("data.txt").read_text())  # -> 7
```
"""


def check(deck: Path, *, reuse: bool = True) -> tuple[list[str], bool]:
    """Run the build's code check on `deck`; (its log, whether a pytest process ran)."""
    log: list[str] = []
    code_check = CodeCheck(deck, log.append, reuse=reuse)
    try:
        code_check.join()
    finally:
        code_check.cancel()
    return log, code_check.process is not None


def passes_then_is_reused(deck: Path) -> None:
    """A first check of this one-block deck runs and passes; a second, with nothing changed,
    reuses that pass."""
    log, ran = check(deck)
    assert ran and log[-1] == f"[build] {deck.stem}: code check ok (1 passed)", log
    log, ran = check(deck)
    assert not ran and REUSED.match(log[-1]), log


def replace(deck: Path, old: str, new: str) -> None:
    text = deck.read_text(encoding="utf-8")
    assert old in text
    deck.write_text(text.replace(old, new), encoding="utf-8")


def test_an_unchanged_deck_reuses_its_last_pass(tiny: Path, monkeypatch: pytest.MonkeyPatch
                                                ) -> None:
    monkeypatch.chdir(tiny.parent)
    log, ran = check(Path("tiny.md"))
    assert ran and log[-1] == "[build] tiny: code check ok (2 passed)"
    log, ran = check(Path("tiny.md"))
    assert not ran
    match = REUSED.match(log[-1])
    assert match and match["deck"] == "tiny" and match["summary"] == "2 passed", log


def test_prose_edits_keep_the_pass_but_code_edits_run_the_check_again(
        tiny: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tiny.parent)
    check(Path("tiny.md"))
    replace(tiny, "<!-- _header: かけ算 -->", "<!-- _header: かけ算 -->\n\n新しい説明の段落。")
    log, ran = check(Path("tiny.md"))
    assert not ran and REUSED.match(log[-1]), log
    replace(tiny, "# -> 42", "# -> 43")
    with pytest.raises(BuildError) as raised:
        check(Path("tiny.md"))
    assert str(raised.value).splitlines()[0] == (
        "tiny.md:20: output differs from the slide (slide 2 “かけ算”) "
        "[block slide2-line19 fails the code check]")


def test_a_failing_check_leaves_no_record(tiny: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tiny.parent)
    replace(tiny, "# -> 42", "# -> 43")
    for _ in range(2):  # the second run is not spared by the first
        with pytest.raises(BuildError) as raised:
            check(Path("tiny.md"))
        assert "tiny.md:18: output differs from the slide" in str(raised.value)
    assert not record_path(tiny, tiny.parent).exists()


def test_a_changed_input_file_runs_the_check_again(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    deck = tmp_path / "reader.md"
    deck.write_text(READER, encoding="utf-8")
    (tmp_path / "data.txt").write_text("7", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    passes_then_is_reused(Path("reader.md"))
    (tmp_path / "data.txt").write_text("8", encoding="utf-8")
    with pytest.raises(BuildError) as raised:
        check(Path("reader.md"))
    assert str(raised.value).splitlines()[0].startswith(
        "reader.md:10: output differs from the slide")


def test_an_edited_helper_module_runs_the_check_again_even_from_bytecode(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "helper.py").write_text("VALUE = 7\n", encoding="utf-8")
    compileall.compile_file(str(tmp_path / "helper.py"), quiet=1)  # an up-to-date .pyc
    deck = tmp_path / "uses.md"
    deck.write_text(READER.replace('from pathlib import Path\n\nprint(Path("data.txt")'
                                   '.read_text())  # -> 7', "import helper\n\n"
                                   "print(helper.VALUE)  # -> 7"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    passes_then_is_reused(Path("uses.md"))
    # Another size, so that Python itself sees the .pyc is stale even within the same second.
    (tmp_path / "helper.py").write_text("VALUE = 8  # edited\n", encoding="utf-8")
    with pytest.raises(BuildError) as raised:
        check(Path("uses.md"))
    assert "uses.md:10: output differs from the slide" in str(raised.value)


def test_a_file_the_deck_found_missing_must_stay_missing(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    deck = tmp_path / "probe.md"
    deck.write_text(READER.replace(
        'print(Path("data.txt").read_text())  # -> 7',
        'try:\n    open("extra.txt").close()\n    print("found")\nexcept OSError:\n'
        '    print("absent")  # -> absent'), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    passes_then_is_reused(Path("probe.md"))
    (tmp_path / "extra.txt").write_text("", encoding="utf-8")
    with pytest.raises(BuildError) as raised:
        check(Path("probe.md"))
    assert "probe.md:14: output differs from the slide" in str(raised.value)


def test_a_deck_without_python_blocks_needs_no_check_process(tmp_path: Path) -> None:
    deck = tmp_path / "prose.md"
    deck.write_text("---\nmarp: true\n---\n\n# Only prose\n\n```text\nnot python\n```\n",
                    encoding="utf-8")
    log, ran = check(deck)
    assert not ran and log == ["[build] prose: code check ok (no Python blocks)"]


def test_fresh_check_runs_even_an_unchanged_deck(tiny: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tiny.parent)
    check(Path("tiny.md"))
    log, ran = check(Path("tiny.md"), reuse=False)
    assert ran and log == ["[build] tiny: code check started (pytest tiny.md, alongside the "
                           "render)", "[build] tiny: code check ok (2 passed)"]


def test_a_pass_in_make_check_spares_the_next_build(tiny: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "lecturekit", "check", "-q", "tiny.md"],
                          cwd=tiny.parent, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout
    log: list[str] = []
    code_check = CodeCheck(tiny, log.append)
    assert code_check.process is None and REUSED.match(log[-1]), log


@pytest.mark.parametrize("options", [["--update-outputs"], ["-p", "no:cacheprovider"],
                                     ["-k", "slide2"], ["--slide-timeout", "5"]])
def test_runs_that_are_not_the_builds_check_leave_nothing_it_would_reuse(
        tiny: Path, options: list[str]) -> None:
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", *options, "tiny.md"],
                          cwd=tiny.parent, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout
    log: list[str] = []
    code_check = CodeCheck(tiny, log.append)
    code_check.cancel()
    assert code_check.process is not None, log


def test_the_key_follows_markers_and_code_not_prose() -> None:
    base = ("---\nmarp: true\n---\n\n<!-- pytest-codeblocks:skip -->\n\n```python\nprint(1)\n"
            "```\n\nProse.\n\n```python\nprint(2)\n```\n")
    key = deck_key(parse_deck(base, "/tmp/k/deck.md"))
    prose = base.replace("Prose.", "Other prose, two\nlines.")
    assert deck_key(parse_deck(prose, "/tmp/k/deck.md")) == key
    moved = base.replace("<!-- pytest-codeblocks:skip -->\n\n", "").replace(
        "Prose.\n", "Prose.\n\n<!-- pytest-codeblocks:skip -->\n")
    assert deck_key(parse_deck(moved, "/tmp/k/deck.md")) != key
    edited = base.replace("print(2)", "print(3)")
    assert deck_key(parse_deck(edited, "/tmp/k/deck.md")) != key
