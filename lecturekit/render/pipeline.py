"""Build one deck: lint, stage, render + check + print in one engine run, publish.

Everything is made in a private staging folder inside the output folder, laid
out exactly as the output folder will be, so the Chromium page sees the same
relative paths the published HTML uses, and may load nothing outside it.
Only when every check passed (and the caller's `before_publish` hook agreed)
are the assets, then the HTML, then the PDF moved into place (os.replace), so
a failed or interrupted build leaves nothing new in the output folder and the
previous outputs intact, and two decks can build in parallel.

Where a deck and its files are published, which themes it may use and what
its marp-cli configuration says come from `lecturekit.project`: outputs mirror
the decks below the project's base (`ch02/lecture.md` -> `<out>/ch02/`), the
repository's themes win over the tool's of the same name (each build hands
marp-cli a configuration of its own, in the stage, naming exactly those
themes), and the typesetting checks run only on decks in the tool's own
themes (the CSS file the build uses is the very file shipped in lecturekit's
`themes/`, symlinks resolved: this repository's `themes/honwaka.css` is the one
the package ships; another repository's `honwaka` is theirs).
A theme that loads web fonts (Marp's `gaia`, or a repository theme's
`@import url(https://...)`) builds: the page blocks the request, so nothing is
fetched and the local fallback font is used, and the build warns once per
theme and URL.

A stage holds a lock file with its build's pid; a stage whose build is dead
is removed by the next build at once.  All temporary files (Chromium's
profile, the engine's job and log) live inside the stage.
"""

from __future__ import annotations

import contextlib
import filecmp
import json
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from lecturekit.deck import Deck, Slide, read_deck
from lecturekit.deck.variants import slides_kept, slides_markdown
from lecturekit.project import Project
from lecturekit.render import render, tools
from lecturekit.render.assets import LocalRef, copy_into, dist_path, local_refs, rewrite_refs
from lecturekit.render.lint import (
    WEB_FONT_THEMES,
    deck_theme_names,
    defined_themes,
    lint_deck,
    remote_urls,
)
from lecturekit.render.outline import as_json, deck_bookmarks
from lecturekit.render.problems import BuildError, Problem

LAYOUT_MODES = ("error", "warn")
LOCK = ".lock"
UNLOCKED_GRACE_S = 60
"""A stage without a lock file is being created, or was left by an older build."""


