"""Expected outputs as small classes: each finds itself in a block and checks actual output.

A new kind of expectation is a new class here with `line`, `expected`,
`matches(actual)` and `edits(actual, deck)`.  The session decides what
"actual" is for each kind (what a statement printed, a value's repr, the
block's whole stdout, a `>>>` example's echo).
"""

from __future__ import annotations

import ast
import builtins
import io
import re
import tokenize
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lecturekit.check.rewrite import END, Edit, span_text
from lecturekit.deck import Deck, Fence

if TYPE_CHECKING:
    import doctest

_ARROW = re.compile(r"#(?:[ \t]*->|>(?!>))[ \t]?")
"""`# -> value`, or pytest-examples' `#> value` (not `#>>`)."""
_PROMPT = re.compile(r"#>(?: |$)")
"""A pytest-examples output line: `#> text`, or `#>` alone for an empty line."""
_TRAILING_SPACE = re.compile(r"[ \t]+$", re.M)
_ERROR_NAME = re.compile(r"^(?P<name>(?:[A-Za-z_]\w*\.)*(?P<short>[A-Za-z_]\w*))(?::(?: |$)|$)")
_ERROR_SUFFIXES = ("Error", "Exception", "Warning", "Exit", "Interrupt")


def _builtin_exception_names() -> frozenset[str]:
    return frozenset(name for name, obj in vars(builtins).items()
                     if isinstance(obj, type) and issubclass(obj, BaseException))


_BUILTIN_EXCEPTIONS = _builtin_exception_names()


