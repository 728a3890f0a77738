"""The annotations a fence's info string may carry, in one registry.

A fence reads ```` ```python skip="needs a GPU" timeout=5 ````: the first word
is the language, the rest are annotations (other plain words are free text,
as CommonMark allows).  Marp turns every HTML comment
that is not a directive into a presenter note, so annotations live in the
info string; pytest-codeblocks' comment markers are translated into the same
annotations so decks written for it keep working: in every spelling it reads
(`<!--pytest.mark.skip-->`, `<!-- pytest-codeblocks:cont -->`, three-dash
`<!--- ... --->`), with pytest marks kept whole (`xfail(raises=..., strict=True)`,
`slow`, `filterwarnings(...)`) so the pytest plugin can apply them as marks.
The other peers' forms are translated too, where they do not clash with Marp
or with each other (the README's tables say which, and where they clash):
phmdoctest's `<!--phmdoctest-...-->` markers and its plain output fence,
Sybil's `<!-- skip: ... -->` and `<!-- clear-namespace -->`, pytest-markdown-docs'
`notest`.
"""

from __future__ import annotations

import ast
import re
import shlex
import warnings
from dataclasses import dataclass

from lecturekit.deck.model import PYTHON_LANGS, Annotation, Fence


@dataclass(frozen=True)
class Spec:
    takes_value: bool | None
    """True: `key=value` required; False: bare `key` only; None: either."""
    help: str


KNOWN: dict[str, Spec] = {
    "skip": Spec(None, "do not run this block; the value is the reason shown"),
    "skip-if": Spec(True, "skip when this Python expression is true"),
    "importorskip": Spec(True, "skip unless this module imports"),
    "fresh": Spec(False, "start a fresh namespace before this block"),
    "timeout": Spec(True, "time limit for this block in seconds"),
    "output": Spec(False, "this fence is the expected output of the block before it"),
    "ignore-whitespace": Spec(False, "on an `output` fence: compare without regard to spaces"),
    "xfail": Spec(None, "the block is expected to fail; reported as xfailed (value: reason)"),
    "cont": Spec(False, "pytest-codeblocks' continuation marker (always the case here); "
                        "an unlabelled fence after it is the same language as the block before"),
    "marks": Spec(True, "pytest marks from `<!--pytest.mark.NAME(...)-->` comments, one "
                        "expression a line, applied to the block's test item"),
    "name": Spec(True, "a readable test id: slide<S>-NAME instead of slide<S>-line<L>"),
    "stdin": Spec(True, "what input() reads, as a Python string literal's body (\\n escapes)"),
    "exercise": Spec(None, "an exercise task: kept in the exercises notebook"),
    "answer": Spec(None, "an exercise answer: removed from the exercises notebook"),
    "uses": Spec(True, "on an answer: the functions or methods the student's answer must "
                       "call (`uses=backward,grad`)"),
    "check": Spec(None, "a self-check for the exercise before it"),
    "slides-only": Spec(False, "shown on slides only, left out of handouts"),
    "notest": Spec(False, "pytest-markdown-docs' word: shown, never run (not a test)"),
    "clear-names": Spec(False, "phmdoctest's marker: the next block starts a fresh namespace"),
    "handout-only": Spec(False, "shown in handouts only"),
}

_COMMENT_MARKER = re.compile(
    r"^\s*pytest(?:\.mark\.|-codeblocks:)(?P<name>[\w-]+)(?:\((?P<arg>.*)\))?\s*$", re.S
)
_NEEDS_SHLEX = re.compile(r"[\"'\\#]")
"""Quoting, escapes or `#`: characters `shlex.split` treats specially."""
_MARKER_NAMES: dict[str, tuple[str, ...]] = {
    "skip": ("skip",),
    "skipif": ("skip-if",),
    "cont": ("cont",),
    "expected-output": ("output",),
    "expected-output-ignore-whitespace": ("output", "ignore-whitespace"),
    "importorskip": ("importorskip",),
    "xfail": ("xfail",),
    "expect-exception": ("xfail",),
    "expect-error": ("xfail",),
}
"""pytest-codeblocks' markers (`pytest-codeblocks:NAME` or `pytest.mark.NAME`) and the
annotations each becomes; a marker's argument goes to the first of them."""
_PHMDOCTEST_MARKER = re.compile(
    r"^phmdoctest-(?P<name>skip|setup|teardown|share-names|clear-names"
    r"|label[ \t]+(?P<label>\S+)|mark\.skipif<3\.(?P<minor>\d+)|mark\.(?P<mark>.+))$", re.S)
