"""Handouts of a deck: executed notebook, reading HTML, n-up PDF, exercises, index.

`lecturekit.handout.build.build_handout` makes the four per-deck artefacts;
`lecturekit.handout.index.index_html` the index page.  Everything reads the
deck model (`lecturekit.deck`) and the checker's expectations
(`lecturekit.check`); nothing parses the Markdown again.
"""

#: Slides per page the printable handout offers (read by the CLI without importing the
#: PDF stack, and by `lecturekit.handout.nup`).
NUPS = (2, 3, 4)
DEFAULT_NUP = 2