@dataclass
class Built:
    html: Path
    pdf: Path
    assets: list[Path]
    slides: int
    seconds: float
    warnings: list[Problem]


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def build_deck(deck_path: Path, out_dir: Path, themes_dir: Path | None = None,
               log: Callable[[str], None] = print, *, layout: str = "error",
               warn: Callable[[str], None] = _stderr,
               before_publish: Callable[[], None] | None = None,
               page_checks: list[Path] | None = None) -> Built:
    """Raises DeckError (unreadable deck), BuildError (problems found) or render.ToolError.

    `out_dir` is the output folder of the whole project: the deck's outputs go to
    its relative place below it (`Project.output_folder`).  `themes_dir`: the
    tool's own themes (default: the ones shipped with lecturekit), which the
    project's themes override by name.
    `layout="warn"` turns overflow, shrink and typesetting problems into
    warnings (passed to `warn`, same text) and publishes anyway.
    `before_publish` runs after every check passed and before anything is
    moved into `out_dir`; if it raises BuildError, nothing is published.
    `page_checks`: modules exporting `typesetting(options)` run in the page
    (default: engine/typesetting.mjs when it exists, for decks in the tool's themes).
    """
    if layout not in LAYOUT_MODES:
        raise ValueError(f"layout must be one of {LAYOUT_MODES}, not {layout!r}")
    started = time.monotonic()
    # Messages name the deck as the caller wrote it (relative to the working folder, as
    # editors and GitHub want it); every path handed to a tool is made absolute below.
    deck_path = Path(deck_path)
    project = Project.of(deck_path)
    label = project.label(deck_path)
    out_root = Path(out_dir).resolve()
    out_dir = project.output_folder(deck_path, out_root)
    deck = read_deck(deck_path)
    shipped_dir = Path(themes_dir or tools.THEMES)
    themes = project_themes(project, shipped_dir)
    problems = lint_deck(deck, themes)
    if problems:
        raise BuildError(problems)
    if out_root.exists() and not out_root.is_dir():
        raise BuildError([Problem(out_root, None, "is a file, not a folder: the output "
                                                  "(--out) must be a folder")])
    used = deck_theme_names(deck)
    shipped = defined_themes(shipped_dir) if shipped_dir.is_dir() else {}
    own_theme = bool(used) and all(
        name in themes and name in shipped and themes[name].resolve() == shipped[name].resolve()
        for name in used)
    if page_checks is None:
        # The typesetting check holds the tool's own themes to its standard (line
        # breaking, contrast, text size); other themes are not ours to fix.
        page_checks = ([tools.TYPESETTING] if own_theme and tools.TYPESETTING.is_file()
                       else [])
    kept = slides_kept(deck)
    refs = local_refs(deck, kept)
    assets = {dist_path(deck, r.file): r.file for r in refs}

    out_dir.mkdir(parents=True, exist_ok=True)
    remove_dead_stages(out_dir)
    stage = Path(tempfile.mkdtemp(prefix=f".build-{deck.name}-", dir=out_dir))
    try:
        (stage / LOCK).write_text(_lock_text(os.getpid()), encoding="utf-8")
        copy_into(assets, stage)
        markdown = stage / f"{deck.name}.md"
        markdown.write_text(rewrite_refs(slides_markdown(deck), deck, refs), encoding="utf-8")
        html, pdf = stage / f"{deck.name}.html", stage / f"{deck.name}.pdf"
        job = render.make_job(stage, deck.name, title=deck.title,
                              bookmarks=as_json(deck_bookmarks(kept)), page_checks=page_checks,
                              slides=len(kept))
        served, removed = offline_themes(stage, themes)
        job["config"] = str(marp_config(stage, project, served))
        if project.marp.get("html") is False:
            job["htmlTags"] = False
        judge = _Judge(deck, kept, refs, layout == "warn", own_theme=own_theme,
                       web_fonts=theme_web_resources(used, served))
        fonts = web_font_warnings(deck, used, themes, removed)
        for problem in fonts:
            warn(f"warning: {problem}")
        warnings: list[Problem] = []
        with render.Engine(job, stage) as engine:
            for event in engine.events():
                if event["event"] == "html":
                    log(f"[build] {label}: html")
                elif event["event"] == "checked":
                    warnings = judge.checked(render.PageReport.from_json(event["report"]))
                    for problem in warnings:
                        warn(f"warning: {problem}")
                    note = f", {len(warnings)} layout warnings" if warnings else ""
                    warnings = fonts + warnings
                    log(f"[build] {label}: checks ok ({len(kept)} slides{note})")
                elif event["event"] == "pdf":
                    judge.printed(event["pages"], event["blocked"], event["missing"])
            # The PDF is complete; the engine closes Chromium meanwhile (the stage, which
            # holds Chromium's profile, is removed only once both are gone).
            log(f"[build] {label}: pdf")
            if before_publish is not None:
                before_publish()

            published = _publish_assets(assets, stage, out_dir)
            final_html, final_pdf = out_dir / html.name, out_dir / pdf.name
            os.replace(html, final_html)
            os.replace(pdf, final_pdf)
    finally:
        _remove(stage)
    return Built(final_html, final_pdf, published, len(kept), time.monotonic() - started,
                 warnings)


def project_themes(project: Project, themes_dir: Path | None = None) -> dict[str, Path]:
    """The themes a deck of `project` may use: the tool's (`themes_dir`, default: shipped with
    lecturekit), each replaced by the project's theme of the same name, plus the project's."""
    shipped_dir = Path(themes_dir or tools.THEMES).resolve()
    return project.theme_set(defined_themes(shipped_dir) if shipped_dir.is_dir() else {})


def deck_marp_config(folder: Path, deck_path: Path) -> Path:
    """The marp-cli configuration for rendering a deck of its project in `folder` (the
    build's stage, the handout's or the preview's work folder): the project's themes, web
    fonts removed, its `lang`/`html`/`allowLocalFiles`."""
    project = Project.of(deck_path)
    served, _ = offline_themes(folder, project_themes(project))
    return marp_config(folder, project, served)


