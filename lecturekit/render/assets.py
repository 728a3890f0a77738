"""The local files a deck references: which may be published, and where they go in `dist/`.

marp-cli copies no assets, so the build places every file the rendered deck
loads in the output folder at the path the HTML asks for.  What is published
is confined to the deck's project, because `dist/` is what gets published:

- The *project root* is the nearest folder, from the deck's own folder
  upwards, holding `.git`, `pyproject.toml`, `package.json` or a
  `marp.config.*`; with none of them, the deck's own folder.  Every local
  reference (Markdown image or link, HTML `src`/`href`/`poster`/`data`/
  `srcset`, CSS `url()`, header/footer/backgroundImage directives) must
  resolve, symlinks resolved, to a file inside it, outside hidden folders
  such as `.git/`; `file:` URLs and absolute paths are refused.
- What the page *loads* is copied.  A link (`<a href>`, `[text](path)`) is
  followed by a reader, not loaded: it is copied only if it names an asset a
  page could load (image, media, font, stylesheet); `<a href="../.git/config">`
  is refused and a link to `notes.md` is left alone, never published.
- Layout: the deck's outputs mirror its path below the project's decks base
  (`lecturekit.project`: `ch02/lecture.md` -> `dist/ch02/lecture.html`), and
  its files are published beside them, relative to the deck
  (`ch02/img/a.png` -> `dist/ch02/img/a.png`), so two decks, or two images of
  the same name, never collide.  A deck published at the top of the output
  folder keeps its files' paths relative to its folder's parent instead
  (this repository's `slides/x.md` refers to `../img/a.png`, which lands in
  `dist/img/a.png`, the reference rewritten to `img/a.png`), so decks sharing
  a figure share one copy.  A file of the project outside that base goes to
  `assets/<hash>/<name>` beside the deck's outputs.  `dist_path` gives these
  paths relative to the deck's output folder, never above it.
- The deck itself must be where its path says: a deck symlinked into the
  project from elsewhere (its real file outside the project its path is in)
  is refused at its path, so nothing next to its real location is published.

Every entry point (build, handout, index, site, preview) applies these rules
through one step, `lint.confine`; the handout's image embedding asks
`file_refusal` for each file it reads.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import quote, unquote

from lecturekit.deck import Deck, ImageRef, Slide
from lecturekit.deck.model import PROJECT_MARKERS

_REMOTE = re.compile(r"^(?:https?:)?//", re.I)
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)
ASSET_SUFFIXES = frozenset({
    ".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".avif", ".bmp", ".ico", ".apng", ".tif",
    ".tiff", ".mp4", ".webm", ".ogv", ".ogg", ".oga", ".mp3", ".wav", ".m4a", ".aac", ".flac",
    ".opus", ".mov", ".m4v", ".vtt", ".woff", ".woff2", ".ttf", ".otf", ".css",
})
"""Kinds of file a page loads; a link to one of these is copied, other links are not."""


@dataclass(frozen=True)
class LocalRef:
    ref: ImageRef
    slide: Slide
    file: Path
    """The referenced file, resolved against the deck's folder (symlinks resolved)."""


@dataclass(frozen=True)
class Refused:
    """A local reference the build will not follow, and why."""

    ref: ImageRef
    slide: Slide
    reason: str


def is_remote(src: str) -> bool:
    return bool(_REMOTE.match(src.strip()))


def is_link(ref: ImageRef) -> bool:
    """An `<a href>` style reference: followed by the reader, never fetched by the page."""
    return ref.attr == "href" and ref.tag in ("", "a", "area")


def is_asset_link(ref: ImageRef, file: Path) -> bool:
    return is_link(ref) and file.suffix.lower() in ASSET_SUFFIXES


def _path_part(src: str) -> str:
    return unquote(re.split(r"[?#]", src.strip(), maxsplit=1)[0])


def is_local(src: str) -> bool:
    """A reference to a file: not remote, not an anchor, not another scheme (data:, ...)."""
    src = src.strip()
    if not src or src.startswith("#") or is_remote(src):
        return False
    return not _SCHEME.match(src) or src.lower().startswith("file:")


def local_file(deck: Deck, src: str) -> Path | None:
    """The file a relative reference names (symlinks resolved), or None if it names none.

    `file:` URLs and absolute paths give None here; `refusal` explains them.
    """
    if not is_local(src) or src.strip().lower().startswith("file:"):
        return None
    path = _path_part(src)
    if not path or path.startswith(("/", "\\")):
        return None
    return (deck.path.resolve().parent / path).resolve()


def project_root(deck: Deck) -> Path:
    """Nearest folder from the deck's own upwards holding a project marker, else the deck's
    folder (see the module docstring and `Deck.project_root`)."""
    return deck.project_root


def layout_base(deck: Deck) -> Path:
    """The folder the deck's output folder mirrors: the deck's own folder for a deck
    published below the top of the output folder (`dist/ch02/`); for one at the top, its
    folder's parent, if that is in the project."""
    from lecturekit.project import Project

    folder, root = deck.path.resolve().parent, project_root(deck)
    if str(Project.of(deck.path).relative_name(deck.path).parent) != ".":
        return folder
    return folder.parent if folder != root and folder.parent.is_relative_to(root) else folder