def normalise(text: str) -> list[str]:
    """Lines of an output as compared: trailing spaces and trailing blank lines dropped."""
    lines = [line.rstrip() for line in text.split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def same_ignoring_continuation_indent(expected: list[str], actual: list[str]) -> bool:
    """Line by line; lines after the first are compared without their indentation."""
    if len(expected) != len(actual):
        return False
    return all(e == a if i == 0 else e.lstrip() == a.lstrip()
               for i, (e, a) in enumerate(zip(expected, actual, strict=True)))


@dataclass
class CommentLine:
    index: int
    """0-based line of the block's code."""
    col: int
    """Column of `#` in that code line."""
    text_col: int
    text: str


@dataclass
class InlineComment:
    """`# -> value` after a statement (inline or on the line below), with continuation lines.

    Checks what the statement printed, or for a bare expression the value's repr.
    """

    fence: Fence
    comment: list[CommentLine]
    standalone: bool
    prompt: bool = False
    """Written as pytest-examples does: every output line its own `#> ` line."""

    @property
    def line(self) -> int:
        return self.fence.body_lines[self.comment[0].index]

    @property
    def last_line(self) -> int:
        return self.fence.body_lines[self.comment[-1].index]

    @property
    def expected(self) -> str:
        return "\n".join(c.text for c in self.comment)

    @property
    def form(self) -> str:
        """The expectation as the author wrote it, for messages."""
        return "`#>`" if self.prompt else "`# ->`"

    def matches(self, actual: str) -> bool:
        return same_ignoring_continuation_indent(normalise(self.expected), normalise(actual))

    def edits(self, actual: str, deck: Deck) -> list[Edit]:
        """Rewrite the comment to say `actual`, keeping the slide's own layout.

        Unchanged continuation lines stay as written; changed ones keep their
        line's indentation; lines beyond the existing ones follow the last
        one, or else line up as Python prints the value.
        """
        first = self.comment[0]
        code_col = self.fence.body_columns[first.index]
        new = normalise(actual) or [""]
        deck_lines = deck.lines
        if self.prompt:
            return self._prompt_edits(new, deck, deck_lines, code_col)
        written = [deck_lines[self.fence.body_lines[c.index] - 1] for c in self.comment[1:]]
        aligned = (deck_lines[self.line - 1][:code_col] + " " * first.col + "#"
                   + " " * (first.text_col - first.col - 1))
        base = _indent(new[1]) if len(new) > 1 else 0
        out = [new[0]]
        for number, rest in enumerate(new[1:]):
            if number < len(written) and self.comment[number + 1].text == rest.strip():
                out.append(written[number])
            elif written:
                own = written[min(number, len(written) - 1)]
                prefix = own[: len(own) - len(own.lstrip(" \t#"))] if own.strip("# \t") else own
                out.append(prefix + " " * max(0, _indent(rest) - base) + rest.lstrip())
            else:
                out.append(aligned + rest)
        start = (self.line, code_col + first.text_col)
        end = (self.last_line, END)
        old = span_text(deck.text, *start, *end)
        return [Edit(str(deck.path), *start, *end, "\n".join(out), old)]


    def _prompt_edits(self, new: list[str], deck: Deck, deck_lines: list[str],
                      code_col: int) -> list[Edit]:
        """`#> ` form: each line of output its own `#> line`, indented as the comment."""
        first = self.comment[0]
        prefixes = [deck_lines[self.fence.body_lines[c.index] - 1][:code_col + c.col]
                    for c in self.comment]
        if not self.standalone:
            prefixes[0] = " " * (code_col + first.col)
        out = [new[0]]
        for number, rest in enumerate(new[1:], start=1):
            prefix = prefixes[min(number, len(prefixes) - 1)]
            out.append((prefix + "#> " + rest).rstrip())
        start = (self.line, code_col + first.text_col)
        end = (self.last_line, END)
        old = span_text(deck.text, *start, *end)
        return [Edit(str(deck.path), *start, *end, "\n".join(out), old)]


@dataclass
class ExpectedError(InlineComment):
    """`# -> ExcType: message` on the line that raises."""

    @staticmethod
    def looks_like(text: str) -> bool:
        match = _ERROR_NAME.match(text)
        if not match:
            return False
        short = match["short"]
        return short in _BUILTIN_EXCEPTIONS or short.endswith(_ERROR_SUFFIXES)

    def as_written(self, exc: BaseException, actual: str) -> str:
        """The actual `Type: message` with the type spelled as the expectation spells it."""
        match = _ERROR_NAME.match(self.expected)
        kind = type(exc)
        spellings = {kind.__qualname__, f"{kind.__module__}.{kind.__qualname__}"}
        written = match["name"] if match and match["name"] in spellings else kind.__qualname__
        head, sep, rest = actual.partition(":")
        if head.strip() in spellings or head.strip().endswith(kind.__qualname__):
            return written + sep + rest
        return actual


@dataclass
class Transcript:
    """A `>>>` example and its expected output, with doctest semantics."""

    fence: Fence
    example: doctest.Example

    @property
    def line(self) -> int:
        return self.fence.body_lines[self.example.lineno]

    @property
    def want_index(self) -> int:
        return self.example.lineno + self.example.source.count("\n")

    @property
    def expected(self) -> str:
        return self.example.want

    @property
    def flags(self) -> int:
        flags = 0
        for flag, on in self.example.options.items():
            flags = flags | flag if on else flags & ~flag
        return flags

    def matches(self, actual: str) -> bool:
        """doctest's comparison, trailing spaces ignored on both sides as Sybil does (editors
        strip them from Markdown; every other expectation here ignores them too)."""
        flags = self.flags
        if flags & _keep_trailing_whitespace():
            return output_checker().check_output(self.example.want, actual, flags)
        want = _TRAILING_SPACE.sub("", self.example.want)
        return output_checker().check_output(want, _TRAILING_SPACE.sub("", actual), flags)

    def error_matches(self, actual_exc_msg: str) -> bool:
        import doctest

        want = self.example.exc_msg or ""
        checker = output_checker()
        if checker.check_output(want, actual_exc_msg, self.flags):
            return True
        if self.flags & doctest.IGNORE_EXCEPTION_DETAIL:
            return want.split(":")[0].split(".")[-1] == actual_exc_msg.split(":")[0].split(".")[-1]
        return False

    def new_want(self, got: str, exc_msg: str | None) -> str:
        if exc_msg is not None and self.example.exc_msg is not None:
            return self.example.want[: len(self.example.want) - len(self.example.exc_msg)] + exc_msg
        return got

    def edits(self, new_want: str, deck: Deck) -> list[Edit]:
        lines = [ln if ln.strip() else "<BLANKLINE>" for ln in normalise(new_want)]
        old_count = self.example.want.count("\n")
        return _replace_lines(deck, self.fence, self.want_index, old_count, lines,
                              " " * self.example.indent)


@dataclass
class OutputFence:
    """A fence annotated `output` right after a block: the block's whole stdout."""

    fence: Fence

    @property
    def line(self) -> int:
        return self.fence.line + 1

    @property
    def expected(self) -> str:
        return self.fence.code

    def matches(self, actual: str) -> bool:
        if self.fence.has("ignore-whitespace"):
            return "".join(self.expected.split()) == "".join(actual.split())
        return normalise(self.expected) == normalise(actual)

    def first_difference(self, actual: str) -> int:
        """Deck line of the first expected line that differs (or where output goes on)."""
        expected, got = normalise(self.expected), normalise(actual)
        pairs = enumerate(zip(expected, got, strict=False))
        index = next((i for i, (e, a) in pairs if e != a),
                     min(len(expected), len(got)))
        return min(self.line + index, self.fence.end_line)

    def edits(self, actual: str, deck: Deck) -> list[Edit]:
        return _replace_lines(deck, self.fence, 0, len(self.fence.code.splitlines()),
                              normalise(actual), "")


def _replace_lines(deck: Deck, fence: Fence, index: int, count: int, new: list[str],
                   indent: str) -> list[Edit]:
    """Replace `count` code lines of `fence` from code line `index` by `new`."""
    lines = deck.lines
    opening = lines[fence.line - 1]
    fence_indent = opening[: len(opening) - len(opening.lstrip())]
    text_lines = [(fence_indent + indent + ln).rstrip() if ln else "" for ln in new]
    before = fence.line + index  # deck line just above the first replaced line
    if count and new:
        start, end, text = (before + 1, 0), (before + count, END), "\n".join(text_lines)
    elif count:
        start, end, text = (before, END), (before + count, END), ""
    elif new:
        start, end, text = (before, END), (before, END), "\n" + "\n".join(text_lines)
    else:
        return []
    old = span_text(deck.text, *start, *end)
    return [Edit(str(deck.path), *start, *end, text, old)]


@dataclass
class ScriptExpectations:
    """The `# -> ...` comments of one script block, attached to its top-level statements."""

    by_statement: dict[int, list[InlineComment]] = field(default_factory=dict)
    orphans: list[InlineComment] = field(default_factory=list)
    deferred: list[Deferred] = field(default_factory=list)
    """Comments under a statement inside a function body: they check what that statement
    prints whenever the function runs (see `defer_function_comments`)."""


@dataclass
class Deferred:
    """A comment under a statement of a function body, and that statement's deck lines."""

    comment: InlineComment
    first_line: int
    last_line: int


def find_inline_comments(fence: Fence) -> list[InlineComment]:
    """Every `# -> ...` comment of a script block, with its continuation lines."""
    if "->" not in fence.code and "#>" not in fence.code:
        return []
    code_lines = fence.code.splitlines()
    found: list[InlineComment] = []
    tokens = tokenize.generate_tokens(io.StringIO(fence.code).readline)
    try:
        comments = [(t.start[0] - 1, t.start[1], t.string) for t in tokens
                    if t.type == tokenize.COMMENT]
    except (tokenize.TokenError, SyntaxError):
        return []
    consumed: set[int] = set()
    for index, col, text in comments:
        match = _ARROW.match(text)
        if not match or index in consumed:
            continue
        standalone = not code_lines[index][:col].strip()
        first = CommentLine(index, col, col + match.end(), text[match.end():].rstrip())
        prompt = text.startswith("#>")
        more = _prompt_lines if prompt else _continuation
        lines = [first, *more(code_lines, index + 1)]
        consumed.update(c.index for c in lines)
        cls = ExpectedError if ExpectedError.looks_like(first.text) else InlineComment
        found.append(cls(fence, lines, standalone, prompt))
    return found


def _continuation(code_lines: list[str], start: int) -> list[CommentLine]:
    lines = []
    for index in range(start, len(code_lines)):
        stripped = code_lines[index].lstrip()
        col = len(code_lines[index]) - len(stripped)
        after = stripped[1:]
        if not stripped.startswith("#") or not after.startswith("  ") or _ARROW.match(stripped):
            break
        lines.append(CommentLine(index, col, col + 1, after.strip()))
    return lines


def _prompt_lines(code_lines: list[str], start: int) -> list[CommentLine]:
    """pytest-examples' continuation: the `#> ` lines directly below the first one."""
    lines = []
    for index in range(start, len(code_lines)):
        stripped = code_lines[index].lstrip()
        if not _PROMPT.match(stripped):
            break
        col = len(code_lines[index]) - len(stripped)
        lines.append(CommentLine(index, col, col + min(3, len(stripped)), stripped[3:].rstrip()))
    return lines


def defer_function_comments(fence: Fence, comments: list[InlineComment]
                            ) -> tuple[list[InlineComment], list[Deferred]]:
    """Split off the comments that sit under a statement inside a function body.

    pytest-examples ties `#> ...` to the `print` directly above it, wherever
    it is: in a function called later (`foobar(1); foobar(2)`), it checks what
    that print printed on every call, in order.  A `def` prints nothing when
    it runs, so such a comment cannot belong to the top-level statement.
    Only blocks with a `def` and a comment pay for the extra parse.
    """
    if "def" not in fence.code:
        return comments, []
    try:
        tree = ast.parse(fence.code)
    except SyntaxError:
        return comments, []
    functions = [node for node in ast.walk(tree)
                 if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)]
    if not functions:
        return comments, []
    kept: list[InlineComment] = []
    deferred: list[Deferred] = []
    for comment in comments:
        first = comment.comment[0]
        line = first.index + 1 if not comment.standalone else first.index
        inside = [s for f in functions if f.col_offset < first.col or not comment.standalone
                  for s in ast.walk(f) if isinstance(s, ast.stmt) and s is not f
                  and s.lineno <= line <= (s.end_lineno or s.lineno)
                  and (not comment.standalone or s.end_lineno == line)]
        if not inside:
            kept.append(comment)
            continue
        target = max(inside, key=lambda s: (s.lineno, -(s.end_lineno or s.lineno)))
        deferred.append(Deferred(comment, fence.body_lines[target.lineno - 1],
                                 fence.body_lines[(target.end_lineno or target.lineno) - 1]))
    return kept, deferred