def marp_config(stage: Path, project: Project, themes: dict[str, Path]) -> Path:
    """A marp-cli configuration for this build, in the stage: the tool's own (engine plug-ins,
    options) with the project's theme set, `lang`, `html` and `allowLocalFiles`; its engine
    also drops the web-font imports of Marp's built-in themes (gaia's), as `offline_themes`
    does for the others, so the published HTML loads nothing from the network."""
    overrides: dict[str, object] = {"themeSet": [str(css.resolve()) for css in themes.values()],
                                    "lang": project.settings.lang}
    for key in ("html", "allowLocalFiles"):
        if isinstance(project.marp.get(key), bool):
            overrides[key] = project.marp[key]
    config = stage / ".marp.config.mjs"
    config.write_text(
        "// Written by lecturekit for one build: the tool's configuration, this project's "
        "themes.\n"
        f"import base from {json.dumps(tools.MARP_CONFIG.resolve().as_uri())}\n"
        f"const REMOTE = {_JS_REMOTE_IMPORT}\n"
        "const offline = (marp) => {\n"
        "  for (const theme of [...marp.themeSet.themes()]) {\n"
        "    const css = theme.css.replace(REMOTE, " + json.dumps(_REMOVED) + ")\n"
        "    if (css !== theme.css) marp.themeSet.add(css)\n"
        "  }\n"
        "  return marp\n"
        "}\n"
        f"export default {{ ...base, ...{json.dumps(overrides, ensure_ascii=False)},\n"
        "  engine: (options) => offline(typeof base.engine === 'function' ? "
        "base.engine(options) : options.marp) }\n",
        encoding="utf-8")
    return config


_REMOTE_IMPORT = re.compile(
    r"""@import\s+(?:url\(\s*)?["']?((?:https?:)?//[^"')\s;]+)["']?\s*\)?[^;]*;""", re.I)
_JS_REMOTE_IMPORT = r"""/@import\s+(?:url\(\s*)?["']?(?:https?:)?\/\/[^;]*;/gi"""
_REMOVED = "/* web font import removed by lecturekit: the build loads nothing from the network */"
_THEME_IMPORT = re.compile(r"""@import(?:-theme)?\s+["']([\w-]+)["']""")


def offline_themes(stage: Path, themes: dict[str, Path]) -> tuple[dict[str, Path],
                                                                    dict[str, list[str]]]:
    """The themes as marp-cli gets them: a theme whose CSS imports from the network (a web
    font) is copied into the stage without those imports.  Returns name -> CSS file, and
    name -> the URLs removed."""
    served: dict[str, Path] = {}
    removed: dict[str, list[str]] = {}
    for name, css in themes.items():
        try:
            text = css.read_text(encoding="utf-8", errors="replace")
        except OSError:
            served[name] = css
            continue
        urls = [m.group(1) for m in _REMOTE_IMPORT.finditer(text)]
        if not urls:
            served[name] = css
            continue
        copy = stage / ".themes" / f"{name}.css"
        copy.parent.mkdir(exist_ok=True)
        copy.write_text(_REMOTE_IMPORT.sub(_REMOVED, text), encoding="utf-8")
        served[name], removed[name] = copy, list(dict.fromkeys(urls))
    return served, removed


def builtin_web_fonts() -> dict[str, str]:
    """Marp's built-in themes that import web fonts -> the URL, read from the installed
    marp-core (else the origin named in `lint.WEB_FONT_THEMES`)."""
    found = dict(WEB_FONT_THEMES)
    try:
        bundle = tools.node_modules() / "@marp-team" / "marp-core" / "lib" / "marp.js"
        text = bundle.read_text(encoding="utf-8", errors="replace")
    except (OSError, tools.ToolError):
        text = ""
    for name in found:
        theme = re.search(rf"@theme {re.escape(name)}\b.{{0,2000}}?@import\s+\"([^\"]+)\"",
                          text, re.S)
        if theme and theme.group(1).startswith(found[name]):
            found[name] = theme.group(1)
    return found


