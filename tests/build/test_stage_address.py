"""Nothing of the stage is reachable from the page: its address names a neutral folder.

A deck script that prints the page's own address (`location.href`,
`document.URL`, `document.baseURI`, a script error's stack) into the slide
publishes only a temporary link's path, never the project's or the stage's
(issue 20, render: "nothing of the stage (paths, PIDs) is reachable").
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from build_helpers import build

pytestmark = pytest.mark.render

PRINTER = """---
marp: true
---

# 住所

<p id="where"></p>

<script>
(() => {
  let stack = ''
  try { null.f() } catch (e) { stack = String(e.stack) }
  document.getElementById('where').textContent =
    ['HREF=' + location.href, 'URL=' + document.URL, 'BASE=' + document.baseURI,
     'STACK=' + stack].join(' | ')
})()
</script>
"""


def test_a_script_printing_the_pages_address_publishes_no_path_of_the_project(
        tmp_path: Path) -> None:
    project = tmp_path / "my-private-course"
    deck = project / "decks" / "address.md"
    deck.parent.mkdir(parents=True)
    deck.write_text(PRINTER, encoding="utf-8")
    out = project / "dist"
    run = build(deck, out)
    assert run.code == 0, run.stdout + run.stderr
    text = subprocess.run(["pdftotext", "-raw", str(out / "address.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    printed = " ".join(text.split())
    href = re.search(r"HREF=(\S+)", printed)
    assert href is not None, printed
    assert re.fullmatch(r"file:///\S*/lecturekit-page-[^/]+/deck/address\.html", href[1]), printed
    for secret in ("my-private-course", "dist", ".build-", str(tmp_path)):
        assert secret not in printed, printed
    assert not Path(href[1].removeprefix("file://")).parent.parent.exists()  # removed after
