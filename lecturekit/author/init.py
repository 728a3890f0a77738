"""`lecturekit init`: set up a repository (new or existing) to check, build and publish its decks.

What it writes, each only if it is not there yet (it never overwrites a file):

- the configuration: a `[tool.lecturekit]` table appended to an existing
  `pyproject.toml`, else a `lecturekit.toml`, naming the decks and theme
  folders it found (`lecturekit.project.Project` finds them), the output
  folder and the language;
- `.github/workflows/lecturekit.yml`: installs the tool (pip, Node, fonts; the
  runner's Chrome), runs `lecturekit check`, `build` and `site`, and publishes
  the site from the default branch to GitHub Pages and to the branch `gh-pages`
  (where Colab opens the notebooks, `lecturekit.handout.colab`);
- a `.gitignore` entry for the output folder;
- with `--template`, a first deck and a copy of the tool's theme to start from.

It asks nothing: everything it detects can be changed afterwards in the file
it wrote, and it says what it wrote and what to run next.  It runs the same on
a terminal and in a script.
"""

from __future__ import annotations

import datetime
import json
import os
import re
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path, PurePosixPath

from lecturekit.project import Project, find_root

WORKFLOW = Path(".github") / "workflows" / "lecturekit.yml"
TEMPLATES = Path(__file__).parent / "templates"
_KANA = re.compile(r"[\u3040-\u30ff]")


class InitError(Exception):
    """init cannot proceed; the message names the file and why."""


@dataclass
class Report:
    root: Path
    written: list[str] = field(default_factory=list)
    """`path: what` for each file written or extended."""
    kept: list[str] = field(default_factory=list)
    """`path: why` for each file left alone."""
    decks: list[str] = field(default_factory=list)
    next_steps: list[str] = field(default_factory=list)


# -- what the repository already has ------------------------------------------------------


def deck_globs(root: Path, decks: list[Path]) -> list[str]:
    """Globs (relative to root) covering the decks found, as short as they can be:
    `slides/*.md` for decks in one folder, `ch*/lecture.md` for one file per chapter folder,
    else the paths themselves."""
    relative = [PurePosixPath(d.resolve().relative_to(root).as_posix()) for d in decks]
    if not relative:
        return []
    parents = {p.parent for p in relative}
    if len(parents) == 1:
        parent = next(iter(parents))
        return [str(parent / "*.md") if str(parent) != "." else "*.md"]
    names = {p.name for p in relative}
    depths = {len(p.parts) for p in relative}
    if len(names) == 1 and len(depths) == 1:
        parts = []
        for column in zip(*(p.parent.parts for p in relative), strict=True):
            if len(set(column)) == 1:
                parts.append(column[0])
            else:
                # ch02, ch03 -> ch* (not ch0*, which would miss ch10)
                parts.append(re.sub(r"\d+$", "", os.path.commonprefix(list(column))) + "*")
        return ["/".join([*parts, next(iter(names))])]
    return [str(p) for p in sorted(relative)]


def theme_folders(project: Project) -> list[str]:
    """The folders (relative to the root) holding the repository's own themes."""
    folders = []
    for css in project.themes.values():
        try:
            folder = css.parent.resolve().relative_to(project.root).as_posix()
        except ValueError:
            continue
        if folder not in folders:
            folders.append(folder)
    return sorted(folders)


def detect_lang(project: Project, decks: list[Path]) -> str:
    """The configured or marp-cli language, else `ja` when the decks are written in Japanese."""
    if project.settings.source is not None or project.marp.get("lang"):
        return project.settings.lang
    for deck in decks[:20]:
        try:
            text = deck.read_text(encoding="utf-8", errors="replace")[:20000]
        except OSError:
            continue
        if len(_KANA.findall(text)) > 20:
            return "ja"
    return "en"


# -- what is written ----------------------------------------------------------------------


def config_table(decks: list[str], themes: list[str], out: str, lang: str, title: str) -> str:
    """The `[tool.lecturekit]` keys (TOML); every key is optional (README, Configuration)."""
    lines = []
    if decks:
        lines.append(f"decks = {json.dumps(decks, ensure_ascii=False)}")
    else:
        lines.append('decks = ["slides/*.md"]')
    if themes:
        lines.append(f"themes = {json.dumps(themes, ensure_ascii=False)}")
    lines.append(f"out = {json.dumps(out)}")
    lines.append(f"lang = {json.dumps(lang)}")
    lines.append(f"title = {json.dumps(title, ensure_ascii=False)}")
    lines.append('# layout = "warn"   # overflow and typesetting problems warn instead of failing')
    return "\n".join(lines) + "\n"


def install_spec() -> str:
    """What CI should `pip install` to get this lecturekit: the git URL and commit it was
    installed from (PEP 610 direct_url.json) when there is one, else the name."""
    try:
        raw = metadata.distribution("lecturekit").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        raw = None
    if raw:
        try:
            info = json.loads(raw)
        except ValueError:
            info = {}
        vcs = info.get("vcs_info") or {}
        url = info.get("url", "")
        if vcs.get("vcs") == "git" and url.startswith(("https://", "ssh://", "git@")):
            commit = vcs.get("commit_id")
            return f"lecturekit @ git+{url}" + (f"@{commit}" if commit else "")
    return "lecturekit"


