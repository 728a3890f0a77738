"""One `lecturekit` command, usable from any folder, not only from the project's root."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

from authoring_helpers import lecturekit


def test_console_script_is_declared_and_installed_next_to_python(tmp_path: Path) -> None:
    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "lecturekit"]
    assert script.value == "lecturekit.__main__:run"  # takes Ctrl-C before importing the CLI
    installed = Path(sys.executable).parent / "lecturekit"
    assert installed.is_file(), f"{installed} missing: reinstall the project (make setup)"
    done = subprocess.run([str(installed), "--help"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    for command in ("build", "check", "handout", "watch", "new", "site", "preview"):
        assert f"\n    {command} " in done.stdout


def test_check_runs_a_deck_given_by_path_from_another_folder(tiny: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = lecturekit("check", "../tiny.md", "-q", cwd=elsewhere)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout


def test_check_reports_a_broken_output_at_its_deck_line(tiny: Path) -> None:
    tiny.write_text(tiny.read_text(encoding="utf-8").replace("# -> 42", "# -> 43"),
                    encoding="utf-8")
    done = lecturekit("check", "tiny.md", "-q", cwd=tiny.parent)
    assert done.returncode == 1
    assert "tiny.md:18: output differs from the slide (slide 2 “かけ算”)" in done.stdout
    assert "1 failed, 1 passed" in done.stdout


def test_check_ends_quickly_but_runs_the_decks_atexit_handlers(tmp_path: Path) -> None:
    (tmp_path / "bye.md").write_text(
        "---\nmarp: true\n---\n\n```python\nimport atexit\n\n"
        "atexit.register(lambda: print('atexit ran', flush=True))\nprint(1)  # -> 1\n```\n",
        encoding="utf-8")
    done = lecturekit("check", "bye.md", "-q", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    # The deck runs in a process of its own (check/runner.py): its exit handlers run when
    # the deck is done; what they print comes once, where a script's would, at the end.
    assert lines.count("atexit ran") == 1, lines
    assert lines[-2].startswith("1 passed in ") and lines[-1] == "atexit ran", lines


def test_check_update_outputs_rewrites_the_deck(tiny: Path) -> None:
    tiny.write_text(tiny.read_text(encoding="utf-8").replace("# -> 42", "# -> 43"),
                    encoding="utf-8")
    done = lecturekit("check", "--update-outputs", "tiny.md", cwd=tiny.parent)
    assert done.returncode == 0, done.stdout
    assert "updated 1 expected output(s) in tiny.md" in done.stdout
    assert "print(x * 21)  # -> 42\n" in tiny.read_text(encoding="utf-8")


def test_watch_refuses_a_missing_deck_in_one_line(tmp_path: Path) -> None:
    done = lecturekit("watch", "nope.md", cwd=tmp_path)
    assert (done.returncode, done.stderr) == (1, "nope.md: no such deck\n")