"""phmdoctest's markers (`<!--phmdoctest-skip-->`, `<!--phmdoctest-label NAME-->`, ...)."""
_PHMDOCTEST_NAMES: dict[str, tuple[str, ...]] = {
    "skip": ("notest",),
    "setup": (),
    "teardown": (),
    "share-names": (),
    "clear-names": ("clear-names",),
}
"""phmdoctest's plain markers and the annotations each becomes.  `skip`: phmdoctest makes
no test of the block, as pytest-markdown-docs' `notest`.  `setup`/`teardown` blocks run in
deck order and `share-names` is always the case: the deck is one namespace."""
_SYBIL_MARKER = re.compile(
    r"^(?:skip:[ \t]*(?P<skip>next|start|end)(?:[ \t]+if\((?P<cond>.*)\))?"
    r"|(?P<clear>clear-namespace))$", re.S)
"""Sybil's Markdown markers: `<!-- skip: next -->`, `skip: start` ... `skip: end` (each
optionally `if(CONDITION, reason="...")`) and `<!-- clear-namespace -->`."""
SKIP_START, SKIP_END = "skip-start", "skip-end"
"""Sybil's `skip: start` / `skip: end`: the names of their (reader-only) annotations."""
SKIPFILE = "skipfile"
"""pytest-codeblocks' `<!--pytest-codeblocks:skipfile-->`: the name of its annotation."""
_SESSION_MARKS = frozenset({"skip", "skipif", "importorskip"})
"""`pytest.mark.NAME`s the deck session itself honours (a skipped block must not run
even when a later block runs it as setup); every other mark is kept as a pytest mark."""
_SHARED_BY_CONTINUATION = ("skip", "skip-if", "importorskip", "xfail", "marks")
_REASON = re.compile(r"""\breason\s*=\s*(["'])(?P<reason>.*?)\1""")
_NAME_VALUE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


class AnnotationError(ValueError):
    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


def parse_info(info: str, line: int) -> tuple[str, dict[str, Annotation]]:
    """Split an info string into its language and validated annotations."""
    try:
        words = shlex.split(info) if _NEEDS_SHLEX.search(info) else info.split()
    except ValueError as exc:
        raise AnnotationError(f"cannot read the fence's info string {info!r}: {exc}", line) from exc
    if not words:
        return "", {}
    lang, rest = words[0].lower(), words[1:]
    annotations: dict[str, Annotation] = {}
    for word in rest:
        name, eq, value = word.partition("=")
        if name in KNOWN or _meant_as_annotation(name, bool(eq), lang):
            annotations[name] = _validated(name, value if eq else None, line)
    return lang, annotations


def _meant_as_annotation(name: str, has_value: bool, lang: str) -> bool:
    """Is an unknown word a mistyped annotation (an error) rather than free text?

    CommonMark lets an info string carry extra words after the language, and
    Marp ignores them, so plain words are allowed.  A `key=value` on a Python
    fence, or a word close to a known name (`skpi`), is a mistake to report.
    """
    if has_value and lang in PYTHON_LANGS:
        return True
    import difflib  # an unknown word on a fence: rare, so not imported with every deck

    return bool(difflib.get_close_matches(name, KNOWN, n=1, cutoff=0.75))


