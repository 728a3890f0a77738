"""Marpit's reading rules, ported: comments, loose YAML, directives, headingDivider.

Marp reads a deck with markdown-it plus Marpit's plugins, and the deck model
must agree with it slide for slide (tests/marp proves it against marp-core
itself).  The rules here follow Marpit 3.x (`src/markdown/comment.js`,
`directives/yaml.js`, `directives/directives.js`, `directives/parse.js`,
`heading_divider.js`) and the directives marp-core and marp-cli add:

- An HTML comment is Marpit's own token (block or inline), never an
  `html_block`; its text is parsed as YAML and, if that gives a mapping with a
  known directive key, it is a directive, otherwise a presenter note.
- YAML is js-yaml's FAILSAFE schema (every scalar a string) after Marpit's
  "loose" rewrite: `key: value` lines of known directives whose value does not
  start with a YAML special character are quoted first, so
  `footer: Lecture 1: Intro` or `header: ![logo](x.png)` are plain strings.
- Our YAML load is bounded: size, nesting depth and alias expansion are
  limited before anything is built, so a hostile deck fails fast with a
  DeckError instead of a RecursionError or a memory blow-up.
- PyYAML is imported only for a text the `key: "value"` fast path cannot
  read (`load_yaml`): most decks' front matter and directives are of that
  shape, and importing PyYAML is a tenth of the checker's start-up.
  `marpit.YAMLError` is PyYAML's error class, for `except` clauses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from yaml.nodes import Node

MARPIT_GLOBALS = ("headingDivider", "style", "theme", "lang")
MARPIT_LOCALS = ("backgroundColor", "backgroundImage", "backgroundPosition", "backgroundRepeat",
                 "backgroundSize", "class", "color", "footer", "header", "paginate")
MARPIT_DIRECTIVES = MARPIT_GLOBALS + MARPIT_LOCALS
"""Marpit's built-in directives: the keys loose YAML applies to in comments."""
CUSTOM_GLOBALS = ("math", "size",  # marp-core
                  "author", "description", "image", "keywords", "title", "url")  # marp-cli
CUSTOM_LOCALS = ("transition",)  # marp-cli
GLOBALS = frozenset(MARPIT_GLOBALS + CUSTOM_GLOBALS)
LOCALS = frozenset(MARPIT_LOCALS + CUSTOM_LOCALS)
FRONT_MATTER_LOOSE = MARPIT_DIRECTIVES + CUSTOM_GLOBALS + CUSTOM_LOCALS
"""With marp-core's `looseYAML`, front matter is loose for built-in and custom directives."""

JS_SPACE = ("\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
            "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff")
"""What JavaScript's `\\s` and `String.prototype.trim` call white space (U+3000 included)."""
_WS = "[" + re.escape(JS_SPACE) + "]"
_NOT_JS_LINE_END = r"[^\n\r\u2028\u2029]"
"""JavaScript's `.`: anything but a line terminator (U+2028/U+2029 are terminators there)."""

COMMENT = re.compile(rf"<!--+{_WS}*([\s\S]*?){_WS}*--+>")
"""Marpit's comment matcher; group 1 is the comment's text."""

MAX_YAML_CHARS = 256 * 1024
MAX_YAML_DEPTH = 64
MAX_YAML_NODES = 20_000


def js_trim(text: str) -> str:
    return text.strip(JS_SPACE)


class YamlLimit(ValueError):
    """YAML refused before parsing: too long, too deep, or aliases expanding too far."""

    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.line = line
        """0-based line in the YAML text."""


def _loose_pattern(keys: tuple[str, ...]) -> re.Pattern[str]:
    names = []
    for key in keys:
        escaped = "_?" + re.escape(key)
        names += [escaped, f'"{escaped}"', f"'{escaped}'"]
    return re.compile(rf"^((?:{'|'.join(names)}){_WS}*:)({_NOT_JS_LINE_END}+)\Z")


_LOOSE_COMMENT = _loose_pattern(MARPIT_DIRECTIVES)
_LOOSE_FRONT_MATTER = _loose_pattern(FRONT_MATTER_LOOSE)
_YAML_SPECIAL = "[\"'{|>~&*"


def loosen(text: str, front_matter: bool) -> str:
    """Marpit's `convertLoose`: quote the value of each `directive: value` line."""
    pattern = _LOOSE_FRONT_MATTER if front_matter else _LOOSE_COMMENT

    def quote(match: re.Match[str]) -> str:
        prop, value = match.group(1), match.group(2)
        trimmed = js_trim(value)
        if not trimmed or trimmed[0] in _YAML_SPECIAL:
            return match.group(0)
        spaces = value[: len(value) - len(value.lstrip(JS_SPACE))]
        return prop + spaces + '"' + trimmed.replace('"', '\\"') + '"'

    out = [pattern.sub(quote, line) for line in re.split(r"\r?\n", text)]
    return js_trim("\n".join(out) + "\n")


