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


@pytest.fixture
def publish_step(tmp_path_factory):
    """Run a workflow's "Commit the site to gh-pages" step offline: (job, site[, remote]) -> remote.

    The step's own shell script runs as GitHub runs it (`bash -eo pipefail`) in a
    folder holding the downloaded artifact at the path the job's download step names;
    git's `insteadOf` sends its push to a local bare repository instead of GitHub.
    """
    import shutil
    import subprocess

    def run(job: dict, site, remote=None) -> object:
        work = tmp_path_factory.mktemp("runner")
        if remote is None:
            remote = work / "remote.git"
            subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
        download = next(s for s in job["steps"]
                        if s.get("uses", "").startswith("actions/download-artifact@"))
        shutil.copytree(site, work / "workspace" / download["with"]["path"])
        step = next(s for s in job["steps"] if s.get("name") == "Commit the site to gh-pages")
        url = "https://x-access-token:token@github.com/o/r.git"
        env = {"PATH": "/usr/bin:/bin", "HOME": str(work), "GITHUB_SHA": "0" * 40,
               "GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "o/r",
               "GH_TOKEN": "token", "GIT_CONFIG_COUNT": "1",
               "GIT_CONFIG_KEY_0": f"url.{remote}.insteadOf", "GIT_CONFIG_VALUE_0": url}
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c",
                               step["run"]], cwd=work / "workspace", env=env,
                              capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
        return remote

    return run
