"""`make preview`: 127.0.0.1 only, the decks and their files only, one SIGTERM stops it all,
and a failing block shows as a banner on its slide while previewing."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from authoring_helpers import FIXTURES, ROOT

SITE = FIXTURES / "site"
PATIENCE_MS = 20000
"""How long the probe keeps looking, so a slow banner is reported with its delay."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def listening_addresses(port: int) -> set[str]:
    """Local addresses with a socket listening on `port` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as handle:
            next(handle)
            for row in handle:
                local, state = row.split()[1], row.split()[3]
                address, hex_port = local.split(":")
                if state == "0A" and int(hex_port, 16) == port:
                    found.add(address)
    return found


class Preview:
    """`make preview DECK=… PORT=…` started as a lecturer would, output read line by line."""

    def __init__(self, deck: Path, port: int) -> None:
        self.port = port
        self.process = subprocess.Popen(
            ["make", "-s", "--no-print-directory", "-C", str(ROOT), "preview",
             f"DECK={deck}", f"PORT={port}", f"PY={sys.executable}", "READY="],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True)
        self.lines: queue.Queue[str] = queue.Queue()
        self.log: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, text: str, timeout: float = 180) -> str:
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no {text!r} in:\n" + "\n".join(self.log)) from None
            self.log.append(line)
            if text in line:
                return line

    def get(self, path: str) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        connection.request("GET", path)  # sent as is: no client-side normalisation of ..
        response = connection.getresponse()
        return response.status, response.read()

    def rendered(self, name: str, timeout: float = 180) -> bytes:
        """The deck's page once marp-cli has rendered it (before that: a placeholder)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status, page = self.get(f"/{name}.html")
            if status == 200 and b"data-marpit-svg" in page:
                return page
            time.sleep(0.1)
        raise AssertionError(f"/{name}.html never rendered:\n" + "\n".join(self.log))

    def kill(self) -> None:
        if self.process.poll() is None:
            for pid in descendants(self.process.pid):
                os.kill(pid, signal.SIGKILL)
            self.process.kill()
            self.process.wait()


@pytest.fixture
def site(tmp_path: Path) -> Path:
    shutil.copytree(SITE, tmp_path / "site")
    # A project as a lecturer has one: its root is marked (here by package.json), so the
    # decks in slides/ may use ../img/ (references leaving the project are refused).
    (tmp_path / "site" / "package.json").write_text("{}\n", encoding="utf-8")
    return tmp_path / "site" / "slides" / "shown.md"


@pytest.fixture
def preview(site: Path):
    p = Preview(site, free_port())
    yield p
    p.kill()


def test_preview_serves_the_decks_and_their_files_and_nothing_else(
        preview: Preview, site: Path) -> None:
    preview.wait_for("[preview] http://127.0.0.1:")
    preview.wait_for(": 2 passed")
    assert listening_addresses(preview.port) == {"0100007F"}  # 127.0.0.1, no other interface
    page = preview.rendered("shown")
    assert b'<script src="/__preview__/live.js" data-deck="shown"' in page
    assert b'src="img/grid.png"' in page
    assert preview.get("/img/grid.png") == (200, (site.parent.parent / "img/grid.png").read_bytes())
    for path in ("/README.md", "/../pyproject.toml", "/%2e%2e/pyproject.toml", "/slides/shown.md",
                 "/shown.md", "/lecturekit/cli.py", "/node_modules/.package-lock.json",
                 "/img/", "/../img/grid.png", "//etc/passwd", f"/{ROOT}/Makefile"):
        assert preview.get(path)[0] == 404, path


def test_one_sigterm_to_make_preview_stops_every_process_it_started(preview: Preview) -> None:
    preview.wait_for(": 2 passed")
    started = descendants(preview.process.pid)
    assert len(started) >= 2  # the preview server and its warm kernel, at least
    preview.process.send_signal(signal.SIGTERM)  # to make only, as `kill PID` would
    preview.process.wait(timeout=30)
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in started) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [pid for pid in started if alive(pid)] == []
    with socket.socket() as s:
        s.bind(("127.0.0.1", preview.port))  # the port is free again


@pytest.mark.render
def test_a_failing_block_shows_a_banner_on_its_slide_while_previewing(
        preview: Preview, site: Path) -> None:
    preview.wait_for(": 2 passed")
    preview.rendered("shown")
    probe = subprocess.Popen(["node", str(Path(__file__).with_name("banner_probe.mjs")),
                              f"http://127.0.0.1:{preview.port}/shown.html"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "CHROME_PATH": os.environ.get(
                                 "CHROME_PATH", "/usr/bin/chromium")})
    assert probe.stdin is not None and probe.stdout is not None
    try:
        assert json.loads(probe.stdout.readline()) == {"ready": True, "banners": []}
        text = site.read_text(encoding="utf-8")

        site.write_text(text.replace("# -> 42", "# -> 43"), encoding="utf-8")
        probe.stdin.write(f"appear {PATIENCE_MS} 3\n")
        probe.stdin.flush()
        shown = json.loads(probe.stdout.readline())
        assert shown["ok"] and shown["ms"] <= 2000, shown
        (banner,) = shown["banners"]
        assert banner["slide"] == 3
        assert banner["text"].startswith(
            "line 24: output differs from the slide (slide 3 “かけ算”)")
        assert "-43\n+42" in banner["text"]

        site.write_text(text, encoding="utf-8")
        probe.stdin.write(f"vanish {PATIENCE_MS}\n")
        probe.stdin.flush()
        gone = json.loads(probe.stdout.readline())
        assert gone["ok"] and gone["ms"] <= 2000, gone
        probe.stdin.write("quit\n")
        probe.stdin.flush()
        with contextlib.suppress(subprocess.TimeoutExpired):
            probe.wait(timeout=60)  # closing Chromium is slow on a busy machine; not the point
    finally:
        if probe.poll() is None:
            probe.kill()
            probe.wait()


