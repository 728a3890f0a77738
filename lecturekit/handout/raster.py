"""PNG drawings of a deck's SVG images: notebook viewers do not all show SVG.

A notebook's figure is a data URI in its Markdown (`images.embed_images`):
Colab shows no cell attachment at all, and JupyterLab renders an attachment
only if its first type is a bitmap.  So an SVG figure is its PNG drawing.
Chromium, which the build already drives, draws every SVG of the deck in
one run; Pillow cuts the pieces apart.  Without Chromium, or when it fails,
the figure stays the SVG.  The reading HTML keeps the SVG itself.

Drawn at twice its size (`SCALE`) and shown at its own size: the cell's
`<img width=…>` says the size (a Markdown image shows at its pixel size, and
Chromium ignores a PNG's resolution metadata), so a figure shows as large as
on the slide and stays sharp on a high-density screen.  A figure drawn on
the slides' cream background is given a white one (what surrounds it in a
notebook) instead of a cream box.
"""

from __future__ import annotations

import base64
import io
import math
import re
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from lecturekit.deck import Deck

if TYPE_CHECKING:
    from PIL import Image

SCALE = 2
_UNITS = {"": 1.0, "px": 1.0, "pt": 4 / 3, "pc": 16.0, "in": 96.0, "cm": 96 / 2.54,
          "mm": 96 / 25.4}
_SVG_TAG = re.compile(r"<svg\b[^>]*>", re.S)
_LENGTH = re.compile(r"^\s*([\d.]+)\s*([a-z]*)\s*$")

_CACHE: dict[tuple[Path, int], str | None] = {}
"""base64 PNG by (SVG file, mtime); None: could not be drawn."""
_LOCK = threading.Lock()


def png_of(path: Path) -> str | None:
    """The PNG drawing of the SVG file `path`, base64; None when it cannot be drawn."""
    key = _key(path)
    with _LOCK:
        if key not in _CACHE:
            _draw([path])
        return _CACHE.get(key)


def prepare(deck: Deck) -> None:
    """Draw every local SVG image of the deck in one Chromium run (then `png_of` is free)."""
    from lecturekit.handout.images import resolve_image

    paths = []
    for slide in deck.slides:
        for ref in slide.images:
            try:
                image = resolve_image(ref.src, deck.path, ref.line, slide.number)
            except Exception:  # noqa: BLE001 - the notebook build reports it at its line
                continue
            if image is not None and image.mime == "image/svg+xml":
                paths.append(image.path)
    with _LOCK:
        _draw([p for p in dict.fromkeys(paths) if _key(p) not in _CACHE])


def svg_size(svg: str) -> tuple[float, float]:
    """The drawing's CSS pixel size: its `width`/`height`, else its `viewBox`, else 300×150."""
    tag = _SVG_TAG.search(svg)
    attrs = dict(re.findall(r"([\w:-]+)\s*=\s*[\"']([^\"']*)[\"']", tag[0])) if tag else {}
    box = [float(v) for v in re.split(r"[\s,]+", attrs.get("viewBox", "").strip()) if v]
    sizes = []
    for name, index in (("width", 2), ("height", 3)):
        match = _LENGTH.match(attrs.get(name, ""))
        if match and match[2] in _UNITS:
            sizes.append(float(match[1]) * _UNITS[match[2]])
        elif len(box) == 4:
            sizes.append(box[index])
        else:
            sizes.append(300.0 if name == "width" else 150.0)
    return sizes[0], sizes[1]


def _key(path: Path) -> tuple[Path, int]:
    try:
        return path, path.stat().st_mtime_ns
    except OSError:
        return path, 0


def _draw(paths: list[Path]) -> None:
    if not paths:
        return
    placed, top, width = [], 0, 1
    for path in paths:
        try:
            svg = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            _CACHE[_key(path)] = None
            continue
        w, h = (max(1, math.ceil(v)) for v in svg_size(svg))
        placed.append((path, svg, top, w, h))
        top, width = top + h + 2, max(width, w)
    images = "".join(
        f'<img style="position:absolute;left:0;top:{y}px;width:{w}px;height:{h}px" '
        f'src="data:image/svg+xml;base64,{base64.b64encode(svg.encode()).decode()}">'
        for _, svg, y, w, h in placed)
    page = (f"<!doctype html><html><body style='margin:0;background:#fff'>{images}"
            f"</body></html>")
    shot = None
    try:
        from PIL import Image

        from lecturekit.handout.tools import CHROMIUM_FLAGS, chromium

        with tempfile.TemporaryDirectory(prefix="lecturekit-svg-") as folder:
            html, png = Path(folder) / "page.html", Path(folder) / "shot.png"
            html.write_text(page, encoding="utf-8")
            subprocess.run([chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={folder}/profile",
                            f"--force-device-scale-factor={SCALE}",
                            f"--window-size={width},{max(top, 1)}", f"--screenshot={png}",
                            html.as_uri()], check=True, capture_output=True, timeout=60)
            shot = Image.open(png)
            shot.load()
    except Exception:  # noqa: BLE001 - no PNG then: the SVG is attached as it is
        shot = None
    for path, _, y, w, h in placed:
        if shot is None:
            _CACHE[_key(path)] = None
            continue
        piece = _on_white(shot.crop((0, y * SCALE, w * SCALE, (y + h) * SCALE)).convert("RGB"))
        out = io.BytesIO()
        piece.save(out, "PNG", optimize=True)
        _CACHE[_key(path)] = base64.b64encode(out.getvalue()).decode("ascii")


def _on_white(image: Image.Image) -> Image.Image:
    """The drawing with the light background its corner shows (a slide's cream) made white,
    wherever it is, between a figure's lines too: every pixel between that colour (less a few
    levels) and white, the border's antialiased ones included; the figure's colours differ."""
    from PIL import ImageChops

    inset = min(2, image.width - 1, image.height - 1)
    colour = image.getpixel((inset, inset))
    if sum(255 - c for c in colour) <= 6 or min(colour) < 224:  # white, or not a background
        return image
    light = [band.point(lambda v, low=low: 255 if v >= low - 4 else 0)
             for band, low in zip(image.split(), colour, strict=True)]
    mask = ImageChops.multiply(ImageChops.multiply(light[0], light[1]), light[2])
    image.paste((255, 255, 255), mask=mask)
    return image