def parse_comment_marker(text: str, line: int) -> list[Annotation] | None:
    """Translate a pytest-codeblocks comment (`pytest.mark.skip`, ...) into annotations.

    `text` is what lies between `<!--` and `-->`; extra dashes and spaces
    around it (`<!--- pytest-codeblocks:skip --->`) are ignored, as
    pytest-codeblocks ignores them.
    """
    text = text.strip().strip("-").strip()
    if text.startswith("phmdoctest-"):
        return _phmdoctest_marker(text, line)
    sybil = _SYBIL_MARKER.match(text) if text.startswith(("skip", "clear")) else None
    if sybil is not None:
        return _sybil_marker(sybil, line)
    match = _COMMENT_MARKER.match(text)
    if match and match["name"] == SKIPFILE and text.startswith("pytest-codeblocks:"):
        return [Annotation(SKIPFILE, None, line)]
    if not match:
        if text.startswith(("pytest.mark.", "pytest-codeblocks:")):
            mark = re.match(r"pytest\.mark\.(\w+)", text)
            if mark and mark[1] not in _SESSION_MARKS:
                return _pytest_mark(text, mark[1], None, line)
            raise AnnotationError(f"cannot read the marker {text!r}", line)
        return None
    if text.startswith("pytest.mark.") and match["name"] not in _SESSION_MARKS:
        return _pytest_mark(text, match["name"], match["arg"], line)
    names = _MARKER_NAMES.get(match["name"])
    if names is None:
        known = ", ".join(sorted(_MARKER_NAMES))
        raise AnnotationError(f"unknown pytest-codeblocks marker {match['name']!r} "
                              f"(known: {known})", line)
    arg = match["arg"]
    if arg is not None:
        arg = _marker_argument(names[0], arg.strip())
    first, *rest = names
    return [_validated(first, arg, line), *(_validated(name, None, line) for name in rest)]


def _sybil_marker(match: re.Match[str], line: int) -> list[Annotation]:
    """Sybil's markers: `skip: next|start|end [if(COND, reason=...)]`, `clear-namespace`."""
    if match["clear"]:
        return [_validated("fresh", None, line)]
    skip = ([_validated("skip-if", _marker_argument("skip-if", match["cond"].strip()), line)]
            if match["cond"] else [_validated("skip", "skip: " + match["skip"], line)])
    if match["skip"] == "next":
        return skip
    if match["skip"] == "start":
        return [Annotation(SKIP_START, None, line), *skip]
    return [Annotation(SKIP_END, None, line)]


def _phmdoctest_marker(text: str, line: int) -> list[Annotation]:
    """`phmdoctest-skip`, `phmdoctest-label NAME`, `phmdoctest-mark.skipif<3.N`, ..."""
    match = _PHMDOCTEST_MARKER.match(text)
    if match is None:
        raise AnnotationError(f"unknown phmdoctest marker {text!r} (known: phmdoctest-skip, "
                              "-label NAME, -setup, -teardown, -share-names, -clear-names, "
                              "-mark.skip, -mark.skipif<3.N, -mark.NAME)", line)
    if match["label"]:
        return [_validated("name", match["label"], line)]
    if match["minor"]:
        return [_validated("skip-if", f"sys.version_info < (3, {match['minor']})", line)]
    if match["mark"]:  # read as pytest-codeblocks reads `pytest.mark.NAME(...)`
        return parse_comment_marker("pytest.mark." + match["mark"].strip(), line) or []
    return [_validated(name, None, line) for name in _PHMDOCTEST_NAMES[match["name"]]]


def _pytest_mark(text: str, name: str, arg: str | None, line: int) -> list[Annotation]:
    """`pytest.mark.NAME(...)` kept whole, to be evaluated as pytest-codeblocks does."""
    try:
        ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise AnnotationError(f"cannot read the marker {text!r}: {exc.msg}", line) from None
    found = [Annotation("marks", text, line)]
    if name == "xfail":
        reason = _REASON.search(arg or "")
        found.append(Annotation("xfail", reason["reason"] if reason else None, line))
    return found


def attach_markers(fence: Fence, markers: list[Annotation]) -> None:
    """Give `fence` the annotations of the marker comments above it.

    The fence's own annotations win; several `pytest.mark` comments add up.
    """
    for ann in markers:
        own = fence.annotations.get(ann.name)
        if own is None:
            fence.annotations[ann.name] = ann
        elif ann.name == "marks":
            fence.annotations["marks"] = Annotation("marks", f"{own.value}\n{ann.value}",
                                                    own.line)


