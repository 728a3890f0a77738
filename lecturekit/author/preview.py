"""`lecturekit preview`: the decks in a browser while writing, safely, with failures on the slides.

A small HTTP server bound to 127.0.0.1 only, answering only requests whose
`Host` is that address (DNS rebinding: a web page whose own name resolves to
127.0.0.1 gets a 403, not the decks); a client that drops its connection is
not reported.  It serves exactly these URLs:
`/` (a list of the decks), `/<deck>.html` (the deck rendered by marp-cli
with our config into a private temporary folder, plus one injected script),
the files those decks reference (each looked up in a table built from the
deck; nothing else on disk is reachable, whatever the URL), and two
`/__preview__/` endpoints for the injected script.  The repository, README,
node_modules and the package are not served: there is no folder mapping.

On every save the deck is rendered again (the page reloads) and checked by
the warm kernel of `lecturekit watch`; a slide whose block fails gets a red
banner with the line and the message, drawn by the injected script, so it
exists only in the preview and never in `dist/`.

Shutdown: Ctrl-C or SIGTERM (which `make` forwards to us) stops the server,
the watcher, the kernel (and the check it may be running) and a render in
progress; each child also dies with its parent (PR_SET_PDEATHSIG), so even a
killed preview leaves nothing holding the port.
"""

from __future__ import annotations

import contextlib
import html
import json
import mimetypes
import queue
import shutil
import signal
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from lecturekit.author.kernel import die_with_parent
from lecturekit.author.watch import Checker, Failure, watch_decks
from lecturekit.deck import DeckError, read_deck

HOST = "127.0.0.1"
LIVE_JS = Path(__file__).with_name("live.js")


@dataclass
class DeckView:
    """What the server knows about one deck: its rendered page, its files, its failures."""

    path: Path
    label: str = ""
    """The deck's URL name: its path below the decks' base without `.md` (`ch02/lecture`,
    as the build names its outputs: `Project.relative_name`), so that `ch02/lecture.md`
    and `ch03/lecture.md` are both served."""
    html: bytes = b""
    html_version: int = 0
    assets: dict[str, Path] = field(default_factory=dict)
    """URL path (e.g. /img/a.png) -> the file on disk: the only files served besides pages."""
    kept: list[int] = field(default_factory=list)
    """Deck slide numbers in rendered order (handout-only slides are not rendered)."""
    failures: list[Failure] = field(default_factory=list)
    error: str = ""
    root: Path | None = None
    """The deck's project root (resolved): every served file must resolve inside it."""

    @property
    def name(self) -> str:
        return self.label or self.path.stem

    @property
    def folder(self) -> str:
        """The URL folder of the deck's page (`/ch02/`): its files are served below it."""
        return "/" + "".join(f"{part}/" for part in self.name.split("/")[:-1])

    def state(self) -> dict[str, Any]:
        failures = [{"index": self._index(f.slide), "line": f.line, "message": f.message,
                     "detail": _detail(f.text)} for f in self.failures]
        if self.error:
            failures.insert(0, {"index": 1, "line": None, "message": self.error, "detail": ""})
        return {"html": self.html_version, "failures": failures}

    def _index(self, slide: int | None) -> int:
        return self.kept.index(slide) + 1 if slide in self.kept else 1


