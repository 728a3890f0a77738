"""A deck's last passing code check, remembered so the build need not run unchanged code again.

`make slides` publishes a deck only if its code check passes (see
`lecturekit.author.drift`).  Most saves change prose, not code, and running
torch again for them costs the build as much CPU as the render.  So every
check in which all of a deck's blocks ran and none failed leaves a record,
and the build reuses it while nothing the verdict depends on has changed:

- the deck's code: front matter, every fence (info string, text and the
  markers that apply to it) and every HTML comment (directives, notes), in
  their order; prose may change freely;
- the checker: lecturekit's own source, the interpreter, the installed
  distributions (names and versions), the project's pytest configuration
  (pyproject.toml, pytest.ini, tox.ini, setup.cfg, conftest.py files from the
  deck's folder up to the project root), and the check's settings;
- every file inside the project that the blocks opened (recorded by an audit
  hook while the deck runs), by content; one that did not exist must still
  not exist.

Not covered, by design: files outside the project, the network, the clock
and environment variables.  Output that depends on those makes a flaky deck
whichever way it is checked; `make check` always runs everything, and
`CHECK=fresh make slides` ignores the record.

No record is written by a run that updates outputs, runs xfail blocks as
plain ones (`--runxfail`), disables pytest's cache (`-p no:cacheprovider`) or
checks only some of the deck's blocks.  Records live in
`<project root>/.pytest_cache/d/lecturekit-passes/` (pytest's folder for
plugin data, which it keeps out of git with its own .gitignore).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.util
import json
import os
import site
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from lecturekit.deck import Deck

FORMAT = 1
DEFAULT_SETTINGS = {"timeout": 60.0, "unchecked": None}
"""The check's settings as the build runs it; a run with other settings keys differently."""
_CONFIG_FILES = ("pyproject.toml", "pytest.ini", ".pytest.ini", "tox.ini", "setup.cfg")
_PACKAGE = Path(__file__).resolve().parents[1]


@dataclass
class Record:
    """What a passing check left: its key, the files its blocks read, and its summary."""

    key: str
    reads: dict[str, str | None]
    """Project-relative path -> sha256 of the content (None: the file did not exist)."""
    summary: str
    when: float


def deck_key(deck: Deck, settings: dict[str, object] | None = None) -> str:
    """A digest of everything but the files the blocks read that a check's verdict depends on."""
    digest = hashlib.sha256()

    def add(*parts: object) -> None:
        for part in parts:
            digest.update(str(part).encode("utf-8", "surrogateescape"))
            digest.update(b"\0")

    add(FORMAT, _environment(), json.dumps(settings or DEFAULT_SETTINGS, sort_keys=True))
    add(json.dumps(deck.front_matter, sort_keys=True, default=str))
    for slide in deck.slides:
        parts = [(f.line, "fence", f.info, f.code, f.in_comment,
                  sorted((a.name, a.value or "") for a in f.annotations.values()))
                 for f in slide.fences]
        parts += [(c.line, "comment", c.text, "", "", "") for c in slide.comments]
        for _line, *rest in sorted(parts, key=lambda part: part[0]):
            add(*rest)
    root = deck.project_root
    folder = deck.path.resolve().parent
    configs = [root / name for name in _CONFIG_FILES]
    configs += [d / "conftest.py" for d in (folder, *folder.parents) if d.is_relative_to(root)]
    for path in configs:
        add(path, _file_digest(path))
    return digest.hexdigest()


