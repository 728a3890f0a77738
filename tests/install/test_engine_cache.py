"""The engine installs itself: where its Node packages come from, and the once-only cache fill.

A fake `npm` (a shell script first on PATH) stands in for the real one, so these
tests prove what lecturekit does around npm (the lock it hands over, one progress
line, one install for concurrent first uses, nothing half-written on failure)
without the network.  The real `npm ci` (offline, from the npm cache `make
setup` filled) runs in test_adopter.py, end to end.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from lecturekit.render import tools

ROOT = Path(__file__).resolve().parents[2]

FAKE_NPM = """\
#!/bin/sh
# A stand-in for npm: records its call, checks it got the shipped files, makes the packages.
echo "$PWD $*" >> "$FAKE_NPM_LOG"
[ "$1" = ci ] || { echo "fake npm: only ci" >&2; exit 2; }
cmp -s package-lock.json "$FAKE_NPM_LOCK" || { echo "fake npm: not the shipped lock" >&2; exit 3; }
if [ -n "$FAKE_NPM_FAIL" ]; then echo "npm ERR! $FAKE_NPM_FAIL" >&2; exit 1; fi
sleep "${FAKE_NPM_SLEEP:-0}"
for name in @marp-team/marp-cli @marp-team/marp-core puppeteer-core pdf-lib mathjax-full; do
  mkdir -p "node_modules/$name" && echo '{}' > "node_modules/$name/package.json"