def web_font_warnings(deck: Deck, used: list[str], themes: dict[str, Path],
                      removed: dict[str, list[str]]) -> list[Problem]:
    """One warning per theme and URL whose web-font import the build removed, for the
    themes the deck uses and the themes those import (`@import 'gaia'`)."""
    builtin = builtin_web_fonts()
    warnings, seen, queue = [], set(), list(used)
    while queue:
        name = queue.pop(0)
        if name in seen:
            continue
        seen.add(name)
        urls = removed.get(name, [])
        if name not in themes and name in builtin:
            urls = [builtin[name]]
        for url in urls:
            warnings.append(Problem(deck.path, None,
                                    f'theme "{name}" imports {url} from the network: blocked '
                                    f"(nothing is fetched); the local fallback font is used"))
        if name in themes:
            with contextlib.suppress(OSError):
                queue.extend(_THEME_IMPORT.findall(themes[name].read_text(encoding="utf-8")))
    return warnings


@dataclass(frozen=True)
class WebResource:
    """A network resource a theme loads that the build could not remove (a font's `url()`):
    the page blocks it; the build warns once."""

    theme: str
    url: str

    def matches(self, url: str) -> bool:
        want, got = urlsplit(unquote(self.url)), urlsplit(unquote(url))
        return (want.netloc, want.path) == (got.netloc, got.path) or (
            not want.path.strip("/") and want.netloc == got.netloc)


def theme_web_resources(used: list[str], themes: dict[str, Path]) -> list[WebResource]:
    """What the deck's themes still refer to on the network (remote `url()`s)."""
    found = []
    for name in dict.fromkeys(used):
        if name in themes:
            found.extend(WebResource(name, url) for url in remote_urls(themes[name]))
    return found


def _remove(stage: Path) -> None:
    for _ in range(5):  # a dying Chromium may still be closing files in its profile
        shutil.rmtree(stage, ignore_errors=True)
        if not stage.exists():
            return
        time.sleep(0.1)


def _lock_text(pid: int) -> str:
    return f"{pid} {_start_time(pid)}\n"


