"""`lecturekit check`'s start-up: what it loads, and that the shortcuts keep its behaviour.

No timings here (they are `make bench`'s, part (e)): these tests prove the
structural facts the start-up relies on, each by running the command as a
user does, and that nothing it skips changes a result.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

DECK = "---\nmarp: true\n---\n\n# One\n\n```python\nprint(1 + 1)  # -> 2\n```\n"
WRONG = "---\nmarp: true\n---\n\n# One\n\n```python\nprint(1 + 1)  # -> 3\n```\n"


def check(folder: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=folder, capture_output=True, text=True,
                          timeout=120, env={**os.environ, **env})


def imported(stderr: str) -> set[str]:
    """The modules `python -X importtime` reported importing."""
    return {line.rsplit("|", 1)[1].strip() for line in stderr.splitlines()
            if line.startswith("import time:") and line.count("|") == 2}


@pytest.mark.parametrize("how", [{"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
                                 {"args": "--disable-plugin-autoload"}],
                         ids=["environment", "option"])
def test_check_runs_the_decks_when_plugins_do_not_load_by_themselves(tmp_path, how):
    (tmp_path / "good.md").write_text(DECK, encoding="utf-8")
    (tmp_path / "bad.md").write_text(WRONG, encoding="utf-8")
    extra = [how["args"]] if "args" in how else []
    env = {k: v for k, v in how.items() if k != "args"}
    done = check(tmp_path, "-m", "lecturekit", "check", "-p", "no:cacheprovider", *extra,
                 "good.md", "bad.md", **env)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 failed, 1 passed" in done.stdout
    assert "bad.md:8: output differs from the slide (slide 1" in done.stdout
    assert "-3\n+2\n" in done.stdout


def test_check_help_is_the_check_commands_not_pytests(tmp_path):
    done = check(tmp_path, "-m", "lecturekit", "check", "--help")
    assert done.returncode == 0
    assert done.stdout.startswith("usage: lecturekit check [DECK|FOLDER ...] [PYTEST-OPTION ...]")


def test_check_of_a_deck_loads_neither_the_build_nor_pyyaml(tmp_path):
    """A deck whose front matter and directives are `key: value` lines: no PyYAML, no render
    stage, no settings parser (the folder has no configuration).  Other plugins of this
    environment import what they like, so only ours loads here."""
    (tmp_path / "deck.md").write_text(DECK.replace("# One", "<!-- paginate: true -->\n# One"),
                                      encoding="utf-8")
    done = check(tmp_path, "-X", "importtime", "-m", "lecturekit", "check", "-p",
                 "no:cacheprovider", "deck.md", PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
    assert done.returncode == 0, done.stdout
    assert "1 passed" in done.stdout
    modules = imported(done.stderr)
    assert "lecturekit.check.session" in modules  # the parse of importtime's output works
    assert not {"yaml", "lecturekit.render", "lecturekit.render.command", "tomllib",
                "lecturekit.check.github_report"} & modules


def test_front_matter_that_needs_yaml_is_still_read_by_pyyaml(tmp_path):
    deck = tmp_path / "deck.md"
    deck.write_text("---\nmarp: true\nkeywords:\n  - autodiff\n  - torch\n---\n\n# One\n",
                    encoding="utf-8")
    code = ("import sys\nfrom lecturekit.deck import read_deck\n"
            "deck = read_deck(sys.argv[1])\n"
            "print(deck.front_matter['keywords'], 'yaml' in sys.modules)\n")
    done = check(tmp_path, "-c", code, str(deck))
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["['autodiff',", "'torch']", "True"]


def test_a_yaml_error_in_front_matter_is_a_deck_error_at_its_line(tmp_path):
    (tmp_path / "deck.md").write_text("---\nmarp: true\ntitle: [unclosed\n---\n\n# One\n\n"
                                      "```python\nx = 1\n```\n", encoding="utf-8")
    done = check(tmp_path, "-m", "lecturekit", "check", "-p", "no:cacheprovider", "deck.md")
    assert done.returncode == 1
    assert "deck error: deck.md:" in done.stdout
    assert "front matter is not valid YAML" in done.stdout


# -- the pre-parse (lecturekit.check.preparse) ---------------------------------------------


@pytest.fixture
def preparse(monkeypatch, tmp_path):
    """The pre-parse module, run from `tmp_path` as `lecturekit check` runs it; ended after."""
    from lecturekit.check import preparse

    monkeypatch.chdir(tmp_path)
    yield preparse
    preparse.discard()


def _children() -> set[int]:
    from lecturekit.check.runner import children

    return children(os.getpid())


def test_a_preparsed_deck_is_the_deck_the_checkers_own_parse_gives(preparse, tmp_path):
    from lecturekit.deck import read_deck

    (tmp_path / "deck.md").write_text(DECK + "\n---\n\n<!-- _class: lead -->\n## Two\n",
                                      encoding="utf-8")
    before = _children()
    preparse.start(["--named-decks", "-q", "deck.md"], force=True)
    assert len(_children() - before) == 1
    taken = preparse.take(Path("deck.md"))
    assert taken is not None
    assert taken == read_deck(Path("deck.md"))
    assert preparse.take(Path("deck.md")) is None  # handed over once
    assert _children() == before  # the parser ended and was collected


def test_a_deck_changed_after_the_preparse_is_parsed_again(preparse, tmp_path):
    deck = tmp_path / "deck.md"
    deck.write_text(DECK, encoding="utf-8")
    preparse.start(["deck.md"], force=True)
    os.waitid(os.P_PID, preparse._pending.pid, os.WEXITED | os.WNOWAIT)  # it has read the file
    deck.write_text(WRONG, encoding="utf-8")
    assert preparse.take(Path("deck.md")) is None


def test_a_deck_the_preparse_cannot_read_is_left_to_the_checker(preparse, tmp_path):
    """Its deck error (here: not UTF-8) is reported by the checker's own parse."""
    (tmp_path / "bad.md").write_bytes(b"---\nmarp: true\n---\n\n# \xff\n")
    (tmp_path / "good.md").write_text(DECK, encoding="utf-8")
    preparse.start(["bad.md", "good.md"], force=True)
    assert preparse.take(Path("bad.md")) is None
    assert preparse.take(Path("good.md")) is not None


