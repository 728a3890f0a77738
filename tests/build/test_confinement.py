"""The render is confined: during the checks AND the PDF print, a deck's page may load
only files inside the build's stage; every other request is blocked and reported.

The hostile deck's script stays quiet while the checks run and strikes only when
the page is printed (`beforeprint`, `matchMedia('print')`, a timer polling it):
it fetches from a local HTTP server, loads a file outside the stage into an
iframe, opens a WebSocket and a popup, which request interception does not
see (the engine watches them over the DevTools protocol; Chromium's dead proxy
is behind that), and sends the page elsewhere (aborted: the deck stays).  The
iframe's URL is in base64, so the deck model sees no file reference: this
tests the render's confinement, not the asset rules).  The engine is run
directly on a stage so its PDF can be read even though the build refuses the deck.
"""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path

import pytest
from build_helpers import build, line_of

from lecturekit.render import render

pytestmark = pytest.mark.render
SECRET = "TOPSECRET-7f3a9c"

HOSTILE = """---
marp: true
theme: honwaka
---

# 静かなスクリプト

本文だけのスライド

<script>
(() => {
  const leak = (why) => {
    fetch('http://127.0.0.1:{port}/' + why).catch(() => null)
    try { new WebSocket('ws://127.0.0.1:{port}/socket-' + why) } catch (e) {}
    window.open('http://127.0.0.1:{port}/popup-' + why)
    location = 'elsewhere-' + why + '.html'
    const frame = document.createElement('iframe')
    frame.src = atob('{secret_b64}')
    frame.style.cssText = 'width:900px;height:300px'
    document.querySelector('section').appendChild(frame)
  }
  window.addEventListener('beforeprint', () => leak('beforeprint'))
  matchMedia('print').addEventListener('change', (e) => { if (e.matches) leak('matchmedia') })
  const poll = setInterval(() => {
    if (matchMedia('print').matches) { clearInterval(poll); leak('timer') }
  }, 5)
})()
</script>
"""




def hostile_deck(folder: Path, port: int) -> tuple[Path, Path]:
    secret = folder / "outside" / "secret.txt"
    secret.parent.mkdir(parents=True)
    secret.write_text(f"{SECRET}\n", encoding="utf-8")
    deck = folder / "decks" / "hostile.md"
    deck.parent.mkdir(parents=True)
    deck.write_text(HOSTILE.replace("{port}", str(port))
                    .replace("{secret_b64}", base64.b64encode(secret.as_uri().encode()).decode()),
                    encoding="utf-8")
    return deck, secret


def test_server_sees_a_request_when_nothing_blocks_it(server) -> None:
    """The control: the test server does record a plain request."""
    port, hits = server
    import urllib.request
    assert urllib.request.urlopen(f"http://127.0.0.1:{port}/control").read() == b"reached"
    assert hits == ["/control"]


