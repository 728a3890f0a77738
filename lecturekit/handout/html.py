"""The reading version: an executed notebook rendered by nbconvert, math typeset offline.

nbconvert's own pages load MathJax and require.js from a CDN.  Here the
template drops every script, and the TeX is typeset at build time into
inline SVG by the mathjax-full copy that marp-cli installs in node_modules,
so the page makes no request at all and prints as it shows.
"""

from __future__ import annotations

import copy
import re
import subprocess
from pathlib import Path

from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor
from nbformat import NotebookNode

from lecturekit.deck import Deck, DeckError
from lecturekit.handout.errors import HandoutError
from lecturekit.handout.jinja import TEMPLATES
from lecturekit.handout.notebook import FRESH, SETUP, SLIDES_ONLY
from lecturekit.handout.tools import node_command

MATHJAX_SCRIPT = Path(__file__).parent / "mathjax_svg.cjs"
HIDDEN_TAGS = {SETUP, SLIDES_ONLY, FRESH}
_TEX_ERROR = re.compile(r"^TeX error in \$(?P<tex>.*?)\$: (?P<why>[^\n]*)", re.S)


def handout_html(nb: NotebookNode, deck: Deck, language: str = "ja") -> str:
    exporter = HTMLExporter(template_name="lab",
                            template_file=str(TEMPLATES / "handout.html.j2"),
                            exclude_input_prompt=True, exclude_output_prompt=True,
                            language_code=language)
    remover = TagRemovePreprocessor(remove_cell_tags=HIDDEN_TAGS, enabled=True)
    exporter.register_preprocessor(remover, enabled=True)
    body, _ = exporter.from_notebook_node(copy.deepcopy(nb))
    return typeset_math(body, deck)


def typeset_math(html: str, deck: Deck) -> str:
    """Replace `$...$` / `$$...$$` TeX in the page by inline SVG."""
    result = subprocess.run([*node_command(), str(MATHJAX_SCRIPT)], input=html.encode("utf-8"),
                            capture_output=True, check=False, timeout=300)
    message = result.stderr.decode("utf-8", "replace").strip()
    tex_error = _TEX_ERROR.match(message)
    if result.returncode != 0 and tex_error:
        raise _located(deck, tex_error["tex"], tex_error["why"])
    if result.returncode != 0:
        raise HandoutError(f"typesetting the math with MathJax failed: {message or 'no message'}")
    return result.stdout.decode("utf-8")


def _located(deck: Deck, tex: str, why: str) -> DeckError:
    """The TeX error at the first deck line holding the formula's first line."""
    first = tex.strip().split("\n")[0].strip()
    line = next((n for n, text in enumerate(deck.text.split("\n"), start=1)
                 if first and first in text), None)
    slide = deck.slide_at(line) if line else None
    return DeckError(deck.path, line, f"TeX error in ${tex}$: {why}",
                     slide.number if slide else None)
