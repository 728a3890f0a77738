"""One place resolves a project: its root, decks, themes, outputs and settings.

Every command asks `Project.load()` (as pytest's `Config` or marp-cli's config
loader are asked), so no command guesses paths on its own.  The repository
being built is the reference for its layout: its configuration, its decks,
its themes and its marp-cli configuration win over lecturekit's defaults.

Where the settings come from, first found wins per key:

1. `lecturekit.toml` at the root (keys at the top level), else the
   `[tool.lecturekit]` table of the root's `pyproject.toml`;
2. the repository's marp-cli configuration (`.marprc*`, `marp.config.*`) for
   `inputDir`, `themeSet`, `lang`;
3. the defaults below.

Keys (all optional):

- `decks`: glob(s) relative to the root.  Default: every Markdown file below
  marp-cli's `inputDir` when the marp-cli configuration sets one, else
  `slides/*.md` when `slides/` exists, else every Marp deck (`marp: true`) in
  the repository.  A deck these include is a Marp deck even without
  `marp: true` (as marp-cli converts every file of its `inputDir`).
- `base`: the decks' base folder; outputs mirror deck paths below it.  Default:
  marp-cli's `inputDir`, else the decks' common folder.
- `themes`: folders or CSS files declaring `/* @theme NAME */`.  Default: every
  such CSS file in the repository (plus marp-cli's `themeSet`).  A theme of the
  repository wins over a theme of the same name shipped with lecturekit.
- `out`: the output folder (`dist`).  `layout`: `error` or `warn` (`error`).
- `lang`: the decks' language (marp-cli's `lang`, else `en`).
- `title`: the series' name on the index and site (the root folder's name).
- `repository`: the repository's URL for Colab links (git remote `origin`).

(`series` is read as an older name of `title`.)  An unknown key or a value of
the wrong type is a `ProjectError` naming the file and the key; the command
line shows it as one line.

Outputs mirror the decks below `base`: `<base>/ch02/lecture.md` publishes
`<out>/ch02/lecture.html`, `.pdf`, ...  A deck given on the command line that
lies outside `base` publishes at the top of `<out>` under its own name.

Commands look a project up with `Project.of(path)`, which loads it once per
root for the process (`forget()` starts over); `load()` always reads afresh.
Which themes are the tool's own (held to its typesetting checks) is decided
by the render (`lecturekit.render.pipeline`): a theme whose CSS file, after
the repository's themes replaced the shipped ones, is a file shipped with
lecturekit.
"""

from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path, PurePosixPath

from lecturekit import ROOT_MARKERS

SKIPPED_DIRS = frozenset({"node_modules", ".venv", "venv", "__pycache__", "site-packages"})
"""Folders never searched for decks or themes (besides hidden ones and the output folder)."""
_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_THEME_NAME = re.compile(r"@theme\s+([\w-]+)")
_MARP_TRUE = re.compile(r"\A(?:\ufeff)?---[ \t]*\r?\n(?:.*\r?\n)*?marp[ \t]*:[ \t]*true\b", re.M)


class ProjectError(Exception):
    """The project's configuration cannot be used; the message names the file and key."""


@dataclass(frozen=True)
class Settings:
    """The project's settings after defaults and overrides are applied."""

    decks: tuple[str, ...] = ()
    base: str | None = None
    themes: tuple[str, ...] = ()
    out: str = "dist"
    layout: str = "error"
    lang: str = "en"
    title: str = ""
    repository: str | None = None
    source: Path | None = None
    """The file the settings were read from (for messages), or None for defaults."""