def __getattr__(name: str) -> Any:
    """`YAMLError` and `_Loader`, which import PyYAML, on first use."""
    if name == "YAMLError":
        return _yaml().YAMLError
    if name == "_Loader":
        return _loader_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@cache
def _yaml() -> Any:
    """PyYAML, imported once and kept: its classes (loader, errors, tokens, nodes) always
    come from this one module object, even if `sys.modules` is reset later (as pytester
    does between in-process runs), so an `except marpit.YAMLError` catches what the
    loader raises."""
    import yaml
    import yaml.nodes
    import yaml.tokens

    return yaml


@cache
def _loader_class() -> type:
    class _Loader(_yaml().BaseLoader):  # type: ignore[misc, name-defined]
        """PyYAML's BaseLoader (every scalar a string, as js-yaml's FAILSAFE schema)."""

    return _Loader


_PROTECT = {0x2028: 0x10FF28, 0x2029: 0x10FF29, 0x85: 0x10FF85}
"""js-yaml (YAML 1.2) breaks lines only at CR/LF; PyYAML (1.1) also at U+2028, U+2029
and NEL.  They are swapped for private code points while PyYAML reads the text."""
_RESTORE = {v: k for k, v in _PROTECT.items()}
_KEY_TABS = re.compile(r"(?m)^([^\t\n:#'\"]*?:)[ \t]*\t[ \t]*")
"""A tab after `key:` (js-yaml accepts it, PyYAML does not): one space means the same."""


def _restored(value: object) -> object:
    if isinstance(value, str):
        return value.translate(_RESTORE)
    if isinstance(value, list):
        return [_restored(v) for v in value]
    if isinstance(value, dict):
        return {_restored(k): _restored(v) for k, v in value.items()}
    return value


def _check_structure(text: str) -> None:
    """Refuse too-deep nesting by scanning tokens (iterative) before the recursive parser runs."""
    tokens = _yaml().tokens
    opening = (tokens.BlockMappingStartToken, tokens.BlockSequenceStartToken,
               tokens.FlowMappingStartToken, tokens.FlowSequenceStartToken)
    closing = (tokens.BlockEndToken, tokens.FlowMappingEndToken, tokens.FlowSequenceEndToken)
    loader = _loader_class()(text)
    depth = 0
    try:
        while True:
            token = loader.get_token()
            if token is None:
                return
            if isinstance(token, opening):
                depth += 1
                if depth > MAX_YAML_DEPTH:
                    raise YamlLimit(f"nests deeper than {MAX_YAML_DEPTH} levels",
                                    token.start_mark.line)
            elif isinstance(token, closing):
                depth -= 1
    finally:
        loader.dispose()


def _expanded_size(node: Node, sizes: dict[int, int]) -> int:
    nodes = _yaml().nodes
    known = sizes.get(id(node))
    if known is not None:
        return known
    total = 1
    if isinstance(node, nodes.SequenceNode):
        total += sum(_expanded_size(item, sizes) for item in node.value)
    elif isinstance(node, nodes.MappingNode):
        total += sum(_expanded_size(k, sizes) + _expanded_size(v, sizes) for k, v in node.value)
    sizes[id(node)] = total
    if total > MAX_YAML_NODES:
        raise YamlLimit(f"expands to more than {MAX_YAML_NODES} values (YAML aliases)",
                        node.start_mark.line)
    return total


_SIMPLE_ENTRY = re.compile(r'([A-Za-z_][A-Za-z]*) *: +"((?:[^"\\\x00-\x1f\x7f-\x9f'
                          r'\ufeff\u2028\u2029]|\\")*)"')
"""`key: "value"`, the shape loose YAML gives most directives: read without PyYAML."""
_PLAIN_ENTRY = re.compile(r"([A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*) *: +"
                          r"([A-Za-z0-9_][A-Za-z0-9_./+-]*(?: +[A-Za-z0-9_./+-]+)*)")
"""`key: value` with a plain value of letters, digits and `_./+-` words (`marp: true`,
`memory: 2G`, `theme: default`): in the FAILSAFE schema that value is the string as written
(no `#`, `:`, quote, indicator or trailing space that YAML would read otherwise)."""