class Preview:
    def __init__(self, decks: list[Path], check: bool) -> None:
        self.views = {name: DeckView(d, name) for d, name in zip(decks, deck_names(decks),
                                                                 strict=True)}
        self.names = {view.path: name for name, view in self.views.items()}
        self.private = Path(tempfile.mkdtemp(prefix="lecturekit-preview-"))
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.checker = Checker() if check else None
        self.renders: queue.Queue[str] = queue.Queue()
        self.checks: queue.Queue[str] = queue.Queue()
        self.checks_idle = threading.Event()
        self.checks_idle.set()
        self.running_render: Any = None
        self.hosts: frozenset[str] = frozenset()
        """`Host` headers answered (see `allowed_hosts`); none until the server is bound."""

    # -- work ----------------------------------------------------------------------

    def render(self, view: DeckView) -> None:
        from lecturekit.deck.variants import slides_kept, slides_markdown
        from lecturekit.project import ProjectError
        from lecturekit.render import render
        from lecturekit.render.assets import dist_path, local_refs, rewrite_refs
        from lecturekit.render.lint import confine
        from lecturekit.render.pipeline import deck_marp_config

        try:
            deck = confine(read_deck(view.path))  # the build's rule, before any file is read
            kept = slides_kept(deck)
            refs = local_refs(deck, kept)
            work = self.private / view.name  # a folder per deck: names may repeat
            work.mkdir(parents=True, exist_ok=True)
            markdown = work / f"{deck.name}.md"
            output = work / f"{deck.name}.html"
            markdown.write_text(rewrite_refs(slides_markdown(deck), deck, refs), encoding="utf-8")
            config = deck_marp_config(work, view.path)  # the project's themes
            self.running_render = render.start_html(markdown, output, config)
            render.finish(self.running_render)
            page = output.read_text(encoding="utf-8")
            error = ""
        except (DeckError, OSError, ProjectError, render.ToolError) as exc:
            with self.lock:  # the page keeps the last good render, with this as a banner
                view.error = f"cannot render the deck: {exc}"
            return
        finally:
            self.running_render = None
        with self.lock:
            version = view.html_version + 1
            script = (f'<script src="/__preview__/live.js" data-deck="{html.escape(view.name)}" '
                      f'data-html="{version}"></script>')
            view.html = page.replace("</body>", f"{script}</body>", 1).encode("utf-8")
            view.assets = {f"{view.folder}{dist_path(deck, r.file)}": r.file for r in refs}
            view.root = deck.project_root.resolve()
            view.kept = [s.number for s in kept]
            view.error = error
            view.html_version = version

    def check(self, view: DeckView) -> None:
        assert self.checker is not None
        result = self.checker.run(view.path)
        with self.lock:
            view.failures = result.failures
        where = ", ".join(f"line {f.line}" for f in result.failures if f.line)
        print(f"[preview] {view.path}: {result.summary or 'no summary'}"
              + (f" (failing: {where})" if where else ""), flush=True)

    def _worker(self, jobs: queue.Queue[str], work: Any, before: Any = None) -> None:
        while not self.stop.is_set():
            try:
                name = jobs.get(timeout=0.2)
            except queue.Empty:
                continue
            pending = {name}
            while not jobs.empty():  # several saves in a row: one run per deck
                pending.add(jobs.get_nowait())
            for deck in sorted(pending):
                if before is not None:
                    before()
                if self.stop.is_set():
                    return
                try:
                    work(self.views[deck])
                except Exception as exc:  # noqa: BLE001 - the preview keeps serving
                    print(f"[preview] {self.views[deck].path}: {exc!r}", file=sys.stderr,
                          flush=True)
                finally:
                    if jobs is self.checks and jobs.empty():
                        self.checks_idle.set()

    def _wait_for_checks(self) -> None:
        """A render waits while a check runs: the check makes the banners, and marp-cli's
        Chromium competing for the CPU would delay them."""
        while not self.stop.is_set() and not self.checks_idle.wait(0.2):
            pass

    def changed(self, deck: Path, why: str = "") -> None:
        if self.checker is not None:
            self.checks_idle.clear()
            self.checks.put(self.names[deck])
        self.renders.put(self.names[deck])

    def start(self) -> list[threading.Thread]:
        threads = [threading.Thread(target=self._worker, daemon=True,
                                    args=(self.renders, self.render, self._wait_for_checks))]
        if self.checker is not None:
            threads.append(threading.Thread(target=self._worker, args=(self.checks, self.check),
                                            daemon=True))
        decks = [v.path for v in self.views.values()]
        threads.append(threading.Thread(
            target=watch_decks, args=(decks, self.changed, self.stop),
            kwargs={"on_ready": lambda: [self.changed(d) for d in decks]}, daemon=True))
        for thread in threads:
            thread.start()
        return threads

    def close(self) -> None:
        from lecturekit.render import render

        self.stop.set()
        running = self.running_render
        if running is not None:
            with contextlib.suppress(Exception):
                render.cancel(running)
        if self.checker is not None:
            self.checker.close()
        shutil.rmtree(self.private, ignore_errors=True)

    # -- what the server answers ---------------------------------------------------

    def lookup(self, url_path: str) -> tuple[int, str, bytes]:
        if url_path == "/":
            return 200, "text/html; charset=utf-8", self._index_page()
        if url_path == "/__preview__/live.js":
            return 200, "text/javascript; charset=utf-8", LIVE_JS.read_bytes()
        with self.lock:
            for view in self.views.values():
                if url_path == f"/{view.name}.html":
                    if view.html:
                        return 200, "text/html; charset=utf-8", view.html
                    message = html.escape(view.error or "rendering…")
                    return 200, "text/html; charset=utf-8", (
                        f"<!doctype html><meta charset=utf-8><title>{view.name}</title>"
                        f"<pre>{message}</pre><script src=\"/__preview__/live.js\" "
                        f"data-deck=\"{html.escape(view.name)}\" data-html=\"0\"></script>"
                    ).encode()
            for view in self.views.values():
                file = view.assets.get(url_path)
                # Re-checked when served: a file swapped for a symlink leading out since
                # the render is not followed (the build's resolved-path rule).
                if (file is not None and file.is_file() and view.root is not None
                        and file.resolve().is_relative_to(view.root)):
                    kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
                    return 200, kind, file.read_bytes()
        return 404, "text/plain; charset=utf-8", b"not found\n"

    def state(self, name: str) -> tuple[int, str, bytes]:
        with self.lock:
            view = self.views.get(name)
            if view is None:
                return 404, "application/json", b"{}"
            return 200, "application/json", json.dumps(view.state()).encode()

    def _index_page(self) -> bytes:
        items = "".join(f'<li><a href="/{html.escape(n)}.html">{html.escape(str(v.path))}</a>'
                        for n, v in sorted(self.views.items()))
        return (f"<!doctype html><meta charset=utf-8><title>preview</title>"
                f"<h1>decks</h1><ul>{items}</ul>").encode()