def workflow_text(spec: str, out: str) -> str:
    template = (TEMPLATES / "lecturekit.yml.tmpl").read_text(encoding="utf-8")
    return template.replace("@SPEC@", spec).replace("@OUT@", out)


def _write_new(path: Path, text: str) -> bool:
    """Create `path` with `text`; False (and nothing written) if it exists."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(path, "x", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except FileExistsError:
        return False
    return True


def _has_table(pyproject: Path) -> bool:
    import tomllib

    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InitError(f"{pyproject}: cannot read it as TOML ({exc}); fix it, or add "
                        f"[tool.lecturekit] by hand") from None
    return "lecturekit" in data.get("tool", {})


def _ignored(gitignore: Path, out: str) -> bool:
    if not gitignore.is_file():
        return False
    wanted = {out, f"{out}/", f"/{out}", f"/{out}/"}
    return any(line.strip() in wanted for line in gitignore.read_text(
        encoding="utf-8", errors="replace").splitlines())


def init(start: Path | None = None, *, template: bool = False, spec: str | None = None,
         lang: str | None = None) -> Report:
    root = find_root(Path(start or Path.cwd()).absolute())
    project = Project.load(root)
    report = Report(root)
    out = project.settings.out

    if template:
        _write_template(root, lang or detect_lang(project, []), report)
        project = Project.load(root)
    decks = list(project.decks)
    report.decks = [d.resolve().relative_to(root).as_posix() for d in decks]
    lang = lang or detect_lang(project, decks)

    pyproject, own = root / "pyproject.toml", root / "lecturekit.toml"
    table = config_table(deck_globs(root, decks), theme_folders(project), out, lang,
                         project.settings.title)
    if own.exists():
        report.kept.append(f"{own.name}: exists, left as it is")
    elif pyproject.is_file() and _has_table(pyproject):
        report.kept.append("pyproject.toml: already has [tool.lecturekit]")
    elif pyproject.is_file():
        text = pyproject.read_text(encoding="utf-8")
        sep = "" if text.endswith("\n") or not text else "\n"
        with open(pyproject, "a", encoding="utf-8", newline="\n") as handle:
            handle.write(f"{sep}\n[tool.lecturekit]\n{table}")
        report.written.append("pyproject.toml: [tool.lecturekit] appended")
    else:
        _write_new(own, "# lecturekit's settings (README: Configuration); every key is "
                        "optional.\n" + table)
        report.written.append(f"{own.name}: the configuration")

    workflow = root / WORKFLOW
    if _write_new(workflow, workflow_text(spec or install_spec(), out)):
        report.written.append(f"{WORKFLOW.as_posix()}: check, build and publish to GitHub "
                              f"Pages")
    else:
        report.kept.append(f"{WORKFLOW.as_posix()}: exists, left as it is")

    gitignore = root / ".gitignore"
    if _ignored(gitignore, out):
        report.kept.append(f".gitignore: already ignores {out}/")
    else:
        existing = gitignore.read_text(encoding="utf-8") if gitignore.is_file() else ""
        sep = "" if existing.endswith("\n") or not existing else "\n"
        with open(gitignore, "a", encoding="utf-8", newline="\n") as handle:
            handle.write(f"{sep}# lecturekit's outputs\n/{out}/\n")
        report.written.append(f".gitignore: /{out}/ ({'appended' if existing else 'new'})")

    first = report.decks[0] if report.decks else "slides/01-intro.md"
    report.next_steps = [
        f"lecturekit check {first}",
        f"lecturekit build {first}",
        "git add -A && git commit -m 'lecturekit' && git push, then in the repository's "
        "Settings > Pages choose 'GitHub Actions' as the source",
    ]
    return report


def _write_template(root: Path, lang: str, report: Report) -> None:
    from lecturekit.author.new import render_deck
    from lecturekit.render.tools import THEMES

    theme_src = THEMES / "honwaka.css"
    theme = root / "themes" / "honwaka.css"
    if _write_new(theme, theme_src.read_text(encoding="utf-8")):
        report.written.append("themes/honwaka.css: the tool's theme, yours to change")
    else:
        report.kept.append("themes/honwaka.css: exists, left as it is")
    deck = root / "slides" / "01-intro.md"
    title = "はじめに" if lang == "ja" else "Introduction"
    text = render_deck(title, datetime.date.today().isoformat(), author=root.name, lang=lang,
                       theme="honwaka")
    if _write_new(deck, text):
        report.written.append("slides/01-intro.md: a first deck (code, exercise, answer)")
    else:
        report.kept.append("slides/01-intro.md: exists, left as it is")


def format_report(report: Report) -> str:
    lines = [f"lecturekit init in {report.root}"]
    found = ", ".join(report.decks[:5]) + (" …" if len(report.decks) > 5 else "")
    lines.append(f"  decks found: {found or 'none yet'}")
    lines += [f"  wrote {entry}" for entry in report.written]
    lines += [f"  kept  {entry}" for entry in report.kept]
    lines.append("next:")
    lines += [f"  {step}" for step in report.next_steps]
    return "\n".join(lines)