@dataclass
class Project:
    root: Path
    settings: Settings = field(default_factory=Settings)
    marp_config: Path | None = None
    """The repository's own marp-cli configuration file, if it has one."""
    marp: dict = field(default_factory=dict)
    """What lecturekit read of that configuration: inputDir, themeSet, lang, html, ... ."""

    # -- loading -------------------------------------------------------------

    @classmethod
    def load(cls, start: Path | str | None = None) -> Project:
        """The project holding `start` (a folder or a file; default: the working folder)."""
        start = Path(start or Path.cwd()).absolute()
        folder = start if start.is_dir() else start.parent
        root = find_root(folder)
        marp_config, marp = read_marp_config(root)
        return cls(root=root, settings=read_settings(root, marp), marp_config=marp_config,
                   marp=marp)

    @classmethod
    def of(cls, path: Path | str) -> Project:
        """`load(path)`, remembered per root for this process: for the many lookups of one
        command (a deck's assets, the plugin's collection).  `forget()` clears it."""
        path = Path(path).absolute()
        root = find_root(path if path.is_dir() else path.parent)
        project = _LOADED.get(root)
        if project is None:
            project = _LOADED[root] = cls.load(root)
        return project

    @staticmethod
    def forget() -> None:
        _LOADED.clear()

    # -- paths ---------------------------------------------------------------

    @property
    def out(self) -> Path:
        return (self.root / self.settings.out).resolve()

    @cached_property
    def decks(self) -> list[Path]:
        """The project's decks, sorted: the configured globs, else every Markdown file below
        marp-cli's `inputDir`, else `slides/*.md`, else every Marp deck of the repository."""
        if self.settings.decks:
            found: set[Path] = set()
            for pattern in self.settings.decks:
                found.update(p for p in self.root.glob(pattern) if p.is_file())
            return sorted(found)
        input_dir = self._input_dir
        if input_dir is not None:
            return sorted(p for p in input_dir.rglob("*.md") if p.is_file()
                          and not any(part.startswith(".") or part in SKIPPED_DIRS
                                      for part in p.relative_to(input_dir).parts[:-1]))
        slides = self.root / "slides"
        if slides.is_dir():
            return sorted(p for p in slides.glob("*.md") if p.is_file())
        return sorted(p for p in self._files("*.md") if is_marp_deck(p))

    @cached_property
    def _deck_set(self) -> frozenset[Path]:
        return frozenset(p.resolve() for p in self.decks)

    def includes(self, deck: Path) -> bool:
        """Is `deck` one of the project's decks (by its configuration, `inputDir`, or the
        default `slides/*.md`)?"""
        return Path(deck).resolve() in self._deck_set

    def is_deck(self, path: Path) -> bool:
        """Is `path` a Marp deck: `marp: true` in its front matter, or included by the
        configuration (`decks` globs, marp-cli's `inputDir`).  What `check`, `build`, the
        preview and the pytest plugin all ask."""
        path = Path(path)
        return path.suffix.lower() == ".md" and (is_marp_deck(path) or self.includes(path))

    @property
    def _input_dir(self) -> Path | None:
        input_dir = self.marp.get("inputDir")
        if isinstance(input_dir, str) and input_dir and self.marp_config is not None:
            folder = (self.marp_config.parent / input_dir).resolve()
            return folder if folder.is_dir() else None
        return None

    @cached_property
    def base(self) -> Path:
        """The decks' base folder: outputs mirror each deck's path below it."""
        if self.settings.base:
            return (self.root / self.settings.base).resolve()
        if self._input_dir is not None:
            return self._input_dir
        decks = self.decks
        if not decks:
            return (self.root / "slides").resolve() if (self.root / "slides").is_dir() \
                else self.root
        return Path(os.path.commonpath([d.resolve().parent for d in decks]))

    @property
    def new_deck_folder(self) -> Path:
        """Where `lecturekit new` puts a deck: the decks' base when the project has decks,
        else `slides/` below the root (what the default `decks` finds)."""
        if self.decks or self.settings.base or self._input_dir is not None:
            return self.base
        return self.root / "slides"

    def relative_name(self, deck: Path) -> PurePosixPath:
        """`ch02/lecture` for `<base>/ch02/lecture.md`: what outputs and progress lines name.
        A deck outside the base folder (given on the command line) is named by its stem, so
        it publishes at the top of the output folder."""
        deck = Path(deck).resolve()
        try:
            return PurePosixPath(deck.relative_to(self.base).with_suffix("").as_posix())
        except ValueError:
            return PurePosixPath(deck.stem)

    def output(self, deck: Path, suffix: str, out: Path | None = None) -> Path:
        """Where one of a deck's outputs goes: `<out>/<relative name><suffix>`, e.g.
        `output(ch02/lecture.md, ".pdf")` -> `dist/ch02/lecture.pdf`."""
        return (out or self.out) / f"{self.relative_name(deck)}{suffix}"

    def output_folder(self, deck: Path, out: Path | None = None) -> Path:
        """The folder a deck's outputs (and the images it loads) are published in."""
        return self.output(deck, "", out).parent

    def label(self, deck: Path) -> str:
        """How progress lines name a deck: its relative name (`ch02/lecture`)."""
        return str(self.relative_name(deck))

    # -- themes --------------------------------------------------------------

    @cached_property
    def themes(self) -> dict[str, Path]:
        """Theme name -> CSS file, from `/* @theme NAME */` in the configured theme folders or
        files, else in every CSS file of the repository (outside the output folder and
        installed packages).  The marp-cli configuration's `themeSet` adds to them."""
        files: list[Path] = []
        for entry in self.settings.themes or ():
            path = (self.root / entry).resolve()
            files.extend(sorted(path.rglob("*.css")) if path.is_dir() else [path])
        for entry in self.marp.get("themeSet") or ():
            path = (self.marp_config.parent / entry).resolve() if self.marp_config else None
            if path is not None:
                files.extend(sorted(path.rglob("*.css")) if path.is_dir() else [path])
        if not self.settings.themes:
            files.extend(self._files("*.css"))
        themes: dict[str, Path] = {}
        for css in files:
            name = theme_name(css)
            if name and name not in themes:
                themes[name] = css
        return themes

    def theme_set(self, shipped: dict[str, Path]) -> dict[str, Path]:
        """The themes a build offers marp-cli: the tool's `shipped` ones, each replaced by a
        repository theme of the same name (the repository always wins), plus the others of
        the repository."""
        return {**shipped, **self.themes}

    # -- helpers -------------------------------------------------------------

    def _files(self, pattern: str) -> list[Path]:
        """Files matching `pattern` below the root, skipping hidden folders, installed
        packages and the output folder."""
        out = self.out
        found = []
        for folder, dirs, files in os.walk(self.root):
            here = Path(folder)
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIPPED_DIRS
                             and (here / d).resolve() != out)
            found.extend(here / f for f in sorted(files) if fnmatch.fnmatch(f, pattern))
        return found


