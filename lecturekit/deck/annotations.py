"""The annotations a fence's info string may carry, in one registry.

A fence reads ```` ```python skip="needs a GPU" timeout=5 ````: the first word
is the language, the rest are annotations (other plain words are free text,
as CommonMark allows).  Marp turns every HTML comment
that is not a directive into a presenter note, so annotations live in the
info string; pytest-codeblocks' comment markers are translated into the same
annotations so decks written for it keep working.
"""

from __future__ import annotations

import difflib
import re
import shlex
from dataclasses import dataclass

from lecturekit.deck.model import PYTHON_LANGS, Annotation


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
    "cont": Spec(False, "pytest-codeblocks' continuation marker (always the case here)"),
    "exercise": Spec(None, "an exercise task: kept in the exercises notebook"),
    "answer": Spec(None, "an exercise answer: removed from the exercises notebook"),
    "check": Spec(None, "a self-check for the exercise before it"),
    "slides-only": Spec(False, "shown on slides only, left out of handouts"),
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
_REASON = re.compile(r"""\breason\s*=\s*(["'])(?P<reason>.*?)\1""")


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
    return bool(difflib.get_close_matches(name, KNOWN, n=1, cutoff=0.75))


def parse_comment_marker(text: str, line: int) -> list[Annotation] | None:
    """Translate a pytest-codeblocks comment (`pytest.mark.skip`, ...) into annotations."""
    match = _COMMENT_MARKER.match(text)
    if not match:
        return None
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
    if name == "timeout":
        try:
            if float(value or "") <= 0:
                raise ValueError
        except ValueError:
            raise AnnotationError(f"timeout must be a positive number of seconds, "
                                  f"not {value!r}", line) from None
    return Annotation(name, value, line)
