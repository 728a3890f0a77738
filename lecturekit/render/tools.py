"""Where the project's build tools live, as absolute paths from this package.

Every tool the build starts gets absolute paths only, so the build works from
any working directory and on decks in any folder.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
THEMES = ROOT / "themes"
MARP_CONFIG = ROOT / "marp.config.mjs"
MARP = ROOT / "node_modules" / ".bin" / "marp"
ENGINE_DIR = ROOT / "lecturekit" / "render" / "engine"
ENGINE = ENGINE_DIR / "render.mjs"
TYPESETTING = ENGINE_DIR / "typesetting.mjs"
"""The lecture's typesetting checks (kinsoku, widows, contrast, small text), when present."""
CHECK_HTML = ROOT / "scripts" / "check-html.mjs"


def chrome_path() -> str:
    return os.environ.get("CHROME_PATH") or "/usr/bin/chromium"


def node_path() -> str | None:
    return shutil.which("node")


def chromium_problem() -> str | None:
    """Why the Chromium that marp-cli and the checks need cannot run, or None if it can."""
    path = chrome_path()
    if os.access(path, os.X_OK):
        return None
    return (f"Chromium not found at {path}: install it (apt-get install chromium, or "
            f"`make setup` as root) or set CHROME_PATH to a Chromium binary")
