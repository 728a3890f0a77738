"""`lecturekit new`: a deck from the template that passes its check and builds at once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from authoring_helpers import ROOT, lecturekit

from lecturekit.deck import read_deck


@pytest.fixture
def new_deck(tmp_path: Path) -> Path:
    (tmp_path / "lecturekit.toml").write_text('lang = "ja"\n', encoding="utf-8")
    done = lecturekit("new", "04-nn", "--title", "ニューラルネット: \"入門\" #1",
                      "--date", "2026-12-01", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("created slides/04-nn.md")
    return tmp_path / "slides" / "04-nn.md"


def test_new_deck_has_every_part_of_a_lecture(new_deck: Path) -> None:
    deck = read_deck(new_deck)
    front = deck.front_matter
    # Marp reads front matter values as strings (lecturekit.deck.marpit)
    assert (front["marp"], front["theme"], front["paginate"], front["math"]) == (
        "true", "honwaka", "true", "mathjax")
    assert deck.is_marp
    assert (front["title"], str(front["date"])) == ("ニューラルネット: \"入門\" #1", "2026-12-01")
    assert "lead" in deck.slides[0].classes
    assert deck.slides[0].headings[0][1] == "ニューラルネット: \"入門\" #1"
    assert deck.slides[1].header == "今日の内容"
    classes = [c for s in deck.slides for c in s.classes]
    assert "exercise" in classes and "answer" in classes
    answers = [f for f in deck.code_blocks if f.value("answer")]
    assert [f.value("answer") for f in answers] == ["1-1"]
    assert all("# -> " in f.code for f in deck.code_blocks)
    assert sum(len(s.notes) for s in deck.slides) >= 2


def test_new_deck_passes_its_code_check_with_unchecked_output_an_error(new_deck: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "--unchecked-output=error", str(new_deck)], cwd=new_deck.parent,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout
    assert "2 blocks, 2 with checked output, 0 skipped, 0 failed" in done.stdout


def test_new_refuses_to_overwrite_an_existing_deck(new_deck: Path) -> None:
    new_deck.write_text("mine\n", encoding="utf-8")
    done = lecturekit("new", "04-nn", "--title", "別の題", cwd=new_deck.parent.parent)
    assert done.returncode == 1
    assert done.stderr == ("lecturekit new: slides/04-nn.md already exists; not overwriting it "
                           "(pick another name, or delete the file first)\n")
    assert new_deck.read_text(encoding="utf-8") == "mine\n"
    assert [p.name for p in new_deck.parent.iterdir()] == ["04-nn.md"]


@pytest.mark.parametrize("name", ["../04-nn", "slides/04", "", "-x"])
def test_new_refuses_a_name_that_is_not_a_file_name(tmp_path: Path, name: str) -> None:
    done = lecturekit("new", name, "--title", "題", cwd=tmp_path)
    assert done.returncode != 0
    assert not (tmp_path / "slides").exists() or not any((tmp_path / "slides").iterdir())
    if name != "-x":  # argparse reads -x as an option and says so itself
        assert f"lecturekit new: {name!r} is not a deck name" in done.stderr


def test_make_new_creates_the_deck_from_deck_and_title(tmp_path: Path) -> None:
    done = subprocess.run(["make", "-s", "--no-print-directory", "-f", str(ROOT / "Makefile"),
                           "new", "DECK=05-cnn", "TITLE=畳み込み \"CNN\"",
                           f"PY={sys.executable}", "READY="],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert read_deck(tmp_path / "slides" / "05-cnn.md").front_matter["title"] == "畳み込み \"CNN\""


@pytest.mark.render
def test_new_deck_builds_at_once(new_deck: Path, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "build-deck.py"),
                           str(new_deck), "--out", str(out)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    assert (out / "04-nn.html").is_file() and (out / "04-nn.pdf").is_file()
    assert "[build] 04-nn: checks ok (5 slides)" in done.stdout


def test_new_in_a_project_not_in_japanese_is_english_with_the_projects_theme_and_folder(
        tmp_path: Path) -> None:
    (tmp_path / "lecturekit.toml").write_text('decks = ["course/*.md"]\nlang = "en"\n')
    (tmp_path / "course").mkdir()
    (tmp_path / "course" / "01-start.md").write_text("---\nmarp: true\ntheme: gaia\n---\n\n# A\n")
    done = lecturekit("new", "02-next", "--title", "Loops", "--date", "2026-12-01",
                      cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("created course/02-next.md")
    deck = read_deck(tmp_path / "course" / "02-next.md")
    assert (deck.front_matter["theme"], deck.front_matter["title"]) == ("gaia", "Loops")
    assert deck.slides[1].header == "Today"
    text = deck.path.read_text(encoding="utf-8")
    assert not any("\u3040" <= ch <= "\u30ff" for ch in text)
    check = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                            "--unchecked-output=error", str(deck.path)], cwd=tmp_path,
                           capture_output=True, text=True, timeout=300, check=False)
    assert "2 blocks, 2 with checked output, 0 skipped, 0 failed" in check.stdout, check.stdout
