"""An interrupted or failing build loses nothing and leaves nothing behind.

A real SIGINT / SIGTERM is sent to a running build-deck.py (while Chromium
checks the page, and while it prints): the previously published outputs
survive untouched, no Node or Chromium process of the build is left, no
staging folder (nor Chromium's temporary folder) remains, and the build says
so in one line.
"""

from __future__ import annotations

import errno
import importlib.util
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from build_helpers import BUILD_DECK, DECKS, ROOT

from lecturekit.render import pipeline

LECTURE = ROOT / "slides" / "03-autodiff.md"


def processes_mentioning(text: str) -> list[str]:
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in cmdline:
            found.append(f"{proc.name}: {cmdline[:120]}")
    return found


@pytest.mark.render
@pytest.mark.parametrize(("phase", "signum"), [("html", signal.SIGINT),
                                               ("checks ok", signal.SIGTERM)])
def test_interrupted_build_keeps_published_outputs_and_kills_node_and_chromium(
        tmp_path: Path, phase: str, signum: int) -> None:
    out = tmp_path / "dist"
    out.mkdir()
    for name in ("03-autodiff.html", "03-autodiff.pdf"):
        (out / name).write_text(f"published {name}")
    build = subprocess.Popen([sys.executable, str(BUILD_DECK), str(LECTURE), "--out", str(out)],
                             cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert build.stdout is not None
    for line in build.stdout:
        if f"[build] 03-autodiff: {phase}" in line:
            break
    else:
        pytest.fail(f"the build ended before {phase!r}: {build.stderr.read()}")
    assert processes_mentioning(str(out)), "Chromium should be running on the stage now"
    deadline = time.monotonic() + 60
    while not (links := list(out.glob(".build-*/.chromium/SingletonSocket"))):
        assert time.monotonic() < deadline, "Chromium never finished starting"
        time.sleep(0.05)
    socket = Path(os.readlink(links[0]))
    build.send_signal(signum)
    _, stderr = build.communicate(timeout=60)
    assert build.returncode == 130
    assert stderr == "[build] 03-autodiff: interrupted, nothing written (previous outputs kept)\n"
    assert sorted(p.name for p in out.iterdir()) == ["03-autodiff.html", "03-autodiff.pdf"]
    for name in ("03-autodiff.html", "03-autodiff.pdf"):
        assert (out / name).read_text() == f"published {name}"
    deadline = time.monotonic() + 10
    while processes_mentioning(str(out)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes_mentioning(str(out)) == []
    assert not socket.parent.exists(), "Chromium's temporary folder outlived the build"


def test_dead_builds_stages_are_removed_at_once_live_ones_kept(tmp_path: Path) -> None:
    dead = subprocess.Popen(["true"])
    dead.wait()
    stages = {name: tmp_path / f".build-{name}-x" for name in ("dead", "live", "fresh", "old")}
    for stage in stages.values():
        stage.mkdir()
    (stages["dead"] / pipeline.LOCK).write_text(f"{dead.pid} 12345\n")
    (stages["live"] / pipeline.LOCK).write_text(pipeline._lock_text(os.getpid()))
    an_hour_ago = time.time() - 3600
    os.utime(stages["old"], (an_hour_ago, an_hour_ago))  # no lock file, long abandoned
    removed = pipeline.remove_dead_stages(tmp_path)
    assert sorted(p.name for p in removed) == [".build-dead-x", ".build-old-x"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".build-fresh-x", ".build-live-x"]


def test_a_reused_pid_does_not_keep_a_dead_builds_stage(tmp_path: Path) -> None:
    stage = tmp_path / ".build-deck-x"
    stage.mkdir()
    (stage / pipeline.LOCK).write_text(f"{os.getpid()} 1\n")  # our pid, another start time
    assert pipeline.remove_dead_stages(tmp_path) == [stage]


def run_script(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    spec = importlib.util.spec_from_file_location("build_deck_script", BUILD_DECK)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    code = module.main(argv)
    return code, capsys.readouterr().err


def test_out_naming_a_file_is_one_clear_line(tmp_path: Path, capsys) -> None:
    target = tmp_path / "dist"
    target.write_text("not a folder")
    code, err = run_script([str(DECKS / "backgrounds.md"), "--out", str(target)], capsys)
    assert code == 1
    assert err.splitlines()[0] == (f"{target}: is a file, not a folder: the output (--out) "
                                   f"must be a folder")
    assert target.read_text() == "not a folder"


@pytest.mark.parametrize(("error", "text"), [(errno.EACCES, "Permission denied"),
                                             (errno.EROFS, "Read-only file system"),
                                             (errno.ENOSPC, "No space left on device")])
def test_unwritable_or_full_output_is_one_clear_line_keeping_old_outputs(
        tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch, error: int, text: str) -> None:
    """Root ignores folder permissions, so the failing write is simulated at the staging copy."""
    out = tmp_path / "dist"
    out.mkdir()
    (out / "backgrounds.pdf").write_text("published")

    def failing_copy(files, folder: Path) -> None:
        raise OSError(error, os.strerror(error), str(folder / "img" / "grid.png"))

    monkeypatch.setattr(pipeline, "copy_into", failing_copy)
    code, err = run_script([str(DECKS / "backgrounds.md"), "--out", str(out)], capsys)
    assert code == 1
    assert len(err.splitlines()) == 1
    assert err == (f"[build] backgrounds: cannot write to {out}: {text}; nothing written, "
                   f"previous outputs kept\n")
    assert sorted(p.name for p in out.iterdir()) == ["backgrounds.pdf"]
    assert (out / "backgrounds.pdf").read_text() == "published"


@pytest.mark.render
def test_sigint_to_the_outer_make_alone_stops_the_build_before_it_publishes(
        tmp_path: Path) -> None:
    """`kill -INT <make pid>` (as `make slides` runs: a make inside make) reaches neither
    the inner make nor the build; make waits for its recipe, and the build used to publish
    10 s after make said "Interrupt".  Now the build sees its ancestor dying and stops."""
    deck = tmp_path / "slow.md"
    deck.write_text("---\nmarp: true\n---\n\n# 遅いページ\n\n"
                    "<script>const t = Date.now(); while (Date.now() - t < 4000) {}</script>\n",
                    encoding="utf-8")
    out = tmp_path / "dist"
    out.mkdir()
    for name in ("slow.html", "slow.pdf"):
        (out / name).write_text(f"published {name}")
    makefile = tmp_path / "Makefile"
    makefile.write_text(f".PHONY: decks deck\ndecks:\n\t@$(MAKE) --no-print-directory "
                        f"-f {makefile} deck\ndeck:\n\t@{sys.executable} -m lecturekit build "
                        f"{deck} --out {out} --no-check\n", encoding="utf-8")
    make = subprocess.Popen(
        ["make", "-f", str(makefile)], cwd=ROOT, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # as from a terminal
    assert make.stdout is not None
    log = []
    for line in make.stdout:
        log.append(line)
        if "[build] slow: html" in line:
            break
    else:
        pytest.fail("".join(log))
    make.send_signal(signal.SIGINT)  # to the outer make only
    started = time.monotonic()
    log.extend(make.stdout)
    make.wait(timeout=60)
    text = "".join(log)
    assert time.monotonic() - started < 10, text
    assert "[build] slow: interrupted, nothing written (previous outputs kept)" in text, text
    assert "done in" not in text and "Traceback" not in text
    assert {p.name: p.read_text() for p in out.iterdir()} == {
        "slow.html": "published slow.html", "slow.pdf": "published slow.pdf"}
    assert processes_mentioning(str(out)) == []


STRIKE = """
import importlib.abc, os, signal, sys

class Strike(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name == {module!r}:
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C just as this module is imported
        return None

sys.meta_path.insert(0, Strike())
sys.argv = ["lecturekit", "build", {deck!r}, "--out", {out!r}, "--no-check"]
import runpy
runpy.run_module("lecturekit", run_name="__main__", alter_sys=True)  # python -m lecturekit
"""


@pytest.mark.parametrize("module", ["lecturekit.cli", "lecturekit.render.command",
                                    "lecturekit.render.pipeline"])
def test_a_very_early_ctrl_c_of_lecturekit_build_is_one_line(tmp_path: Path, module: str) -> None:
    """Ctrl-C while `lecturekit build` is still importing (before and after the build's
    own handler is in place): one line, exit 130, no KeyboardInterrupt traceback."""
    deck = tmp_path / "deck.md"
    deck.write_text("---\nmarp: true\n---\n\n# x\n", encoding="utf-8")
    out = tmp_path / "dist"
    run = subprocess.run([sys.executable, "-c", STRIKE.format(module=module, deck=str(deck),
                                                              out=str(out))],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert run.returncode == 130, run.stderr
    assert "Traceback" not in run.stderr and "KeyboardInterrupt" not in run.stderr
    assert len(run.stderr.splitlines()) == 1, run.stderr
    assert run.stderr.startswith(("lecturekit: interrupted", "[build] deck: interrupted"))
    assert not out.exists() or list(out.iterdir()) == []
