"""Fixture decks are inputs of tests, not slide tests of their own; fixtures shared by folders."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

collect_ignore_glob = ["*/fixtures/*", "fixtures/*"]


@pytest.fixture(autouse=True)
def _not_on_github_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests run the checker on fixture decks; on a GitHub runner those runs must not
    annotate the pull request or write to the job's step summary (tests/ci sets its own)."""
    for name in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def server():
    """A local HTTP server that records every path asked of it: (port, hits).

    Confinement tests point a deck's script at it; nothing may arrive.
    """
    hits: list[str] = []

    class Record(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Access-Control-Allow-Origin", "*")
            self.end_headers()
            self.wfile.write(b"reached")

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Record)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1], hits
    httpd.shutdown()