def test_a_path_other_than_the_named_one_is_not_taken(preparse, tmp_path):
    (tmp_path / "deck.md").write_text(DECK, encoding="utf-8")
    preparse.start(["deck.md"], force=True)
    assert preparse.take(tmp_path / "deck.md") is None  # absolute: not the display path


def test_an_unasked_preparse_is_ended_when_collection_is_over(preparse, tmp_path):
    (tmp_path / "deck.md").write_text(DECK, encoding="utf-8")
    before = _children()
    preparse.start(["deck.md"], force=True)
    preparse.discard()
    assert _children() == before
    assert preparse.take(Path("deck.md")) is None


@pytest.mark.parametrize("args", [["-n", "2"], ["-n2"], ["--numprocesses=2"], ["--dist", "load"]])
def test_no_preparse_under_xdist_whose_workers_collect(preparse, args):
    assert preparse.deck_files([*args, "deck.md"]) == []


def test_check_reports_the_same_with_and_without_a_spare_core(tmp_path):
    """The deck error and the failure, whichever way the decks were read."""
    (tmp_path / "bad.md").write_text(WRONG, encoding="utf-8")
    (tmp_path / "broken.md").write_text("---\nmarp: true\n---\n\n```python\nx = 1\n",
                                        encoding="utf-8")
    code = ("import sys\nfrom lecturekit.check import preparse\n"
            "preparse.spare_core = lambda: sys.argv[1] == 'spare'\n"
            "from lecturekit.check.command import run\n"
            "run(['--named-decks', '-q', '-p', 'no:cacheprovider', 'bad.md', 'broken.md'])\n")
    spare = check(tmp_path, "-c", code, "spare")
    busy = check(tmp_path, "-c", code, "busy")
    assert spare.returncode == busy.returncode == 1
    shown = [run.stdout.rsplit(" in ", 1)[0] for run in (spare, busy)]
    assert shown[0] == shown[1]
    assert "broken.md:5: code fence ``` opened here is never closed" in shown[0]