def resolve_continuations(fences: list[Fence]) -> None:
    """An unlabelled fence after `<!--pytest-codeblocks:cont-->` continues the block before.

    pytest-codeblocks appends such a fence's code to the previous block, so
    it runs whatever its language; here it takes the previous block's
    language.  A fence in another language than the block it continues is
    an error: it would silently not run.  (The block before may be one in an
    HTML comment, pytest-codeblocks' hidden code: a presenter note here, so
    not run, but the continuation still is.)  It also shares the marks of the
    block it continues (skip, skip-if, importorskip, xfail, pytest marks):
    pytest-codeblocks skips or expects to fail the merged block as a whole.
    """
    previous: Fence | None = None
    for fence in fences:
        if fence.has("output"):
            continue
        cont = fence.annotations.get("cont")
        if cont is not None:
            if previous is None:
                raise AnnotationError("`pytest-codeblocks:cont` but there is no code block "
                                      "before it to continue", cont.line)
            if not fence.lang:
                fence.lang = previous.lang
            elif previous.lang in PYTHON_LANGS and fence.lang not in PYTHON_LANGS:
                raise AnnotationError(f"`pytest-codeblocks:cont` continues the Python block at "
                                      f"line {previous.line}, but this fence's language is "
                                      f"{fence.lang!r}, so it would not run; write ```python",
                                      fence.line)
            for name in _SHARED_BY_CONTINUATION:
                if name in previous.annotations and name not in fence.annotations:
                    fence.annotations[name] = previous.annotations[name]
        previous = fence


def resolve_peer_forms(fences: list[Fence]) -> None:
    """phmdoctest's conventions, read once at parse time.

    - A fence with no language and no annotation right after a Python script
      block on the same slide is that block's expected output, as phmdoctest
      reads it (the other peers do not read it: see the README's table).  A
      slide boundary ends the pairing: on the next slide it is a new slide's text.
    - `<!--phmdoctest-clear-names-->` on a block: the next Python block starts a
      fresh namespace (`fresh`).
    """
    previous: Fence | None = None
    clear = False
    for fence in fences:
        if fence.in_comment:
            continue
        if (previous is not None and not fence.lang and not fence.annotations
                and previous.is_python and not previous.is_transcript
                and previous.slide_number == fence.slide_number):
            fence.annotations["output"] = Annotation("output", None, fence.line)
        if fence.is_python:
            if clear and "fresh" not in fence.annotations:
                fence.annotations["fresh"] = Annotation("fresh", None, fence.line)
            clear = fence.has("clear-names")
        previous = fence


def _marker_argument(name: str, text: str) -> str | None:
    """`xfail(reason="why")` -> `why`; `importorskip('torch')` -> `torch`."""
    if name == "xfail":
        reason = _REASON.search(text)
        return reason["reason"] if reason else None
    return _unquoted(text) or None


def _unquoted(text: str) -> str:
    """`'torch'` -> `torch`; an expression such as `x, reason="y"` stays as it is."""
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'" and text.count(text[0]) == 2:
        return text[1:-1]
    return text


def _validated(name: str, value: str | None, line: int) -> Annotation:
    spec = KNOWN.get(name)
    if spec is None:
        known = ", ".join(sorted(KNOWN))
        raise AnnotationError(f"unknown annotation {name!r} (known: {known})", line)
    if spec.takes_value is True and value is None:
        raise AnnotationError(f"annotation {name!r} needs a value: {name}=...", line)
    if spec.takes_value is False and value is not None:
        raise AnnotationError(f"annotation {name!r} takes no value", line)
    if name == "name" and not _NAME_VALUE.fullmatch(value or ""):
        raise AnnotationError(f"name={value!r}: a test id may use letters, digits, "
                              f"'_', '.' and '-' only", line)
    if name == "stdin":
        _stdin_text(value or "", line)
    if name == "timeout":
        try:
            if float(value or "") <= 0:
                raise ValueError
        except ValueError:
            raise AnnotationError(f"timeout must be a positive number of seconds, "
                                  f"not {value!r}", line) from None
    return Annotation(name, value, line)


def stdin_text(fence: Fence) -> str | None:
    """What `input()` reads in this block (`stdin="..."`, escapes decoded), or None."""
    ann = fence.annotations.get("stdin")
    return None if ann is None else _stdin_text(ann.value or "", ann.line)


def _stdin_text(value: str, line: int) -> str:
    """Decode escapes as a Python string literal does: `a\\nb` -> two lines."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # `\\d` stays `\\d`, as in a literal
            text = ast.literal_eval('"""' + value.replace('"', '\\"') + ' """')
    except (SyntaxError, ValueError) as exc:
        raise AnnotationError(f"stdin={value!r}: not a valid string body: {exc}", line) from None
    return str(text)[:-1]