def _simple_mapping(text: str) -> dict[str, str] | None:
    """The mapping of a text made only of `key: "value"` or `key: value` lines (the plain
    shapes above), or None if it has another shape.

    A fast path with the same result as the full YAML load for those shapes (a
    double-quoted scalar whose only escape is `\\"`, or a plain one; asserted
    against PyYAML by tests/deck/test_marp_rules.py); most front matter and
    directive comments are of exactly this form, and importing PyYAML is slow.
    """
    found: dict[str, str] = {}
    for line in text.split("\n"):
        match = _SIMPLE_ENTRY.fullmatch(line)
        if match is not None:
            key, value = match.group(1), match.group(2).replace('\\"', '"')
        else:
            match = _PLAIN_ENTRY.fullmatch(line)
            if match is None:
                return None
            key, value = match.group(1), match.group(2)
        if key in found:
            return None
        found[key] = value
    return found


def load_yaml(text: str) -> object:
    """js-yaml FAILSAFE `load`, bounded: raises yaml.YAMLError or YamlLimit.

    Also refuses duplicate mapping keys, as js-yaml does.
    """
    simple = _simple_mapping(text)
    if simple is not None:
        return simple
    return _load_full(text)


def _load_full(text: str) -> object:
    """`load_yaml` by PyYAML, whatever the text's shape."""
    if len(text) > MAX_YAML_CHARS:
        raise YamlLimit(f"is {len(text)} characters long (at most {MAX_YAML_CHARS})")
    text = _KEY_TABS.sub(r"\1 ", text.translate(_PROTECT))
    _check_structure(text)
    loader = _loader_class()(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _expanded_size(node, {})
        _refuse_duplicate_keys(node, set())
        return _restored(loader.construct_document(node))
    finally:
        loader.dispose()


def _refuse_duplicate_keys(node: Node, seen: set[int]) -> None:
    yaml = _yaml()
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.nodes.MappingNode):
        keys = set()
        for key, value in node.value:
            if isinstance(key.value, str):
                if key.value in keys:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicated mapping key {key.value!r}", key.start_mark)
                keys.add(key.value)
            _refuse_duplicate_keys(value, seen)
    elif isinstance(node, yaml.nodes.SequenceNode):
        for item in node.value:
            _refuse_duplicate_keys(item, seen)


@dataclass(frozen=True)
class Directive:
    """One directive as Marp applies it."""

    key: str
    """The name without a spot prefix."""
    value: str
    scope: str
    """"global", "local" or "spot"."""


def directives_of(parsed: object) -> list[Directive] | None:
    """The directives a parsed comment/front matter sets; None when it is not a directive at all.

    A mapping with at least one recognised key is a directive block (Marp
    then hides the comment); values are kept as Marp's directive functions
    keep them (`header` only a string, `class` a list joined by spaces, ...).
    """
    if not isinstance(parsed, dict):
        return None
    found: list[Directive] = []
    recognised = False
    for key, value in parsed.items():
        if not isinstance(key, str):
            continue
        if key in GLOBALS:
            recognised = True
            kept = _global_value(key, value)
            if kept is not None:
                found.append(Directive(key, kept, "global"))
        elif key in LOCALS:
            recognised = True
            kept = _local_value(key, value)
            if kept is not None:
                found.append(Directive(key, kept, "local"))
        elif key.startswith("_") and key[1:] in LOCALS:
            recognised = True
            kept = _local_value(key[1:], value)
            if kept is not None:
                found.append(Directive(key[1:], kept, "spot"))
    return found if recognised else None


def _global_value(key: str, value: object) -> str | None:
    if key == "headingDivider":
        return _heading_divider(value)
    return value if isinstance(value, str) else None


def _heading_divider(value: object) -> str | None:
    """Marpit's headingDivider: "2" -> h1..h2, a list -> those levels, "false" -> off.

    Returned as the levels joined by commas ("1,2"), "" for off, None if ignored.
    """
    if isinstance(value, list):
        levels = {_parse_int(v) for v in value if isinstance(v, str)}
        return ",".join(str(n) for n in range(1, 7) if n in levels)
    if value == "false":
        return ""
    level = _parse_int(value) if isinstance(value, str) else None
    if level is not None and 1 <= level <= 6:
        return ",".join(str(n) for n in range(1, level + 1))
    return None


def _parse_int(text: str) -> int | None:
    """JavaScript's parseInt(text, 10): leading white space, sign and digits."""
    match = re.match(rf"{_WS}*([+-]?\d+)", text)
    return int(match.group(1)) if match else None


def _local_value(key: str, value: object) -> str | None:
    if key == "class" and isinstance(value, list):
        return " ".join(str(v) for v in value if isinstance(v, str))
    if key == "paginate":
        normalised = value.lower() if isinstance(value, str) else ""
        return normalised if normalised in ("hold", "skip") else str(normalised == "true").lower()
    return value if isinstance(value, str) else None


def heading_levels(value: str | None) -> frozenset[int]:
    """The heading levels a resolved headingDivider value splits at."""
    if not value:
        return frozenset()
    return frozenset(int(v) for v in value.split(","))