def _start_time(pid: int) -> str:
    """The process's start time (so a reused pid is not taken for the build that died)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return "?"
    return stat.rsplit(")", 1)[1].split()[19]


def _alive(lock: str) -> bool:
    try:
        pid_text, started = lock.split()
        pid = int(pid_text)
    except ValueError:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return started == "?" or _start_time(pid) == started


def remove_dead_stages(out_dir: Path) -> list[Path]:
    """Remove staging folders whose build is no longer running; returns them."""
    removed = []
    for stage in out_dir.glob(".build-*"):
        if not stage.is_dir():
            continue
        try:
            lock = (stage / LOCK).read_text(encoding="utf-8")
        except FileNotFoundError:
            with contextlib.suppress(OSError):
                if time.time() - stage.stat().st_mtime < UNLOCKED_GRACE_S:
                    continue
            lock = ""
        except OSError:
            continue
        if not lock or not _alive(lock):
            shutil.rmtree(stage, ignore_errors=True)
            removed.append(stage)
    return removed


class _Judge:
    """Turns the engine's findings into problems naming deck line and slide (never the stage)."""

    def __init__(self, deck: Deck, kept: list[Slide], refs: list[LocalRef], warn: bool,
                 own_theme: bool = True, web_fonts: list[WebResource] | None = None) -> None:
        self.deck, self.kept, self.warn = deck, kept, warn
        self.web_fonts = web_fonts or []
        """Network requests of the deck's themes: blocked like any other, but a warning
        (once per theme and URL), not a failure: the page uses the local fallback font."""
        self.web_font_warnings: list[Problem] = []
        self._warned: set[tuple[str, str]] = set()
        self.own_theme = own_theme
        """Typesetting findings (line breaking, contrast, text size) stop the build only for
        decks in one of the project's own themes; Marp's built-in themes are not ours to fix,
        so there they are warnings."""
        self.by_dist = {}
        for ref in refs:
            self.by_dist.setdefault(str(dist_path(deck, ref.file)), ref)
        self.lines = deck.lines
        self.rendered = len(kept)

    def checked(self, report: render.PageReport) -> list[Problem]:
        """Raise BuildError for what must stop the build; return the layout warnings."""
        self.rendered = report.slides
        problems = self._requests(report.missing, report.blocked)
        layout = self._layout(report)
        fonts, self.web_font_warnings = self.web_font_warnings, []
        typesetting = self._typesetting(report)
        if self.own_theme:
            layout += typesetting
            typesetting = []
        if report.slides != len(self.kept):
            problems.append(Problem(self.deck.path, None,
                                    f"renders {report.slides} slides but the deck model has "
                                    f"{len(self.kept)}; the slide numbers below may be off"))
        if problems or (layout and not self.warn):
            raise BuildError(problems + layout)
        return fonts + layout + typesetting

    def printed(self, pages: int, blocked: list[dict], missing: list[dict]) -> None:
        problems = self._requests(missing, blocked)
        if pages != len(self.kept):
            problems.append(Problem(self.deck.path, None, f"renders to a PDF of {pages} pages "
                                                          f"for {len(self.kept)} slides"))
        if problems:
            raise BuildError(problems)

    def _slide(self, index: int) -> Slide | None:
        if self.rendered == len(self.kept) and 1 <= index <= len(self.kept):
            return self.kept[index - 1]
        return None

    def _problem(self, index: int, message: str, line: int | None = None, *,
                 layout: bool = False) -> Problem:
        slide = self._slide(index)
        if slide is not None:
            if line is not None and not slide.line <= line <= slide.end_line:
                line = None
            return Problem.on_slide(self.deck.path, slide, message, line, layout=layout)
        where = f"rendered slide {index}" if index else "the deck (a <style> or the theme?)"
        return Problem(self.deck.path, line, f"{where} {message}", layout=layout)

    def _requests(self, missing: list[dict], blocked: list[dict]) -> list[Problem]:
        problems = []
        for entry in missing:
            ref = self.by_dist.get(entry["url"])
            what = "is a folder" if entry["error"] == "a folder" else "does not exist"
            if ref is not None:
                problems.append(Problem.on_slide(self.deck.path, ref.slide,
                                                 f"needs {ref.ref.src}, which fails to load "
                                                 f"(it {what})", ref.ref.line))
            else:
                index, line = entry.get("slide", 0), entry.get("line")
                if line is None:
                    index, line = self._find(entry["url"], index)
                problems.append(self._problem(index, f"needs {entry['url']}, which fails to load "
                                                     f"(it {what} in the build)", line))
        seen = set()
        for entry in blocked:
            key = (entry["url"], entry["phase"], entry["kind"])
            if key in seen:
                continue
            seen.add(key)
            if entry["kind"] == "network" and self._theme_font(entry["url"]):
                continue
            index, line = entry.get("slide", 0), entry.get("line")
            if line is None:
                index, line = self._find(entry["url"], index)
            problems.append(self._problem(index, _blocked_message(entry), line))
        return problems

    def _theme_font(self, url: str) -> bool:
        """Is this blocked request one of the deck's themes' web resources?  Then it is
        recorded as a warning, the first time only."""
        for resource in self.web_fonts:
            if resource.matches(url):
                if (resource.theme, url) not in self._warned:
                    self._warned.add((resource.theme, url))
                    self.web_font_warnings.append(Problem(
                        self.deck.path, None,
                        f'theme "{resource.theme}" imports {url} from the network: blocked '
                        f"(nothing is fetched); the local fallback font is used"))
                return True
        return False

    def _find(self, url: str, index: int) -> tuple[int, int | None]:
        """The deck line naming `url` (its origin, its file name); else the first <script> line."""
        slide = self._slide(index)
        first, last = (slide.line, slide.end_line) if slide else (1, len(self.lines))
        last = min(last, len(self.lines))
        origin = re.match(r"^[a-z][a-z0-9+.-]*://[^/?#]+", url, re.I)
        needles = [url, origin and origin.group(0), url.rstrip("/").rsplit("/", 1)[-1]]
        for needle in filter(None, needles):
            for number in range(first, last + 1):
                if needle in self.lines[number - 1]:
                    return self._index_at(number, index), number
        for number, text in enumerate(self.lines, start=1):
            if "<script" in text.lower():
                return self._index_at(number, index), number
        return index, None

    def _index_at(self, line: int, fallback: int) -> int:
        for index, slide in enumerate(self.kept, start=1):
            if slide.line <= line <= slide.end_line:
                return index
        return fallback

    def _layout(self, report: render.PageReport) -> list[Problem]:
        problems = []
        for o in report.overflow:
            if o.side == "clipped":
                message = f"has a {o.what} too big for the slide: {o.px}px of it are cut off"
            elif o.what == "content":
                message = f"overflows its frame by {o.px}px at the {o.side}"
            elif o.what == "header":
                message = f"has a header too long for its title bar (by {o.px}px at the {o.side})"
            else:
                message = f"has a {o.what} sticking out of the frame by {o.px}px at the {o.side}"
            line = None if o.what == "header" else o.line
            problems.append(self._problem(o.slide, message, line, layout=True))
        for s in report.shrunk:
            problems.append(self._problem(
                s["slide"], f"has a {s['what']} so wide that Marp shrinks it to {s['percent']}%; "
                            f"break its long lines", self._longest_code_line(s), layout=True))
        return problems

    def _typesetting(self, report: render.PageReport) -> list[Problem]:
        problems = []
        for t in report.typesetting:
            detail = f" ({t['detail']})" if t["detail"] else ""
            problems.append(self._problem(t["slide"], f"has a typesetting problem ({t['what']}): "
                                                      f"{t['text']}{detail}",
                                          self._line_with(t["slide"], t["text"]), layout=True))
        return problems

    def _line_with(self, index: int, text: str) -> int | None:
        """The first line of the slide holding `text` (or its first 8 characters)."""
        slide = self._slide(index)
        text = text.strip()
        if slide is None or not text:
            return None
        for needle in dict.fromkeys([text, text[:8]]):
            for number in range(slide.line, min(slide.end_line, len(self.lines)) + 1):
                if needle in self.lines[number - 1]:
                    return number
        return None

    def _longest_code_line(self, shrunk: dict) -> int | None:
        """The longest line of the shrunk fence (the one to break), else the fence's line."""
        slide, line = self._slide(shrunk["slide"]), shrunk.get("line")
        if slide is None or line is None:
            return line
        for fence in slide.fences:
            if fence.line == line and fence.body_lines:
                codes = fence.code.split("\n")[:len(fence.body_lines)]
                longest = max(range(len(codes)), key=lambda i: len(codes[i]))
                return fence.deck_line(longest)
        return line