_LOADED: dict[Path, Project] = {}


def find_root(folder: Path) -> Path:
    """The nearest folder from `folder` upwards holding a ROOT_MARKERS entry, else `folder`."""
    folder = folder.resolve()
    for candidate in (folder, *folder.parents):
        if any((candidate / marker).exists() for marker in ROOT_MARKERS):
            return candidate
    return folder


def theme_name(css: Path) -> str | None:
    """The `@theme` name a CSS file declares, or None."""
    try:
        head = css.read_text(encoding="utf-8", errors="replace")[:20000]
    except OSError:
        return None
    for comment in _COMMENT.finditer(head):
        match = _THEME_NAME.search(comment.group(0))
        if match:
            return match.group(1)
    return None


def is_marp_deck(path: Path) -> bool:
    """Does the file's front matter say `marp: true`?"""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            head = handle.read(8192)
    except OSError:
        return False
    return bool(_MARP_TRUE.match(head))


SETTING_KEYS = ("decks", "base", "themes", "out", "layout", "lang", "title", "repository",
                "series")


def read_settings(root: Path, marp: dict | None = None) -> Settings:
    """`[tool.lecturekit]` of pyproject.toml, or lecturekit.toml, over the defaults."""
    raw: dict = {}
    source = None
    for name, pick in (("lecturekit.toml", lambda d: d),
                       ("pyproject.toml", lambda d: d.get("tool", {}).get("lecturekit"))):
        path = root / name
        if not path.is_file():
            continue
        import tomllib  # here: a check that never reads the settings does not pay for it

        try:
            table = pick(tomllib.loads(path.read_text(encoding="utf-8")))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ProjectError(f"{path}: cannot read it: {exc}") from None
        if table is not None and not isinstance(table, dict):
            raise ProjectError(f"{path}: `tool.lecturekit` must be a table")
        if table:
            raw, source = table, path
            break
    marp = marp or {}

    def strings(key: str) -> tuple[str, ...]:
        value = raw.get(key, [])
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ProjectError(f"{source}: `{key}` must be a string or a list of strings")
        return tuple(value)

    unknown = sorted(set(raw) - set(SETTING_KEYS))
    if unknown:
        raise ProjectError(f"{source}: unknown key `{unknown[0]}` (known keys: "
                           f"{', '.join(SETTING_KEYS)})")

    def string(key: str) -> str | None:
        value = raw.get(key)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise ProjectError(f"{source}: `{key}` must be a non-empty string, not {value!r}")
        return value

    layout = string("layout") or "error"
    if layout not in ("error", "warn"):
        raise ProjectError(f"{source}: `layout` must be \"error\" or \"warn\", not {layout!r}")
    marp_lang = marp.get("lang") if isinstance(marp.get("lang"), str) else None
    return Settings(
        decks=strings("decks"), base=string("base"), themes=strings("themes"),
        out=string("out") or "dist", layout=layout,
        lang=string("lang") or marp_lang or "en",
        title=string("title") or string("series") or root.name,
        repository=string("repository") or git_remote(root), source=source)