def test_preview_answers_only_its_own_address_and_drops_clients_quietly(
        preview: Preview) -> None:
    """DNS rebinding (a page on another name that resolves to 127.0.0.1) gets a 403, not
    the decks or their state; clients that reset their connection leave no traceback."""
    preview.wait_for("[preview] http://127.0.0.1:")

    def get(path: str, host: str) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", preview.port, timeout=30)
        connection.request("GET", path, headers={"Host": host})
        response = connection.getresponse()
        return response.status, response.read()

    for path in ("/", "/shown.html", "/__preview__/state?deck=shown", "/img/grid.png"):
        status, body = get(path, f"rebound.example:{preview.port}")
        assert status == 403, path
        assert body == (f"this preview answers only 127.0.0.1:{preview.port} or "
                        f"localhost:{preview.port}\n").encode()
    assert get("/", f"127.0.0.1:{preview.port}")[0] == 200
    assert get("/", f"localhost:{preview.port}")[0] == 200

    def drop(payload: bytes) -> None:
        with socket.create_connection(("127.0.0.1", preview.port), timeout=10) as s:
            s.sendall(payload)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    for _ in range(20):  # a reset mid-request, and one right after a whole request
        drop(b"GET /shown.html HTTP/1.1\r\nHo")
        drop(f"GET /__preview__/live.js HTTP/1.1\r\nHost: 127.0.0.1:{preview.port}\r\n\r\n"
             .encode())
    assert preview.get("/")[0] == 200  # still serving
    preview.process.send_signal(signal.SIGTERM)
    # generous: once (a clean clone's `make test` beside two other suites, load ~15 on 2
    # cores) the stop, with the first check still running, took over 30 s; alone, under 1 s
    preview.process.wait(timeout=90)
    with contextlib.suppress(AssertionError):
        preview.wait_for("never printed", timeout=3)  # collect all it printed
    log = "\n".join(preview.log)
    assert "[preview] stopped" in log
    assert "Traceback" not in log and "Error" not in log, log


def test_preview_serves_two_decks_of_the_same_name_by_their_relative_names(
        tmp_path: Path) -> None:
    """`ch02/lecture.md` and `ch03/lecture.md` (the build publishes them at
    `dist/ch02/lecture.*` and `dist/ch03/lecture.*`) are served at `/ch02/lecture.html` and
    `/ch03/lecture.html`, each with its own `img/figure.png`."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "lecturekit.toml").write_text('decks = ["ch*/lecture.md"]\n', encoding="utf-8")
    chapters = ("ch02", "ch03")
    for chapter in chapters:
        (tmp_path / chapter / "img").mkdir(parents=True)
        (tmp_path / chapter / "img" / "figure.png").write_bytes(
            (SITE / "img" / "grid.png").read_bytes() + chapter.encode())  # two different files
        (tmp_path / chapter / "lecture.md").write_text(
            f"---\nmarp: true\n---\n\n# {chapter}\n\n![w:200](img/figure.png)\n",
            encoding="utf-8")
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "lecturekit", "preview", "--no-check",
                                "--port", str(port), "ch02/lecture.md", "ch03/lecture.md"],
                               cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, start_new_session=True)
    try:
        assert process.stdout is not None
        ready = process.stdout.readline()
        assert ready.startswith(f"[preview] http://127.0.0.1:{port}/ serves ch02/lecture.html, "
                                f"ch03/lecture.html"), ready
        server = Preview.__new__(Preview)
        server.port, server.log = port, []
        for chapter, other in zip(chapters, reversed(chapters), strict=True):
            page = server.rendered(f"{chapter}/lecture")
            assert f">{chapter}</h1>".encode() in page and f">{other}</h1>".encode() not in page
            assert b'src="img/figure.png"' in page
            assert server.get(f"/{chapter}/img/figure.png") == (
                200, (tmp_path / chapter / "img" / "figure.png").read_bytes())
            assert f'data-deck="{chapter}/lecture"'.encode() in page
            state = json.loads(server.get(f"/__preview__/state?deck={chapter}/lecture")[1])
            assert state["html"] >= 1
        assert server.get("/img/figure.png")[0] == 404
        assert server.get("/lecture.html")[0] == 404
        index = server.get("/")[1]
        assert b'href="/ch02/lecture.html"' in index and b'href="/ch03/lecture.html"' in index
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