def attach(comments: list[InlineComment], spans: list[tuple[int, int]]) -> ScriptExpectations:
    """Tie each comment to the top-level statement (deck line span) it checks.

    An inline comment checks the statement it sits in; a comment on its own
    line checks the statement that ends on the line directly above (or the
    statement whose body it sits in).  A comment under a statement inside a
    function body is deferred: it checks what that statement prints when called.
    """
    result = ScriptExpectations()
    if comments:
        comments, result.deferred = defer_function_comments(comments[0].fence, comments)
    for comment in comments:
        line = comment.line
        target = None
        for number, (first, last) in enumerate(spans):
            if first <= line <= last or (comment.standalone and last == line - 1):
                target = number
                break
        if target is None:
            result.orphans.append(comment)
        else:
            result.by_statement.setdefault(target, []).append(comment)
    return result


class TranscriptError(ValueError):
    """A transcript doctest cannot read (an unknown `# doctest:` option, bad indentation)."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


_DOCTEST_PROBLEM = re.compile(r"^line (?P<line>\d+) of the doctest for \S+ (?P<what>.*)$", re.S)
_INVALID_OPTION = re.compile(r"has an invalid option: '(?P<option>.*)'$")


def find_transcript(fence: Fence) -> list[Transcript]:
    """The `>>>` examples of a transcript block; TranscriptError names a bad line."""
    import doctest  # imports pdb: only worth it for decks that have transcripts

    output_checker()  # registers pytest's NUMBER, ALLOW_UNICODE and ALLOW_BYTES options
    _keep_trailing_whitespace()  # and Sybil's
    try:
        examples = doctest.DocTestParser().get_examples(fence.code, "block")
    except ValueError as exc:
        raise _transcript_error(fence, str(exc)) from None
    return [Transcript(fence, example) for example in examples]


def _transcript_error(fence: Fence, text: str) -> TranscriptError:
    import doctest

    match = _DOCTEST_PROBLEM.match(text)
    index = min(int(match["line"]) - 1, len(fence.body_lines) - 1) if match else 0
    what = match["what"] if match else text
    option = _INVALID_OPTION.search(what)
    if option is None:
        return TranscriptError(f"doctest cannot read this transcript: {what}",
                               fence.body_lines[max(index, 0)])
    name = option["option"]
    code_lines = fence.code.splitlines()
    at = next((i for i in range(max(index, 0), len(code_lines))
               if "doctest:" in code_lines[i] and name in code_lines[i]), max(index, 0))
    known = ", ".join(sorted(doctest.OPTIONFLAGS_BY_NAME))
    return TranscriptError(f"unknown doctest option {name!r} (an option is +NAME or -NAME, "
                           f"NAME one of {known})", fence.body_lines[at])


def _keep_trailing_whitespace() -> int:
    """Sybil's `+KEEP_TRAILING_WHITESPACE` doctest option: compare trailing spaces too."""
    import doctest

    return doctest.register_optionflag("KEEP_TRAILING_WHITESPACE")


