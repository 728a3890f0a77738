"""Building decks from the command line: `lecturekit build` and `scripts/build-deck.py`.

One implementation of what a build prints and returns, whoever starts it:
every failure is a line or a few (`file:line: slide N "title" …`), never a
traceback; on GitHub Actions each problem is also an annotation at its deck
line; a full disk or a read-only `--out` is one line and keeps the previous
outputs; Ctrl-C or SIGTERM stops the render (Node and Chromium included),
keeps the previous outputs and prints one line; so does a SIGINT that reached
only `make` (`render/parent.py`).

Which decks, where their outputs go and how strict the layout checks are
come from the project (`lecturekit.project`): no deck given means the
project's decks, no `--out` its output folder, no `--layout`/`LAYOUT` its
`layout` setting; progress lines name a deck by its path below the decks'
base (`[build] ch02/lecture: html`).

With `check=True` (what `lecturekit build` and `make slides` do) the deck's
code check runs alongside the render and a deck whose code fails is not
published (`lecturekit.author.drift`); `CHECK=0` or `--no-check` skips it.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from lecturekit.render.parent import watch_parent


class Interrupted(BaseException):
    """Ctrl-C or SIGTERM: unwinds the build (its cleanup kills the render) without a traceback."""


def _on_signal(signum: int, frame: object) -> None:
    # One interrupt is enough: a second one must not cut the cleanup short.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise Interrupted


def add_arguments(parser: argparse.ArgumentParser, *, check_default: bool) -> None:
    parser.add_argument("decks", nargs="*", type=Path, metavar="DECK",
                        help="Marp decks, e.g. slides/03-autodiff.md (default: the project's "
                             "decks)")
    parser.add_argument("--out", type=Path, default=None,
                        help="output folder (default: the project's, dist)")
    parser.add_argument("--layout", choices=["error", "warn"],
                        default=os.environ.get("LAYOUT") or None,
                        help="overflow/shrink/typesetting problems: fail the build (error, the "
                             "default) or print them as warnings and publish (warn); default: "
                             "$LAYOUT, else the project's `layout` setting")
    on = check_default and os.environ.get("CHECK", "1") != "0"
    parser.add_argument("--check", dest="check", action="store_true", default=on,
                        help="run the deck's code check alongside; publish only if it passes"
                             + (" (the default; CHECK=0 skips)" if check_default else ""))
    parser.add_argument("--no-check", dest="check", action="store_false",
                        help="layout checks only (also: CHECK=0 in the environment)")
    parser.add_argument("--fresh-check", action="store_true",
                        default=os.environ.get("CHECK") == "fresh",
                        help="run the code check even if the deck's code, outputs and inputs "
                             "are unchanged since it last passed (also: CHECK=fresh)")
    parser.set_defaults(check_default=check_default)


def run(args: argparse.Namespace) -> int:
    """Build every deck of `args`; 0 if all were published, 1 if not, 130 if interrupted."""
    from lecturekit.project import Project

    project = Project.of(Path.cwd())
    decks = list(args.decks) or [_relative(d) for d in project.decks]
    if not decks:
        print(f"[build] no decks found in {project.root} (give a deck, or set `decks` in "
              f"the configuration)", file=sys.stderr)
        return 1
    out = args.out if args.out is not None else project.out
    previous = (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM))
    watching = threading.Event()
    current = decks[0]
    try:
        signal.signal(signal.SIGINT, _on_signal)
        signal.signal(signal.SIGTERM, _on_signal)
        # `kill -INT <make pid>` reaches make only, which then waits for us: stop as if
        # interrupted (see render/parent.py) rather than publish after the user gave up.
        watching = watch_parent(lambda: os.kill(os.getpid(), signal.SIGINT))
        failed = 0
        for deck in decks:
            current = deck
            layout = args.layout or Project.of(deck).settings.layout
            failed += build_one(deck, out, layout=layout, check=args.check,
                                announce_skip=args.check_default,
                                fresh_check=args.fresh_check) != 0
        return 1 if failed else 0
    except (KeyboardInterrupt, Interrupted):
        print(f"[build] {_label(current)}: interrupted, nothing written (previous outputs "
              f"kept)", file=sys.stderr, flush=True)
        return 130
    finally:
        watching.set()
        signal.signal(signal.SIGINT, previous[0])
        signal.signal(signal.SIGTERM, previous[1])


def _relative(path: Path) -> Path:
    """A path as the user would write it: relative to the working folder when inside it."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def _label(deck: Path) -> str:
    """The deck's name in progress lines: its path below the decks' base (`ch02/lecture`)."""
    from lecturekit.project import Project, ProjectError

    try:
        return Project.of(deck).label(deck)
    except ProjectError:
        return Path(deck).stem


