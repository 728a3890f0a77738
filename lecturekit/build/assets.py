"""The local files a deck references, and where they go in `dist/`.

marp-cli copies no assets, so the build places every referenced file in the
output folder at the path the rendered HTML asks for.  A file keeps its path
relative to the project root (`slides/x.md` refers to `../img/a.png`, which
lands in `dist/img/a.png`, and the reference is rewritten to `img/a.png`), so
decks sharing a figure share one copy and the HTML stays readable.  Files
outside the project go to `assets/<hash>/<name>`.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import quote, unquote, urlsplit
from urllib.request import url2pathname

from lecturekit.deck import Deck, ImageRef, Slide

_REMOTE = re.compile(r"^(?:https?:)?//", re.I)
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)


@dataclass(frozen=True)
class LocalRef:
    ref: ImageRef
    slide: Slide
    file: Path
    """The referenced file, resolved against the deck's folder."""


def is_remote(src: str) -> bool:
    return bool(_REMOTE.match(src.strip()))


def is_link(ref: ImageRef) -> bool:
    """An `<a href>` style reference: followed by the reader, never fetched by the page."""
    return ref.attr == "href"


def local_file(deck: Deck, src: str) -> Path | None:
    """The file a reference names, or None for remote URLs, anchors and other schemes."""
    src = src.strip()
    if not src or src.startswith("#") or is_remote(src):
        return None
    if src.lower().startswith("file:"):
        return Path(url2pathname(urlsplit(src).path))
    if _SCHEME.match(src):
        return None
    path = unquote(re.split(r"[?#]", src, maxsplit=1)[0])
    return (deck.path.parent / path).resolve()


def local_refs(deck: Deck, slides: list[Slide]) -> list[LocalRef]:
    found = []
    for slide in slides:
        for ref in slide.images:
            file = local_file(deck, ref.src)
            if file is not None:
                found.append(LocalRef(ref, slide, file))
    return found


def project_root(deck: Deck) -> Path:
    """The folder holding the deck's folder (`slides/`), which `dist/` mirrors."""
    return deck.path.resolve().parent.parent


def dist_path(deck: Deck, file: Path) -> PurePosixPath:
    """Where `file` goes, relative to the output folder."""
    root = project_root(deck)
    try:
        return PurePosixPath(file.relative_to(root).as_posix())
    except ValueError:
        digest = hashlib.sha256(str(file).encode()).hexdigest()[:10]
        return PurePosixPath("assets", digest, file.name)


def rewrite_refs(text: str, deck: Deck, refs: list[LocalRef]) -> str:
    """Point every local reference at its place in the output folder; keeps the line count."""
    lines = text.split("\n")
    fallback = _directive_lines(deck)
    for item in refs:
        new = str(dist_path(deck, item.file))
        candidates = [item.ref.line] + [n for n in fallback(item.slide) if n != item.ref.line]
        for number in candidates:
            replaced = _replace_src(lines[number - 1], item.ref.src, new)
            if replaced is not None:
                lines[number - 1] = replaced
                break
    return "\n".join(lines)


def _replace_src(line: str, src: str, new: str) -> str | None:
    for old, value in ((src, new), (unquote(src), new), (src, quote(new))):
        pattern = re.compile(r"""(?<=[("'<\s=])""" + re.escape(old) + r"""(?=[)"'>\s?#])""")
        result, count = pattern.subn(value.replace("\\", "\\\\"), line)
        if count:
            return result
    return None


def _directive_lines(deck: Deck):
    """Lines a directive such as `backgroundImage` may sit on: front matter and comments."""
    first_slide = deck.slides[0].line if deck.slides else 1
    front = list(range(1, first_slide))

    def lines_for(slide: Slide) -> list[int]:
        comments = [c.line + i for c in slide.comments for i in range(c.text.count("\n") + 1)]
        return comments + front

    return lines_for


def copy_into(files: dict[PurePosixPath, Path], folder: Path) -> None:
    """Copy each source file to folder/relative path (a staging folder, never `dist/` itself)."""
    for relative, source in files.items():
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(source.read_bytes())
        os.utime(target, (source.stat().st_atime, source.stat().st_mtime))