def _blocked_message(entry: dict) -> str:
    """What a request the render refused (engine/page.mjs) did, as a verb phrase."""
    url, kind = entry["url"], entry["kind"]
    when = " while the PDF is printed" if entry["phase"] == "print" else ""
    frame = " in an iframe" if entry.get("frame") == "iframe" else ""
    if kind == "network":
        return f"fetches {url} from the network{frame}{when} (blocked)"
    if kind == "websocket":
        return (f"opens a WebSocket to {url}{when} (blocked; a deck may not talk to the "
                f"network)")
    if kind == "popup":
        return (f"opens a new window on {url or 'a blank page'}{when} (window.open or "
                f"target=_blank; closed at once, a deck stays on its own page)")
    if kind == "navigation":
        return (f"makes the page leave the deck for {url}{when} (meta refresh or location=; "
                f"blocked, a deck stays on its own page)")
    if kind == "private":
        return (f"loads {url}{frame}{when}, a private file of the build (blocked; only the "
                f"deck's own files may load)")
    return (f"loads {url}{frame}{when}, a file outside the build "
            f"(blocked; only the deck's own files may load)")


def _publish_assets(assets: dict[PurePosixPath, Path], stage: Path, out_dir: Path) -> list[Path]:
    published = []
    for relative in assets:
        staged, final = stage / relative, out_dir / relative
        if not (final.is_file() and filecmp.cmp(staged, final, shallow=False)):
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged, final)
        published.append(final)
    return published
