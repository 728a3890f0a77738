"""Where the build's tools come from: Node, Chromium, and the engine's Node packages.

lecturekit is installed with pip, but its render engine (`engine/*.mjs`) runs
on Node with marp-cli, puppeteer-core, pdf-lib and mathjax-full.  Those come,
first found wins, from:

1. the project's own `node_modules` (a repository that keeps a package.json
   with them, like this one after `npm ci`);
2. the source checkout lecturekit runs from (an editable install);
3. a per-user cache, `$XDG_CACHE_HOME/lecturekit/engine-<hash>` (else
   `~/.cache/...`), filled on first use by `npm ci` from the package.json and
   lock shipped inside this package (`node/`), so the pinned versions are used
   and nothing is fetched again once it is there.  `<hash>` is the lock's, so
   a new lecturekit with new pins gets a new folder.  Concurrent first uses
   wait on one lock file, and the folder appears by an atomic rename only when
   complete, so an interrupted install never leaves a half-filled cache.

ESM imports resolve relative to the importing file, which in site-packages has
no node_modules near it, so the engine never imports a package by bare name:
every process started here gets `LECTUREKIT_NODE_MODULES` (`node_env()`), and
`engine/packages.mjs` (or `createRequire` in the handout's .cjs) resolves from it.

Every problem here is one line saying what to install (ToolError), never a
traceback; every path handed to a tool is absolute, so the build works from
any working directory and on decks in any folder.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]
"""The installed `lecturekit` package folder."""
ROOT = PACKAGE.parent
"""The folder holding the package: the repository in a source checkout (this repository's
own scripts and benchmarks use it); in site-packages it is not a project."""
ENGINE_DIR = PACKAGE / "render" / "engine"
ENGINE = ENGINE_DIR / "render.mjs"
MARP_CONFIG = ENGINE_DIR / "marp.config.mjs"
"""The engine's own marp-cli settings (HTML, math, emoji, the source-lines plugin, browser)."""
TYPESETTING = ENGINE_DIR / "typesetting.mjs"
"""The typesetting checks (kinsoku, widows, contrast, small text) for the tool's own theme."""
THEMES = PACKAGE / "themes"
"""The themes shipped with the tool (package data)."""
NODE_SPEC = PACKAGE / "render" / "node"
"""package.json + package-lock.json pinning the engine's Node packages (package data)."""
CHECK_HTML = ROOT / "scripts" / "check-html.mjs"

REQUIRED = ("@marp-team/marp-cli", "@marp-team/marp-core", "puppeteer-core", "pdf-lib",
            "mathjax-full")
"""The Node packages the engine and the handout import (marp-core and mathjax-full come with
marp-cli; listed so a node_modules without them is not taken)."""
MARP_BIN = Path("@marp-team") / "marp-cli" / "marp-cli.js"
NODE_MODULES_ENV = "LECTUREKIT_NODE_MODULES"
READY = ".lecturekit-ready"
"""Written last into a filled cache folder, before it is renamed into place."""
NODE_HINT = "install Node.js 20 or newer with npm (https://nodejs.org, or `sudo apt-get " \
            "install nodejs npm`)"


class ToolError(Exception):
    """A tool the build runs is missing or failed; the message says which and why."""


# -- Chromium and node ------------------------------------------------------------------

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def chrome_path() -> str:
    """CHROME_PATH, else the first Chromium or Chrome on PATH, else /usr/bin/chromium."""
    if os.environ.get("CHROME_PATH"):
        return os.environ["CHROME_PATH"]
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium"


def node_path() -> str | None:
    return shutil.which("node")


def chromium_problem() -> str | None:
    """Why the Chromium that marp-cli and the checks need cannot run, or None if it can."""
    path = chrome_path()
    if os.access(path, os.X_OK):
        return None
    return (f"Chromium not found at {path}: install it (e.g. `sudo apt-get install chromium`) "
            f"or set CHROME_PATH to a Chromium or Chrome binary")


def require_node() -> str:
    node = node_path()
    if node is None:
        raise ToolError(f"node not found: {NODE_HINT}")
    return node


# -- the engine's Node packages -----------------------------------------------------------


def has_engine_packages(node_modules: Path) -> bool:
    return all((node_modules / name / "package.json").is_file() for name in REQUIRED)


def spec_digest(spec: Path = NODE_SPEC) -> str:
    """A short hash of the shipped lock (and package.json): the cache folder's name."""
    digest = hashlib.sha256()
    for name in ("package.json", "package-lock.json"):
        digest.update((spec / name).read_bytes())
    return digest.hexdigest()[:16]