def build_one(deck: Path, out: Path, *, layout: str = "error", check: bool = False,
              announce_skip: bool = True, log: Callable[[str], None] | None = None,
              fresh_check: bool = False) -> int:
    """Build one deck; 0 if published, 1 if not (the reason printed, never a traceback)."""
    from lecturekit.deck import DeckError
    from lecturekit.render import BuildError, build_deck
    from lecturekit.render.render import ToolError

    log = log or (lambda line: print(line, flush=True))
    name = _label(deck)
    failed = f"[build] {name}: FAILED, nothing written"
    if not deck.is_file():
        print(f"{deck}: no such deck", file=sys.stderr)
        return 1
    code_check = None
    if check:
        from lecturekit.author.drift import CodeCheck

        code_check = CodeCheck(deck, log, reuse=not fresh_check, name=name)
    elif announce_skip:
        why = "CHECK=0" if os.environ.get("CHECK") == "0" else "--no-check"
        log(f"[build] {name}: code check skipped ({why}); only layout checks run")
    try:
        built = build_deck(deck, out.absolute(), log=log, layout=layout,
                           before_publish=code_check.join if code_check else None)
    except (DeckError, BuildError) as exc:
        print(exc, file=sys.stderr)
        annotate_on_github(deck, exc)
        print(failed, file=sys.stderr)
        return 1
    except ToolError as exc:
        print(f"{deck}: {exc}", file=sys.stderr)
        annotate_on_github(deck, exc)
        print(failed, file=sys.stderr)
        return 1
    except OSError as exc:
        target = out.resolve()
        file = Path(exc.filename).resolve() if exc.filename else target
        where = (f"cannot write to {target}" if file == target or target in file.parents
                 else f"cannot use {file}")
        print(f"[build] {name}: {where}: {exc.strerror or exc}; nothing written, "
              f"previous outputs kept", file=sys.stderr)
        return 1
    finally:
        if code_check is not None:
            code_check.cancel()
    for warning in getattr(built, "warnings", []):
        annotate_on_github(deck, warning, level="warning")
    checks = "layout + code checks" if code_check else "layout checks only"
    log(f"[build] {name}: done in {built.seconds:.1f}s ({checks}) -> {built.html}, {built.pdf}")
    return 0


def annotate_on_github(deck: Path, exc: object, level: str = "error") -> None:
    """On GitHub Actions, each problem also as an annotation at its deck line (else nothing)."""
    from lecturekit.github import emit_problem

    for problem in getattr(exc, "problems", None) or [exc]:
        emit_problem(getattr(problem, "path", deck), getattr(problem, "line", None),
                     getattr(problem, "message", None) or str(problem),
                     slide=getattr(problem, "slide", None),
                     slide_title=getattr(problem, "title", ""), level=level)


def script_main(argv: Sequence[str] | None = None) -> int:
    """`scripts/build-deck.py`: the build of one or more decks, layout checks only by default."""
    parser = argparse.ArgumentParser(
        prog="build-deck.py",
        description="Build decks to <out>/<deck>.html and .pdf, or say clearly why not "
                    "(`lecturekit build` adds the code check by default).")
    add_arguments(parser, check_default=False)
    return run(parser.parse_args(argv))
