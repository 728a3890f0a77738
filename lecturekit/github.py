"""GitHub Actions workflow commands: annotations at a deck line, and the job's step summary.

On GitHub a line `::error file=slides/x.md,line=12,title=slide 3::message` printed
by a step becomes a red mark on line 12 of the pull request's diff; that is where
a lecturer looks, not at a thousand lines of log.  The format is tiny but strict:
the message ("data") must have `%`, CR and LF percent-encoded, and the properties
additionally `:` and `,` (GitHub's runner splits on them).  Everything that prints
a workflow command goes through `annotation()`, so the escaping lives in one place.

Nothing here does anything unless `GITHUB_ACTIONS=true` is in the environment
(`emit_problem` and `append_step_summary` return False otherwise), so local runs
print exactly what they printed before.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

LEVELS = ("error", "warning", "notice")


def in_actions(environ: Mapping[str, str] | None = None) -> bool:
    """True inside a GitHub Actions job (the runner sets GITHUB_ACTIONS=true)."""
    env = os.environ if environ is None else environ
    return env.get("GITHUB_ACTIONS") == "true"


def escape_data(text: str) -> str:
    """Escape a workflow command's message: `%`, CR and LF (`%` first, or it is escaped twice)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value (file, title): as data, plus `:` and `,`."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(level: str, file: str | None, line: int | None, title: str | None,
               message: str) -> str:
    """One workflow-command line, e.g. `::error file=a.md,line=3,title=slide 1::boom`.

    Properties that are None or empty are left out (GitHub then annotates the
    run instead of a file line).
    """
    if level not in LEVELS:
        raise ValueError(f"annotation level must be one of {', '.join(LEVELS)}, not {level!r}")
    properties = []
    if file:
        properties.append(f"file={escape_property(file)}")
        if line:
            properties.append(f"line={int(line)}")
    if title:
        properties.append(f"title={escape_property(title)}")
    head = f"::{level} {','.join(properties)}" if properties else f"::{level}"
    return f"{head}::{escape_data(message)}"


def workspace_path(path: str | os.PathLike[str], environ: Mapping[str, str] | None = None) -> str:
    """`path` as GitHub wants it in `file=`: relative to GITHUB_WORKSPACE, with `/`.

    A path outside the workspace (or without one) stays as given, made
    absolute, so the annotation still names it even if GitHub cannot place it.
    """
    env = os.environ if environ is None else environ
    absolute = Path(path).resolve()
    workspace = env.get("GITHUB_WORKSPACE")
    if workspace:
        try:
            return absolute.relative_to(Path(workspace).resolve()).as_posix()
        except ValueError:
            pass
    return absolute.as_posix()


def blob_url(file: str, line: int | None, environ: Mapping[str, str] | None = None) -> str | None:
    """Link to `file` (workspace-relative) at `line` in the commit the job runs on, if known."""
    env = os.environ if environ is None else environ
    server = env.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
    repository, sha = env.get("GITHUB_REPOSITORY"), env.get("GITHUB_SHA")
    if not (repository and sha) or file.startswith("/"):
        return None
    anchor = f"#L{int(line)}" if line else ""
    return f"{server}/{repository}/blob/{sha}/{file}{anchor}"


def emit_problem(path: str | os.PathLike[str], line: int | None, message: str, *,
                 slide: int | None = None, slide_title: str = "", level: str = "error",
                 stream: TextIO | None = None, environ: Mapping[str, str] | None = None) -> bool:
    """Print one annotation for a problem in a deck, when running on GitHub Actions.

    The title is the slide (`slide 3 “header”`) when known; the message is the
    problem's first line.  Returns whether anything was printed.
    """
    if not in_actions(environ):
        return False
    title = slide_label(slide, slide_title)
    first = message.strip().splitlines()[0] if message.strip() else message
    out = sys.stdout if stream is None else stream
    print(annotation(level, workspace_path(path, environ), line, title or None, first),
          file=out, flush=True)
    return True


def slide_label(number: int | None, title: str = "") -> str:
    """`slide 3 “header”` (the checker's wording), `slide 3`, or "" without a slide."""
    if not number:
        return ""
    return f"slide {number}" + (f" \u201c{title}\u201d" if title else "")


def append_step_summary(markdown: str, environ: Mapping[str, str] | None = None) -> bool:
    """Append Markdown to the job's summary page ($GITHUB_STEP_SUMMARY), when on GitHub.

    The runner creates the file and renders whatever the steps appended, so
    this only ever appends (each step may add to it).  Returns whether it wrote.
    """
    env = os.environ if environ is None else environ
    target = env.get("GITHUB_STEP_SUMMARY")
    if not (in_actions(env) and target):
        return False
    text = markdown if markdown.endswith("\n") else markdown + "\n"
    with open(target, "a", encoding="utf-8") as handle:
        handle.write(text)
    return True