MARP_CONFIG_NAMES = (".marprc", ".marprc.yml", ".marprc.yaml", ".marprc.json",
                     "marp.config.js", "marp.config.mjs", "marp.config.cjs", "marp.config.ts")
_MARP_KEYS = ("inputDir", "themeSet", "lang", "html", "allowLocalFiles")


def read_marp_config(root: Path) -> tuple[Path | None, dict]:
    """The repository's marp-cli configuration file and the keys lecturekit reads of it.

    YAML/JSON files are read as data; a JavaScript config is read by a light scan of its
    literal `key: value` pairs (strings, string arrays, booleans), which covers the usual
    `export default { inputDir: './slides', themeSet: ['./themes'] }` form without
    running it."""
    for name in MARP_CONFIG_NAMES:
        path = root / name
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if name.endswith((".js", ".mjs", ".cjs", ".ts")):
            return path, _scan_js_config(text)
        import yaml

        try:
            data = yaml.safe_load(text) or {}
        except yaml.YAMLError as exc:
            raise ProjectError(f"{path}: cannot read it: {exc}") from None
        if not isinstance(data, dict):
            raise ProjectError(f"{path}: expected a mapping of marp-cli options")
        picked = {k: data[k] for k in _MARP_KEYS if k in data}
        if isinstance(picked.get("themeSet"), str):
            picked["themeSet"] = [picked["themeSet"]]
        return path, picked
    return None, {}


def _scan_js_config(text: str) -> dict:
    found: dict = {}
    for key in _MARP_KEYS:
        match = re.search(rf"\b{key}\s*:\s*(\[[^\]]*\]|'[^']*'|\"[^\"]*\"|true|false)", text)
        if not match:
            continue
        value = match.group(1)
        if value in ("true", "false"):
            found[key] = value == "true"
        elif value.startswith("["):
            found[key] = re.findall(r"'([^']*)'|\"([^\"]*)\"", value)
            found[key] = [a or b for a, b in found[key]]
        else:
            found[key] = value[1:-1]
    return found


def _git_dir(root: Path) -> Path:
    """The repository's git folder; a worktree's `.git` file points at its own, whose
    `commondir` holds the shared configuration."""
    git = root / ".git"
    if git.is_file():
        text = git.read_text(encoding="utf-8", errors="replace").strip()
        if text.startswith("gitdir:"):
            git = (root / text.removeprefix("gitdir:").strip()).resolve()
            common = git / "commondir"
            if common.is_file():
                git = (git / common.read_text(encoding="utf-8").strip()).resolve()
    return git


def git_remote(root: Path) -> str | None:
    """The `origin` remote of the repository at `root` as an https URL, or None."""
    config = _git_dir(root) / "config"
    if not config.is_file():
        return None
    import configparser

    parser = configparser.ConfigParser(strict=False)
    try:
        parser.read(config, encoding="utf-8")
        url = parser.get('remote "origin"', "url", fallback=None)
    except (configparser.Error, OSError):
        return None
    if not url:
        return None
    ssh = re.match(r"^(?:ssh://)?git@([^:/]+)[:/](.+?)(?:\.git)?/?$", url)
    if ssh:
        return f"https://{ssh.group(1)}/{ssh.group(2)}"
    if url.startswith(("https://", "http://")):
        return re.sub(r"\.git/?$", "", url)
    return None


__all__ = ["Project", "ProjectError", "Settings", "find_root", "is_marp_deck", "theme_name"]