done
"""


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    """A package.json + lock like the one shipped in the package."""
    folder = tmp_path / "spec"
    folder.mkdir()
    (folder / "package.json").write_text(json.dumps(
        {"name": "x", "dependencies": {"@marp-team/marp-cli": "4.5.1", "pdf-lib": "1.17.1"}}))
    (folder / "package-lock.json").write_text('{"lockfileVersion": 3}\n')
    return folder


@pytest.fixture
def fake_npm(tmp_path: Path, spec: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """PATH = a folder with the fake npm and the real node; the cache in tmp_path."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    npm = bin_dir / "npm"
    npm.write_text(FAKE_NPM)
    npm.chmod(0o755)
    node = shutil.which("node")
    assert node, "these tests need node"
    (bin_dir / "node").symlink_to(node)
    log = tmp_path / "npm.log"
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    monkeypatch.setenv("FAKE_NPM_LOG", str(log))
    monkeypatch.setenv("FAKE_NPM_LOCK", str(spec / "package-lock.json"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return log


def test_the_shipped_lock_is_the_repositorys_and_pins_every_package_the_engine_imports() -> None:
    shipped = tools.NODE_SPEC
    assert (shipped / "package-lock.json").read_bytes() == (ROOT / "package-lock.json").read_bytes()
    lock = json.loads((shipped / "package-lock.json").read_text(encoding="utf-8"))
    for name in tools.REQUIRED:
        assert f"node_modules/{name}" in lock["packages"], name
        assert not lock["packages"][f"node_modules/{name}"].get("dev"), name


def test_first_use_installs_once_with_one_progress_line_then_reuses(
        fake_npm: Path, spec: Path, tmp_path: Path) -> None:
    lines: list[str] = []
    first = tools.fill_cache(spec, log=lines.append)
    again = tools.fill_cache(spec, log=lines.append)
    folder = tmp_path / "cache" / "lecturekit" / f"engine-{tools.spec_digest(spec)}"
    assert first == again == folder / "node_modules"
    assert tools.has_engine_packages(first)
    assert lines == [f"[lecturekit] installing the render engine (marp-cli 4.5.1, pdf-lib "
                     f"1.17.1) into {folder} with npm: once, about a minute"]
    (call,) = fake_npm.read_text().splitlines()
    assert call.endswith(" ci --omit=dev --no-audit --no-fund --loglevel=error")
    assert sorted(p.name for p in folder.parent.iterdir()) == [folder.name, f"{folder.name}.lock"]


def test_a_new_lock_gets_a_new_cache_folder(fake_npm: Path, spec: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    first = tools.fill_cache(spec, log=lambda line: None)
    (spec / "package-lock.json").write_text('{"lockfileVersion": 3, "new": 1}\n')
    monkeypatch.setenv("FAKE_NPM_LOCK", str(spec / "package-lock.json"))
    second = tools.fill_cache(spec, log=lambda line: None)
    assert first != second and first.is_dir() and second.is_dir()


def test_concurrent_first_uses_install_once_and_agree(fake_npm: Path, spec: Path,
                                                      tmp_path: Path) -> None:
    script = textwrap.dedent(f"""
        from pathlib import Path
        from lecturekit.render import tools
        print(tools.fill_cache(Path({str(spec)!r}), log=lambda line: print('LOG', line)))
    """)
    env = {**os.environ, "FAKE_NPM_SLEEP": "1"}
    runs = [subprocess.Popen([sys.executable, "-c", script], env=env, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(3)]
    outputs = [run.communicate(timeout=60) for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0], outputs
    paths = {out.splitlines()[-1] for out, _ in outputs}
    assert len(paths) == 1
    assert sum(out.count("LOG ") for out, _ in outputs) == 1
    assert len(fake_npm.read_text().splitlines()) == 1


def test_a_failed_install_is_one_line_and_leaves_no_cache(
        fake_npm: Path, spec: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_NPM_FAIL", "network request to registry.npmjs.org failed")
    with pytest.raises(tools.ToolError) as raised:
        tools.fill_cache(spec, log=lambda line: None)
    folder = tmp_path / "cache" / "lecturekit" / f"engine-{tools.spec_digest(spec)}"
    assert str(raised.value) == (f"npm could not install the render engine into {folder} "
                                 f"(exit 1): npm ERR! network request to registry.npmjs.org "
                                 f"failed")
    assert [p.name for p in folder.parent.iterdir()] == [f"{folder.name}.lock"]


def test_without_npm_one_line_says_what_to_install(
        fake_npm: Path, spec: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "bin" / "npm").unlink()
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))  # node only
    with pytest.raises(tools.ToolError) as raised:
        tools.fill_cache(spec, log=lambda line: None)
    assert str(raised.value) == (
        "npm not found (lecturekit installs its render engine with it once): install Node.js "
        "20 or newer with npm (https://nodejs.org, or `sudo apt-get install nodejs npm`)")


def test_the_projects_own_node_modules_come_first(tmp_path: Path, fake_npm: Path) -> None:
    project = tmp_path / "repo"
    for name in tools.REQUIRED:
        (project / "node_modules" / name).mkdir(parents=True)
        (project / "node_modules" / name / "package.json").write_text("{}")
    (project / "package.json").write_text("{}")
    tools._node_modules.cache_clear()
    try:
        assert tools.node_modules(project) == (project / "node_modules").resolve()
    finally:
        tools._node_modules.cache_clear()
    assert not fake_npm.exists()


def test_a_project_without_node_modules_uses_the_checkouts_in_a_source_checkout(
        tmp_path: Path) -> None:
    (tmp_path / "lecturekit.toml").write_text("")
    tools._node_modules.cache_clear()
    try:
        assert tools.node_modules(tmp_path) == (ROOT / "node_modules").resolve()
    finally:
        tools._node_modules.cache_clear()


DECK = "---\nmarp: true\n---\n\n# One\n"


def _build(deck: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lecturekit", "build", str(deck), "--no-check",
                           "--out", str(deck.parent / "dist")], cwd=deck.parent, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_build_without_node_is_one_line_saying_what_to_install(tmp_path: Path) -> None:
    deck = tmp_path / "deck.md"
    deck.write_text(DECK)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()  # a PATH with Python's folder only: no node
    (bin_dir / "python").symlink_to(sys.executable)
    run = _build(deck, {**os.environ, "PATH": str(bin_dir), "CHROME_PATH": tools.chrome_path()})
    assert run.returncode == 1
    assert ("node not found: install Node.js 20 or newer with npm (https://nodejs.org, or "
            "`sudo apt-get install nodejs npm`)") in run.stderr
    assert "Traceback" not in run.stderr and "make setup" not in run.stderr
    assert not (tmp_path / "dist" / "deck.pdf").exists()


def test_build_without_chromium_is_one_line_saying_what_to_install(tmp_path: Path) -> None:
    deck = tmp_path / "deck.md"
    deck.write_text(DECK)
    missing = tmp_path / "no-chromium"
    run = _build(deck, {**os.environ, "CHROME_PATH": str(missing)})
    assert run.returncode == 1
    assert (f"Chromium not found at {missing}: install it (e.g. `sudo apt-get install "
            f"chromium`) or set CHROME_PATH to a Chromium or Chrome binary") in run.stderr
    assert "Traceback" not in run.stderr and "make setup" not in run.stderr


def test_an_unwritable_cache_is_one_line_naming_the_folder_and_the_way_out(
        fake_npm: Path, spec: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    with pytest.raises(tools.ToolError) as raised:
        tools.fill_cache(spec, log=lambda line: None)
    folder = blocker / "lecturekit" / f"engine-{tools.spec_digest(spec)}"
    assert str(raised.value) == (f"cannot install the render engine into {folder}: Not a "
                                 f"directory (set XDG_CACHE_HOME to a writable folder)")
