"""One PNG writer for every figure, so the bytes depend only on the pixels.

matplotlib and graphviz/cairo each write their own chunks (software name,
dates, resolution).  Decoding their output and re-encoding it here with no
ancillary chunks and a fixed compression level makes a file a pure function
of its pixels.
"""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path

from PIL import Image

COMPRESS_LEVEL = 9


def canonical_image(data: bytes, background: str) -> Image.Image:
    """Decode PNG bytes from a renderer into opaque RGB over `background`.

    cairo leaves a half-covered last row or column see-through when the
    drawing's size is not a whole number of pixels; flattening removes it.
    """
    with Image.open(io.BytesIO(data)) as image:
        rgba = image.convert("RGBA")
    flat = Image.new("RGBA", rgba.size, background)
    flat.alpha_composite(rgba)
    return flat.convert("RGB")


def encode_png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=COMPRESS_LEVEL, optimize=False)
    return buffer.getvalue()


def pixels(png: Path | bytes) -> tuple[str, tuple[int, int], bytes]:
    """The decoded content of a PNG file or PNG bytes: mode, size and raw pixel bytes."""
    with Image.open(io.BytesIO(png) if isinstance(png, bytes) else png) as image:
        image.load()
        return image.mode, image.size, image.tobytes()


def write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