def test_script_striking_during_print_reaches_neither_server_nor_file(
        server, tmp_path: Path) -> None:
    port, hits = server
    deck, secret = hostile_deck(tmp_path, port)
    stage = tmp_path / "stage"
    stage.mkdir()
    (stage / "hostile.md").write_text(deck.read_text(encoding="utf-8"), encoding="utf-8")
    events = {}
    with render.Engine(render.make_job(stage, "hostile"), stage) as engine:
        for event in engine.events():
            events[event["event"]] = event
    report = events["checked"]["report"]
    assert report["blocked"] == [], "the script must stay quiet during the checks"
    during_print = events["pdf"]["blocked"]
    assert {e["phase"] for e in during_print} == {"print"}
    network = {e["url"] for e in during_print if e["kind"] == "network"}
    assert network and all(u.startswith(f"http://127.0.0.1:{port}/") for u in network)
    assert {e["kind"] for e in during_print} == {"network", "file", "websocket", "popup",
                                                 "navigation"}
    for kind, prefix in [("websocket", f"ws://127.0.0.1:{port}/socket-"),
                         ("popup", f"http://127.0.0.1:{port}/popup-"),
                         ("navigation", "elsewhere-")]:
        urls = {e["url"] for e in during_print if e["kind"] == kind}
        assert urls and all(u.startswith(prefix) for u in urls), (kind, urls)
    files = [e for e in during_print if e["kind"] == "file"]
    assert files and {e["url"] for e in files} == {str(secret.resolve())}
    assert {e["frame"] for e in files} == {"iframe"}
    assert hits == []
    text = subprocess.run(["pdftotext", str(stage / "hostile.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "本文だけのスライド" in text
    assert SECRET not in text
    assert str(stage) not in str(events), "the report names stage files relative to the stage"


def test_build_refuses_a_deck_whose_script_leaks_during_print(server, tmp_path: Path) -> None:
    port, hits = server
    deck, secret = hostile_deck(tmp_path, port)
    out = tmp_path / "dist"
    run = build(deck, out)
    assert run.code == 1, run.stdout + run.stderr
    assert "Traceback" not in run.stderr
    script = line_of(deck, "<script>")
    fetch = line_of(deck, "fetch('http://127.0.0.1:")
    assert (f'{deck}:{fetch}: slide 1 "静かなスクリプト" fetches http://127.0.0.1:{port}/'
            in run.stderr), run.stderr
    assert "from the network while the PDF is printed (blocked)" in run.stderr
    assert (f'{deck}:{script}: slide 1 "静かなスクリプト" loads {secret.resolve()} in an iframe '
            f"while the PDF is printed, a file outside the build" in run.stderr), run.stderr
    assert ".build-" not in run.stderr
    assert hits == []
    assert [p.name for p in out.iterdir()] == []


def test_iframe_a_script_adds_during_the_checks_is_blocked_naming_the_script_line(
        tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    hidden = base64.b64encode(secret.as_uri().encode()).decode()  # no path for the deck model
    deck = tmp_path / "decks" / "frame.md"
    deck.parent.mkdir()
    deck.write_text("---\nmarp: true\ntheme: honwaka\n---\n\n# 一枚目\n\n---\n\n# 枠\n\n"
                    "<script>const f = document.createElement('iframe'); "
                    f"f.src = atob('{hidden}'); document.currentScript.after(f)</script>\n",
                    encoding="utf-8")
    run = build(deck, tmp_path / "dist")
    assert run.code == 1
    line = line_of(deck, "<script>")
    assert (f'{deck}:{line}: slide 2 "枠" loads {secret.resolve()} in an iframe, a file '
            f"outside the build (blocked" in run.stderr), run.stderr
    assert not (tmp_path / "dist" / "frame.html").exists()


def test_file_missing_from_the_build_is_named_as_the_deck_names_it(tmp_path: Path) -> None:
    """A file only a script asks for (the deck model cannot copy it) fails to load; the
    message names it relative to the deck's output, never by the staging folder."""
    deck = tmp_path / "decks" / "lost.md"
    deck.parent.mkdir()
    deck.write_text("---\nmarp: true\ntheme: honwaka\n---\n\n# 図\n\n"
                    "<script>const i = new Image(); i['sr' + 'c'] = ['img', 'lost.png'].join('/'); "
                    "document.currentScript.after(i)</script>\n", encoding="utf-8")
    run = build(deck, tmp_path / "dist")
    assert run.code == 1
    line = line_of(deck, "<script>")
    assert (f'{deck}:{line}: slide 1 "図" needs img/lost.png, which fails to load (it does '
            f"not exist in the build)" in run.stderr), run.stderr
    assert ".build-" not in run.stderr


STAGE_HOSTILE = """---
marp: true
theme: honwaka
---

# ソケット

<script>try { new WebSocket('ws://127.0.0.1:{port}/socket') } catch (e) {}</script>

---

# 窓

<script>window.open('http://127.0.0.1:{port}/popup')</script>

---

# 更新

<meta http-equiv="refresh" content="0;url=http://127.0.0.1:{port}/refresh">

---

# 舞台裏

<script>
for (const name of ['.job.json', '.lock', '.engine.log']) {
  const f = document.createElement('iframe'); f.src = name; document.currentScript.after(f)
}
</script>
"""


def test_sockets_popups_refresh_and_stage_files_are_refused_each_at_its_line(
        server, tmp_path: Path) -> None:
    """What request interception does not see (WebSocket, window.open), a meta refresh
    (was: "Execution context was destroyed", no line) and frames of the stage's own files
    (job, lock, log: absolute paths and a pid) are refused and reported like fetches."""
    port, hits = server
    deck = tmp_path / "decks" / "stage.md"
    deck.parent.mkdir()
    deck.write_text(STAGE_HOSTILE.replace("{port}", str(port)), encoding="utf-8")
    out = tmp_path / "dist"
    run = build(deck, out)
    assert run.code == 1, run.stdout + run.stderr
    assert "Traceback" not in run.stderr and "Execution context" not in run.stderr
    socket, popup = line_of(deck, "new WebSocket"), line_of(deck, "window.open")
    refresh, frames = line_of(deck, "http-equiv"), line_of(deck, ".job.json")
    expected = [
        f'{deck}:{socket}: slide 1 "ソケット" opens a WebSocket to ws://127.0.0.1:{port}/socket '
        f"(blocked",
        f'{deck}:{popup}: slide 2 "窓" opens a new window on http://127.0.0.1:{port}/popup '
        f"(window.open",
        f'{deck}:{refresh}: slide 3 "更新" makes the page leave the deck for '
        f"http://127.0.0.1:{port}/refresh (meta refresh",
        *(f'{deck}:{frames}: slide 4 "舞台裏" loads {name} in an iframe, a private file of '
          f"the build (blocked" for name in (".job.json", ".lock", ".engine.log")),
    ]
    for line in expected:
        assert line in run.stderr, f"{line}\n---\n{run.stderr}"
    assert ".build-" not in run.stderr and str(out) not in run.stderr
    assert hits == []
    assert [p.name for p in out.iterdir()] == []