def cache_home() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or ""
    return (Path(base) if os.path.isabs(base) else Path.home() / ".cache") / "lecturekit"


def cache_folder(spec: Path = NODE_SPEC) -> Path:
    return cache_home() / f"engine-{spec_digest(spec)}"


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def fill_cache(spec: Path = NODE_SPEC, log: Callable[[str], None] = _stderr) -> Path:
    """The cache's node_modules, installed by `npm ci` from `spec` first if it is not there.

    One process installs; others wait on the lock and then use its result.  The install
    happens in a temporary folder next to the cache folder, renamed into place when done."""
    final = cache_folder(spec)
    try:
        return _fill(spec, final, log)
    except OSError as exc:
        raise ToolError(f"cannot install the render engine into {final}: "
                        f"{exc.strerror or exc} (set XDG_CACHE_HOME to a writable folder)"
                        ) from None


def _fill(spec: Path, final: Path, log: Callable[[str], None]) -> Path:
    if (final / READY).is_file():
        return final / "node_modules"
    require_node()
    npm = shutil.which("npm")
    if npm is None:
        raise ToolError(f"npm not found (lecturekit installs its render engine with it once): "
                        f"{NODE_HINT}")
    final.parent.mkdir(parents=True, exist_ok=True)
    with open(final.parent / f"{final.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if (final / READY).is_file():
            return final / "node_modules"
        versions = _pinned(spec)
        log(f"[lecturekit] installing the render engine ({versions}) into {final} "
            f"with npm: once, about a minute")
        work = Path(tempfile.mkdtemp(prefix=f"{final.name}.partial-", dir=final.parent))
        try:
            for name in ("package.json", "package-lock.json"):
                shutil.copyfile(spec / name, work / name)
            done = subprocess.run(
                [npm, "ci", "--omit=dev", "--no-audit", "--no-fund", "--loglevel=error"],
                cwd=work, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                env={**os.environ, "PUPPETEER_SKIP_DOWNLOAD": "1"}, check=False)
            if done.returncode != 0:
                detail = [ln for ln in (done.stderr + done.stdout).splitlines()
                          if ln.strip() and "complete log" not in ln]
                raise ToolError(f"npm could not install the render engine into {final} "
                                f"(exit {done.returncode}): "
                                + (detail[-1] if detail else "no message"))
            if not has_engine_packages(work / "node_modules"):
                raise ToolError(f"npm ci in {work} did not install {', '.join(REQUIRED)}")
            (work / READY).write_text(versions + "\n", encoding="utf-8")
            if final.exists():  # a stale, unfinished folder (no READY): replace it
                shutil.rmtree(final)
            os.rename(work, final)
        finally:
            if work.exists():
                shutil.rmtree(work, ignore_errors=True)
    return final / "node_modules"


def _pinned(spec: Path) -> str:
    try:
        deps = json.loads((spec / "package.json").read_text(encoding="utf-8"))["dependencies"]
    except (OSError, ValueError, KeyError):
        return "marp-cli"
    return ", ".join(f"{name.rsplit('/', 1)[-1]} {version}" for name, version in deps.items())


def project_root(start: Path | None = None) -> Path:
    from lecturekit.project import find_root

    return find_root(Path(start or Path.cwd()).absolute())


@functools.cache
def _node_modules(root: Path) -> Path:
    for candidate in (root / "node_modules", ROOT / "node_modules"):
        if has_engine_packages(candidate):
            return candidate.resolve()
    return fill_cache()


def node_modules(start: Path | None = None) -> Path:
    """The node_modules the engine imports from (see the module's docstring); ToolError
    saying what to install when there is none and it cannot be made."""
    return _node_modules(project_root(start))


def node_env(start: Path | None = None) -> dict[str, str]:
    """The environment for a Node process of the engine or the handout."""
    return {**os.environ, NODE_MODULES_ENV: str(node_modules(start)),
            "CHROME_PATH": chrome_path()}


def marp_command(start: Path | None = None) -> list[str]:
    """marp-cli's command line: node + its entry script from the engine's node_modules."""
    return [require_node(), str(node_modules(start) / MARP_BIN)]


def require_tools(start: Path | None = None) -> str:
    """The node binary, once Chromium, node and the engine's packages are all there."""
    problem = chromium_problem()
    if problem:
        raise ToolError(problem)
    node = require_node()
    node_modules(start)
    return node
