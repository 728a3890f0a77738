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
