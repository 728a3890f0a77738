"""The typed model of a Marp deck: deck -> slides -> fences (code blocks).

Every later stage (checker, updater, notebook exporter, linters) reads this
model; nothing else parses the Markdown again.  Line numbers are 1-based and
refer to the deck file as written on disk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from lecturekit import ROOT_MARKERS as PROJECT_MARKERS

PYTHON_LANGS = frozenset({"python", "py", "python3", "py3", "pycon", "ipython"})
"""Info-string languages whose fences hold Python the checker runs: every spelling one of
the peers reads as Python (pytest-codeblocks `python`; pytest-markdown-docs `py`, `python3`;
phmdoctest `py3`; pytest-examples any `py...`) and the REPL's `pycon`, `ipython`."""
MARKER_PREFIXES = ("pytest", "phmdoctest-")
"""How the peers' marker comments start (pytest-codeblocks, phmdoctest): not presenter notes."""
# PROJECT_MARKERS: what makes a folder a deck's project root (see `Deck.project_root`), the
# same as for `lecturekit.project.Project.root`.


@dataclass(frozen=True)
class Annotation:
    """One `key` or `key=value` word from a fence's info string."""

    name: str
    value: str | None
    line: int


@dataclass
class Fence:
    """A fenced code block as markdown-it-py sees it.

    `body_lines[i]` is the 1-based deck line of `code.splitlines()[i]`, and
    `body_columns[i]` the column (0-based, in characters) where that code
    line starts in the deck line: the indentation markdown-it-py stripped
    from a fence inside a list item.  The updater uses both to edit the deck
    in place.
    """

    lang: str
    info: str
    annotations: dict[str, Annotation]
    code: str
    line: int
    end_line: int
    body_lines: list[int]
    body_columns: list[int]
    in_comment: bool = False
    slide_number: int = 0

    @property
    def is_python(self) -> bool:
        """Python the checker runs: not in a presenter note, not an `output` fence."""
        return (self.lang in PYTHON_LANGS and not self.in_comment
                and "output" not in self.annotations and "notest" not in self.annotations)

    @property
    def is_transcript(self) -> bool:
        """A `>>>` transcript: a `pycon` fence, or one whose code opens with `>>>`."""
        return self.lang == "pycon" or self.code.lstrip().startswith(">>>")

    def has(self, name: str) -> bool:
        return name in self.annotations

    def value(self, name: str) -> str | None:
        ann = self.annotations.get(name)
        return None if ann is None else ann.value

    def deck_line(self, code_line_index: int) -> int:
        """Deck line of the 0-based line `code_line_index` of `code`."""
        return self.body_lines[code_line_index]


@dataclass(frozen=True)
class ImageRef:
    """An image or local file a slide refers to (Markdown image, HTML src, CSS url)."""

    src: str
    line: int
    alt: str = ""
    attr: str = ""
    """Where the reference sits: "" a Markdown image, "src"/"href"/"poster"/"data"/"srcset"
    an HTML attribute, "url" a CSS url(); an `href` on `<a>` is a link, not a fetch."""
    tag: str = ""
    """The HTML element (`img`, `video`, `a`, ...) for an HTML attribute, else ""."""
    directive: str = ""
    """Set when a directive loads it: "header", "footer" or "backgroundImage"; `line`
    is then where the directive is written (front matter or comment)."""


@dataclass(frozen=True)
class Comment:
    """An HTML comment: a Marp directive block, or else a presenter note."""

    text: str
    line: int
    directives: dict[str, str]
    hidden: bool = False
    """Marp hides it: a directive block (even one whose values Marp ignores) or a
    tool's magic comment (`prettier-ignore`, `markdownlint-disable`, ...)."""

    @property
    def is_note(self) -> bool:
        return (not self.directives and not self.hidden
                and not self.text.strip().strip("-").strip().startswith(MARKER_PREFIXES))