def output_checker() -> doctest.OutputChecker:
    """pytest's doctest checker (NUMBER, ALLOW_UNICODE, ALLOW_BYTES), as `pytest
    --doctest-modules` uses it; plain doctest's if pytest's internals ever move.

    The options are registered on every call (a dict lookup): a re-imported
    `doctest` module starts without them.
    """
    global _CHECKER
    try:
        from _pytest import doctest as pytest_doctest

        for register in (pytest_doctest._get_number_flag,
                         pytest_doctest._get_allow_unicode_flag,
                         pytest_doctest._get_allow_bytes_flag):
            register()
        if _CHECKER is None:
            _CHECKER = pytest_doctest._get_checker()
    except (ImportError, AttributeError):
        import doctest

        _CHECKER = doctest.OutputChecker()
    return _CHECKER


_CHECKER: doctest.OutputChecker | None = None


def output_fences(deck: Deck) -> tuple[dict[int, Fence], list[Fence]]:
    """Map each block (by id) to the `output` fence right after it; list stray ones.

    An `output` fence after a fence that is not run (```` ```sh ````, ```` ```text ````,
    a `notest` block) shows that fence's output: pytest-codeblocks pairs its
    `expected-output` with whatever block comes before, and runs shell blocks, which
    the checker does not; so it checks nothing here, and is not an error either.
    Stray: an `output` fence with no fence before it, or after another `output` fence.
    """
    tied: dict[int, Fence] = {}
    stray: list[Fence] = []
    previous: Fence | None = None
    for fence in deck.fences:
        if fence.in_comment:
            continue
        if fence.has("output"):
            if previous is None:
                stray.append(fence)
            elif previous.is_python and id(previous) not in tied:
                tied[id(previous)] = fence
            previous = None
        else:
            previous = fence
    return tied, stray