def _detail(text: str, limit: int = 6) -> str:
    """The heart of a failure report for the banner: the first lines of its diff."""
    lines = text.splitlines()
    if "+++ actual (ran)" not in lines:
        return ""
    body = [ln for ln in lines[lines.index("+++ actual (ran)") + 1:] if not ln.startswith("@@")]
    return "\n".join(body[:limit])


IDLE_TIMEOUT_S = 60
"""A connection that sends nothing for this long is closed (quietly)."""


def allowed_hosts(host: str, port: int) -> frozenset[str]:
    """The `Host` headers a request may carry: the address the server bound (and, for a
    loopback address, `localhost`).  Anything else is a page on another site that made
    its own name resolve to 127.0.0.1 (DNS rebinding) and must not read the decks."""
    names = {host, f"[{host}]"} if ":" in host else {host}
    if host in ("127.0.0.1", "::1"):
        names.add("localhost")
    return frozenset(f"{name}:{port}".lower() for name in names)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    """The listen backlog (socketserver's default is 5): a page opening many connections at
    once is not left retrying SYNs for seconds."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away (reset, broken pipe, timeout) is not an error worth a
        traceback; anything else is one line, never a traceback per request."""
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            return
        print(f"[preview] a request failed: {exc!r}", file=sys.stderr, flush=True)


def _handler(preview: Preview) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "lecturekit-preview"
        timeout = IDLE_TIMEOUT_S

        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            self._answer(body=True)

        def do_HEAD(self) -> None:  # noqa: N802
            self._answer(body=False)

        def _answer(self, body: bool) -> None:
            url = urlsplit(self.path)
            path = unquote(url.path)
            if (self.headers.get("Host") or "").strip().lower() not in preview.hosts:
                status, kind = 403, "text/plain; charset=utf-8"
                data = (f"this preview answers only {' or '.join(sorted(preview.hosts))}\n"
                        .encode())
            elif path == "/__preview__/state":
                status, kind, data = preview.state(parse_qs(url.query).get("deck", [""])[0])
            else:
                status, kind, data = preview.lookup(path)
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            if body:
                self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    return Handler


def deck_names(decks: list[Path]) -> list[str]:
    """Each deck's URL name: its path below the decks' base, as the build names its outputs
    (`ch02/lecture` for `ch02/lecture.md`; `03-autodiff` for `slides/03-autodiff.md`)."""
    from lecturekit.project import Project

    return [Project.of(deck).label(deck) for deck in decks]


def find_decks(sources: list[Path]) -> list[Path]:
    """The decks to serve: each file given, and the Marp decks of each folder given (`marp:
    true`, or included by the project's configuration: `Project.is_deck`)."""
    from lecturekit.project import Project

    decks: list[Path] = []
    for source in sources:
        if not source.is_dir():
            decks.append(source)
            continue
        for candidate in sorted(source.glob("*.md")):
            with contextlib.suppress(DeckError, OSError):
                if read_deck(candidate).is_marp or Project.of(candidate).includes(candidate):
                    decks.append(candidate)
    return decks


class _Stop(Exception):
    pass


def serve(sources: list[Path], *, port: int, check: bool = True, host: str = HOST) -> int:
    missing = [s for s in sources if not s.exists()]
    if missing:
        print(f"lecturekit preview: {missing[0]}: no such deck or folder", file=sys.stderr)
        return 1
    decks = find_decks(sources)
    if not decks:
        print(f"lecturekit preview: no Marp deck in {', '.join(map(str, sources))}",
              file=sys.stderr)
        return 1
    names = deck_names(decks)
    if len(set(names)) != len(names):
        print("lecturekit preview: two decks have the same path below their projects' "
              "bases; preview one project at a time", file=sys.stderr)
        return 1
    die_with_parent(signal.SIGTERM)
    preview = Preview(decks, check)
    try:
        server = _Server((host, port), _handler(preview))
    except OSError as exc:
        preview.close()
        print(f"lecturekit preview: cannot listen on {host}:{port}: {exc.strerror or exc} "
              f"(another preview running? try PORT=…)", file=sys.stderr)
        return 1
    preview.hosts = allowed_hosts(host, server.server_address[1])

    def stop(_signum: int, _frame: object) -> None:
        raise _Stop

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        preview.start()
        print(f"[preview] http://{host}:{port}/ serves {', '.join(f'{n}.html' for n in names)} "
              f"(127.0.0.1 only); Ctrl-C stops", flush=True)
        server.serve_forever(poll_interval=0.2)
    except (KeyboardInterrupt, _Stop):
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.server_close()
        preview.close()
        print("[preview] stopped", flush=True)
    return 0
