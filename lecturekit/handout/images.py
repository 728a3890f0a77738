"""Images a slide refers to, embedded so a notebook or page opens anywhere, offline.

Embedding publishes a file's bytes, so every file read here passes the
build's rule (`render.assets`): resolved, symlinks included, inside the
deck's project and outside its hidden folders; absolute paths and `file:`
URLs are refused.  `handout.build` has already run `render.lint.confine` on
the deck; this is the same rule applied again at the one place bytes are read.
"""

from __future__ import annotations

import base64
import html
import math
import mimetypes
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from lecturekit.deck import DeckError, Slide
from lecturekit.handout.raster import SCALE, png_of, svg_size
from lecturekit.render.assets import file_refusal, is_local, is_remote, root_of, src_refusal

"""nbformat attachment bundle: {mime type: base64 data}."""

_MARP_KEYWORD = re.compile(
    r"^(?:(?:w|h|width|height|blur|brightness|contrast|drop-shadow|grayscale|hue-rotate|"
    r"invert|opacity|saturate|sepia):\S*|center|bg|left|right|fit|contain|cover|auto|"
    r"vertical|\d+(?:\.\d+)?%|blur|grayscale|invert|sepia)$"
)


@dataclass(frozen=True)
class LocalImage:
    path: Path
    mime: str

    def base64(self) -> str:
        return base64.b64encode(self.path.read_bytes()).decode("ascii")

    def data_uri(self) -> str:
        return f"data:{self.mime};base64,{self.base64()}"


def resolve_image(src: str, deck_path: Path, line: int, slide: int) -> LocalImage | None:
    """The local file `src` names (relative to the deck); None for data: URIs and other
    schemes that name no file."""
    if is_remote(src) or re.match(r"^(?!file:)[a-z][a-z0-9+.-]*://", src, re.I):
        raise DeckError(deck_path, line, f"image {src!r} is remote; handouts must open "
                                         f"offline: save it under img/ and link it", slide)
    if not is_local(src):
        return None
    refused = src_refusal(src)
    folder = deck_path.resolve().parent
    path = (folder / unquote(src.split("#")[0].split("?")[0])).resolve()
    if refused is None:
        refused = file_refusal(root_of(folder).resolve(), path)
    if refused is not None:
        raise DeckError(deck_path, line, f"references {src}, {refused}; only files inside the "
                                         f"project are published", slide)
    if not path.is_file():
        raise DeckError(deck_path, line, f"image {src!r} not found (looked for {path})", slide)
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return LocalImage(path, mime)


def clean_alt(alt: str) -> str:
    """Alt text without Marp's sizing and placement keywords (`w:400 center`)."""
    return " ".join(w for w in alt.split() if not _MARP_KEYWORD.match(w))


def embed_images(slide: Slide, lines: list[str], first: int,
                 deck_path: Path) -> list[str]:
    """Point every local image at a data URI: a Markdown image of an SVG becomes an HTML
    `<img>` of its PNG drawing (`raster`, drawn at `SCALE` times its size, shown at its own
    size), any other Markdown image a Markdown image of its bytes; HTML/CSS ones keep their
    markup.  No cell attachments: Colab shows none (nor do some other viewers), while a
    data URI shows in JupyterLab (its sanitizer does not check `src`), Colab (which itself
    pastes images as data URIs), VS Code, nbconvert and GitHub."""
    lines = list(lines)
    for ref in slide.images:
        index = ref.line - first
        if not 0 <= index < len(lines) or ref.src not in lines[index]:
            continue
        image = resolve_image(ref.src, deck_path, ref.line, slide.number)
        if image is None:
            continue
        line = lines[index]
        markdown = re.compile(r"!\[([^\]]*)\]\(\s*" + re.escape(ref.src) + r"(\s+\"[^\"]*\")?\s*\)")
        found = markdown.search(line)
        if found:
            png = png_of(image.path) if image.mime == "image/svg+xml" else None
            alt = clean_alt(found[1])
            if png:
                shown = _html_image(png, alt, image.path)
                if line[:found.start()].strip(" >") == "" and not line[found.end():].strip():
                    # an HTML block runs to the next blank line: end it after the image
                    prefix = re.match(r"[> ]*", line)[0].rstrip()
                    shown += f"\n{prefix}"
            else:
                shown = f"![{alt}]({image.data_uri()})"
            lines[index] = line[:found.start()] + shown + line[found.end():]
        else:
            lines[index] = line.replace(ref.src, image.data_uri(), 1)
    return lines


def _html_image(png: str, alt: str, svg: Path) -> str:
    """`<img>` of the SVG's PNG drawing (base64 `png`), shown at the SVG's own size."""
    try:
        width = math.ceil(svg_size(svg.read_text(encoding="utf-8"))[0])
    except (OSError, UnicodeDecodeError):
        width = 0
    size = f' width="{width}"' if width and SCALE != 1 else ""
    return f'<img src="data:image/png;base64,{png}" alt="{html.escape(alt)}"{size}>'
