"""The theme keeps footnotes and tables readable from the back row, and centres lone images.

Sizes are measured in Chromium on marp-cli's HTML of a small deck (the theme's
px values are what the slide shows at 1280x720; 24 px there is 18 pt on the
PDF page).  Images are centred without Marp's `center` keyword, which Marp
would leave in the alt text for screen readers to read aloud.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"
MARP = ROOT / "node_modules" / ".bin" / "marp"

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not MARP.exists()
    or not Path(os.environ.get("CHROME_PATH", "/usr/bin/chromium")).exists(),
    reason="needs node, node_modules (npm ci) and Chromium",
)


@pytest.fixture(scope="module")
def slides(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    out = tmp_path_factory.mktemp("theme")
    shutil.copy(ROOT / "tests" / "lecture" / "fixtures" / "dot.svg", out / "dot.svg")
    shutil.copy(FIXTURES / "theme" / "sizes.md", out / "sizes.md")
    subprocess.run([str(MARP), "--config-file", str(ROOT / "marp.config.mjs"), "--html",
                    "--no-stdin", str(out / "sizes.md"), "-o", str(out / "sizes.html")],
                   cwd=ROOT, check=True, capture_output=True, timeout=300)
    done = subprocess.run(["node", str(Path(__file__).parent / "theme_sizes.mjs"),
                           str(out / "sizes.html")],
                          cwd=ROOT, check=True, capture_output=True, text=True, timeout=300)
    return json.loads(done.stdout)


def test_footnotes_and_tables_with_their_code_are_at_least_24px(slides: list[dict]) -> None:
    first = slides[0]
    sizes = {key: round(first[key], 1) for key in ("cite", "citeCode", "table", "tableCode")}
    assert sizes == {"cite": 24.0, "citeCode": 24.0, "table": 27.2, "tableCode": 25.3}


def test_big_code_sets_code_at_the_body_size_instead_of_26px(slides: list[dict]) -> None:
    assert [round(slide["pre"], 1) for slide in slides] == [26.2, 32.0]


def test_an_image_alone_in_its_paragraph_is_centred_and_its_alt_is_its_own_words(
        slides: list[dict]) -> None:
    [alone] = slides[0]["images"]
    assert alone == {"alt": "点線の四角", "centreOffset": 0}
    # two images side by side in one paragraph stay inline, from the left
    assert [(image["alt"], image["centreOffset"] < -500) for image in slides[1]["images"]] == [
        ("左の図", True), ("右の図", True)]