def root_of(folder: Path) -> Path:
    """The project root seen from `folder` (not resolved further): the nearest folder upwards
    holding a project marker, else `folder` itself (the rule of `Deck.project_root`)."""
    for candidate in (folder, *folder.parents):
        if any((candidate / marker).exists() for marker in PROJECT_MARKERS):
            return candidate
    return folder


def deck_refusal(deck_path: Path) -> str | None:
    """Why a deck must not be built at all: its path is inside a project but the file it
    resolves to (through a symlink) is not, so its references would be judged against
    a folder outside the project."""
    given = Path(os.path.abspath(deck_path))
    root = root_of(given.parent).resolve()
    real = given.resolve()
    if real.is_relative_to(root):
        return None
    return (f"resolves (through a symlink) to {real}, outside the project ({root}); "
            f"move the deck into the project instead of linking it")


def file_refusal(root: Path, file: Path) -> str | None:
    """Why a resolved file may not be read for publishing: outside `root`, or hidden in it."""
    if not file.is_relative_to(root):
        return (f"outside the project ({root}: the nearest folder holding .git, "
                f"pyproject.toml, package.json or marp.config.*, else the deck's folder)")
    hidden = [part for part in file.relative_to(root).parts if part.startswith(".")]
    if hidden:
        return f"inside the hidden {hidden[0]!r} of the project, which is never published"
    return None


def src_refusal(src: str) -> str | None:
    """Why a reference is refused by its form alone (file: URL, absolute path)."""
    src = src.strip()
    if src.lower().startswith("file:"):
        return "a file: URL (refer to files inside the project by a relative path)"
    if _path_part(src).startswith(("/", "\\")):
        return "an absolute path (refer to files inside the project by a relative path)"
    return None


def refusal(deck: Deck, ref: ImageRef) -> str | None:
    """Why a local reference must not be followed, or None if it may."""
    src = ref.src.strip()
    if not is_local(src):
        return None
    by_form = src_refusal(src)
    if by_form is not None:
        return by_form
    file = local_file(deck, src)
    if file is None:
        return None
    return file_refusal(project_root(deck), file)


def refused_refs(deck: Deck, slides: list[Slide]) -> list[Refused]:
    """Every reference of these slides (loads and links) that leaves the project."""
    found = []
    for slide in slides:
        for ref in [*slide.images, *slide.links]:
            reason = refusal(deck, ref)
            if reason is not None:
                found.append(Refused(ref, slide, reason))
    return found


def local_refs(deck: Deck, slides: list[Slide]) -> list[LocalRef]:
    """The files these slides make the page load (and asset links): what gets copied.

    Refused references and links to non-assets are left out.
    """
    found = []
    for slide in slides:
        for ref in [*slide.images, *slide.links]:
            file = local_file(deck, ref.src)
            if file is None or refusal(deck, ref) is not None:
                continue
            if is_link(ref) and not is_asset_link(ref, file):
                continue
            found.append(LocalRef(ref, slide, file))
    return found


def dist_path(deck: Deck, file: Path) -> PurePosixPath:
    """Where `file` goes, relative to the deck's output folder (see the module docstring)."""
    try:
        return PurePosixPath(file.relative_to(layout_base(deck)).as_posix())
    except ValueError:
        try:
            inside = file.relative_to(project_root(deck)).as_posix()
        except ValueError:
            inside = str(file)
        digest = hashlib.sha256(inside.encode()).hexdigest()[:10]
        return PurePosixPath("assets", digest, file.name)


def rewrite_refs(text: str, deck: Deck, refs: list[LocalRef]) -> str:
    """Point every local reference at its place in the output folder; keeps the line count.

    Each reference is rewritten on its own line: directive images (header,
    footer, backgroundImage) where the directive is written, in the front
    matter or its comment.
    """
    lines = text.split("\n")
    done: set[tuple[int, str]] = set()
    for item in refs:
        key = (item.ref.line, item.ref.src)
        if key in done or not 1 <= item.ref.line <= len(lines):
            continue
        done.add(key)
        new = str(dist_path(deck, item.file))
        replaced = _replace_src(lines[item.ref.line - 1], item.ref.src, new)
        if replaced is not None:
            lines[item.ref.line - 1] = replaced
    return "\n".join(lines)


def _replace_src(line: str, src: str, new: str) -> str | None:
    forms = [(src, quote(new) if "%" in src else new), (unquote(src), new)]
    for old, value in forms:
        pattern = re.compile(r"""(?<=[("'<\s=,])""" + re.escape(old) + r"""(?=[)"'>\s?#,]|$)""")
        result, count = pattern.subn(value.replace("\\", "\\\\"), line)
        if count:
            return result
    return None


def copy_into(files: dict[PurePosixPath, Path], folder: Path) -> None:
    """Copy each source file to folder/relative path (a staging folder, never `dist/` itself)."""
    for relative, source in files.items():
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(source.read_bytes())
        os.utime(target, (source.stat().st_atime, source.stat().st_mtime))