@dataclass
class Slide:
    number: int
    line: int
    end_line: int
    source: str
    header: str | None
    classes: list[str]
    directives: dict[str, str]
    fences: list[Fence] = field(default_factory=list)
    images: list[ImageRef] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    headings: list[tuple[int, str, int]] = field(default_factory=list)
    """(level, text, line) of each Markdown heading on the slide (text as written)."""
    links: list[ImageRef] = field(default_factory=list)
    """Markdown links `[text](href)` (HTML `<a href>` are in `images`, attr "href")."""
    directive_lines: dict[str, int] = field(default_factory=dict)
    """For each key of `directives`, the deck line where its value was written."""
    separator_line: int | None = None
    """The line of the `---` (or `***`, `___`) that opens this slide; None for the first
    slide and for a slide opened by a heading (`headingDivider`)."""

    @property
    def title(self) -> str:
        """What a reader would call this slide, as plain text: its header, else its
        first heading.  Markup is stripped; a header that is only an image gives no
        title of its own (the first heading, if any, is the title then)."""
        from lecturekit.deck.parse import plain_text

        header = plain_text(self.header) if self.header else ""
        if header:
            return header
        return plain_text(self.headings[0][1]) if self.headings else ""

    @property
    def footer(self) -> str | None:
        return self.directives.get("footer") or None

    @property
    def paginate(self) -> str | None:
        """Marp's `data-paginate`: "true", "hold", "skip", or None (no page number)."""
        value = self.directives.get("paginate")
        return value if value in ("true", "hold", "skip") else None

    @property
    def code_blocks(self) -> list[Fence]:
        return [f for f in self.fences if f.is_python]

    @property
    def notes(self) -> list[str]:
        return [c.text for c in self.comments if c.is_note]


@dataclass
class Deck:
    path: Path
    text: str
    front_matter: dict[str, object]
    slides: list[Slide]
    skip_file: int | None = None
    """The line of a `<!--pytest-codeblocks:skipfile-->` opening the body: the checker
    runs none of the deck's blocks (as pytest-codeblocks skips such a file)."""

    @property
    def is_marp(self) -> bool:
        """`marp: true` in the front matter (values are strings, as Marp reads them)."""
        value = self.front_matter.get("marp")
        return value is True or value in ("true", "True", "TRUE")

    @cached_property
    def lines(self) -> list[str]:
        """The deck's lines as the model numbers them (CRLF, CR, LF; not U+2028).

        Computed once: failure reports look lines up once per failing block, and
        splitting the deck each time would make N failures cost O(N²).  Callers
        must not modify the list.
        """
        from lecturekit.deck.lines import split_lines

        return split_lines(self.text)

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def title(self) -> str:
        """What the deck is called: its front matter's `title`, else the first heading of its
        first slide (as a reader sees it), else its file name.  Many decks never set
        `title`; two chapters both named `lecture.md` must still be told apart."""
        from lecturekit.deck.parse import plain_text

        given = str(self.front_matter.get("title") or "").strip()
        if given:
            return given
        first = self.slides[0].headings if self.slides else []
        return (plain_text(first[0][1]).strip() if first else "") or self.name

    @cached_property
    def project_root(self) -> Path:
        """The nearest folder, from the deck's own upwards, holding a PROJECT_MARKERS entry;
        with none, the deck's own folder.  What the build publishes and what the check's
        memory of passes covers are confined to it.  Looked up once (the build asks for
        every reference)."""
        folder = self.path.resolve().parent
        for candidate in (folder, *folder.parents):
            if any((candidate / marker).exists() for marker in PROJECT_MARKERS):
                return candidate
        return folder

    @property
    def setup_code(self) -> str:
        """Code run before the first block, declared in front matter as `setup:`."""
        value = self.front_matter.get("setup") or ""
        return str(value)

    @property
    def fences(self) -> list[Fence]:
        return [f for s in self.slides for f in s.fences]

    @property
    def code_blocks(self) -> list[Fence]:
        return [f for s in self.slides for f in s.fences if f.is_python]

    def slide_at(self, line: int) -> Slide | None:
        for slide in self.slides:
            if slide.line <= line <= slide.end_line:
                return slide
        return None


class DeckError(Exception):
    """Bad input in a deck: always names the file, and the line where known."""

    def __init__(self, path: Path | str, line: int | None, message: str,
                 slide: int | None = None) -> None:
        self.path = Path(path)
        self.line = line
        self.slide = slide
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        slide = f" (slide {self.slide})" if self.slide else ""
        return f"{where}{slide}: {self.message}"
