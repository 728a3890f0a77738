"""Where the project's build tools live, relative to this package."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
THEMES = ROOT / "themes"
MARP_CONFIG = ROOT / "marp.config.mjs"
MARP = ROOT / "node_modules" / ".bin" / "marp"
CHECK_HTML = ROOT / "scripts" / "check-html.mjs"


def chrome_path() -> str:
    return os.environ.get("CHROME_PATH") or "/usr/bin/chromium"


def chromium_problem() -> str | None:
    """Why the Chromium that marp-cli and the checks need cannot run, or None if it can."""
    path = chrome_path()
    if os.access(path, os.X_OK):
        return None
    return (f"Chromium not found at {path}: install it (apt-get install chromium, or "
            f"`make setup` as root) or set CHROME_PATH to a Chromium binary")