@functools.cache
def _environment() -> str:
    """The interpreter, the installed distributions and lecturekit's source, as one digest."""
    digest = hashlib.sha256()
    # The interpreter by what it is, not by the name it was started as (python, python3).
    digest.update(f"{sys.version}\0{sys.prefix}\0{os.path.realpath(sys.executable)}\0".encode())
    folders = [*site.getsitepackages(), site.getusersitepackages()]
    for folder in sorted(set(folders)):
        with contextlib.suppress(OSError):
            names = sorted(n for n in os.listdir(folder) if n.endswith((".dist-info", ".egg-info")))
            digest.update("\0".join([folder, *names]).encode())
    for path in sorted(_PACKAGE.rglob("*.py")):
        digest.update(path.relative_to(_PACKAGE).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _file_digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def record_path(deck_path: Path, root: Path) -> Path:
    """Where the record of the deck at `deck_path` lives (one file per deck)."""
    resolved = deck_path.resolve()
    tag = hashlib.sha256(str(resolved).encode("utf-8", "surrogateescape")).hexdigest()[:12]
    return root / ".pytest_cache" / "d" / "lecturekit-passes" / f"{resolved.stem}-{tag}.json"


def save(deck: Deck, reads: Iterable[str], summary: str,
         settings: dict[str, object] | None = None) -> None:
    """Record that the deck's check passed with these files read.  Never raises for I/O:
    a record that cannot be written only means the next build runs the check again."""
    root = deck.project_root
    own = str(deck.path.resolve())
    kept: dict[str, str | None] = {}
    for name in sorted({_source_of(read) for read in reads}):
        path = Path(name)
        if name == own or not path.is_relative_to(root) or path.is_relative_to(_PACKAGE):
            continue  # the deck and the checker are in the key; outside the project: not ours
        inside = path.relative_to(root)
        if any(part.startswith(".") or part in ("node_modules", "__pycache__")
               for part in inside.parts):
            continue  # the interpreter's packages, git, caches: covered by the key or irrelevant
        if path.is_dir():
            continue
        kept[inside.as_posix()] = _file_digest(path)
    record = {"format": FORMAT, "key": deck_key(deck, settings), "reads": kept,
              "summary": summary, "when": time.time()}
    target = record_path(deck.path, root)
    partial = target.with_name(f"{target.stem}.{os.getpid()}.partial")
    try:
        _ensure_cache_folder(root / ".pytest_cache")
        target.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text(json.dumps(record), encoding="utf-8")
        os.replace(partial, target)
    except OSError:
        with contextlib.suppress(OSError):
            partial.unlink()


def _source_of(name: str) -> str:
    """A module's source for its cached bytecode: importing a project module whose .pyc is
    up to date opens only the .pyc, but an edit to the source is what must count."""
    if name.endswith(".pyc") and f"{os.sep}__pycache__{os.sep}" in name:
        with contextlib.suppress(ValueError):
            return importlib.util.source_from_cache(name)
    return name


def _ensure_cache_folder(folder: Path) -> None:
    """Create pytest's cache folder as pytest would: ignored by git, tagged as a cache."""
    if folder.is_dir():
        return
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ".gitignore").write_text("# Created by lecturekit (as by pytest)\n*\n",
                                       encoding="utf-8")
    (folder / "CACHEDIR.TAG").write_text(
        "Signature: 8a477f597d28d172789f06886806bc55\n", encoding="utf-8")


def reusable(deck: Deck) -> Record | None:
    """The record of the deck's last passing check, if it still holds; else None."""
    try:
        raw = json.loads(record_path(deck.path, deck.project_root).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        return None
    if raw.get("key") != deck_key(deck):
        return None
    reads = raw.get("reads")
    if not isinstance(reads, dict):
        return None
    root = deck.project_root
    if any(_file_digest(root / name) != digest for name, digest in reads.items()):
        return None
    return Record(raw["key"], reads, str(raw.get("summary", "passed")), float(raw.get("when", 0)))


class ReadRecorder:
    """The files a deck's blocks open, seen through an audit hook.

    Audit hooks cannot be removed, so one is added per process, the first
    time a deck is recorded; it does nothing while no deck is.
    """

    _reads: ClassVar[set[str] | None] = None
    _installed: ClassVar[bool] = False

    @classmethod
    def start(cls) -> None:
        if not cls._installed:
            sys.addaudithook(cls._hook)
            cls._installed = True
        cls._reads = set()

    @classmethod
    def stop(cls) -> set[str]:
        reads, cls._reads = cls._reads or set(), None
        return reads

    @staticmethod
    def _hook(event: str, args: tuple) -> None:
        reads = ReadRecorder._reads
        if reads is None or event != "open":
            return
        path = args[0] if args else None
        if path in sys.path:
            return  # the import system probing a path entry (e.g. as a zip archive)
        if isinstance(path, (str, bytes, os.PathLike)):
            with contextlib.suppress(Exception):  # an audit hook must never raise
                reads.add(os.path.abspath(os.fsdecode(path)))
