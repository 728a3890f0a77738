"""Build one deck to <out>/<deck>.html and <out>/<deck>.pdf, or say clearly why not.

    .venv/bin/python scripts/build-deck.py slides/03-autodiff.md [--out dist] [--layout warn]

Every failure is reported in a line or a few (file:line: slide N "title" ...),
never a traceback; Ctrl-C or SIGTERM stops the render (Node and Chromium
included), keeps the previous outputs and prints one line.
"""

from __future__ import annotations

import signal
import sys


class Interrupted(BaseException):
    """Ctrl-C or SIGTERM: unwinds the build (its cleanup kills the render) without a traceback."""


def _on_signal(signum: int, frame: object) -> None:
    # One interrupt is enough: a second one must not cut the cleanup short.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise Interrupted


def main(argv: list[str] | None = None) -> int:
    import argparse
    from pathlib import Path

    from lecturekit.build import BuildError, build_deck
    from lecturekit.build.render import ToolError
    from lecturekit.deck import DeckError

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("deck", type=Path, help="the Marp deck, e.g. slides/03-autodiff.md")
    parser.add_argument("--out", type=Path, default=Path("dist"), help="output folder (dist)")
    parser.add_argument("--layout", choices=["error", "warn"], default="error",
                        help="overflow/shrink/typesetting problems: fail the build (error, the "
                             "default) or print them as warnings and publish (warn)")
    args = parser.parse_args(argv)
    name = args.deck.stem
    failed = f"[build] {name}: FAILED, nothing written"
    if not args.deck.is_file():
        print(f"{args.deck}: no such deck", file=sys.stderr)
        return 1
    try:
        built = build_deck(args.deck, args.out, log=lambda line: print(line, flush=True),
                           layout=args.layout)
    except (DeckError, BuildError) as exc:
        print(exc, file=sys.stderr)
        annotate_on_github(args.deck, exc)
        print(failed, file=sys.stderr)
        return 1
    except ToolError as exc:
        print(f"{args.deck}: {exc}", file=sys.stderr)
        annotate_on_github(args.deck, exc)
        print(failed, file=sys.stderr)
        return 1
    except OSError as exc:
        out = args.out.resolve()
        file = Path(exc.filename).resolve() if exc.filename else out
        where = (f"cannot write to {out}" if file == out or out in file.parents
                 else f"cannot use {file}")
        print(f"[build] {name}: {where}: {exc.strerror or exc}; nothing written, "
              f"previous outputs kept", file=sys.stderr)
        return 1
    print(f"[build] {name}: done in {built.seconds:.1f}s -> {built.html}, {built.pdf}")
    return 0


def annotate_on_github(deck, exc: Exception) -> None:
    """On GitHub Actions, each problem also as an annotation at its deck line (else nothing)."""
    from lecturekit.github import emit_problem

    for problem in getattr(exc, "problems", None) or [exc]:
        emit_problem(getattr(problem, "path", deck), getattr(problem, "line", None),
                     getattr(problem, "message", None) or str(problem),
                     slide=getattr(problem, "slide", None),
                     slide_title=getattr(problem, "title", ""))


def run() -> int:
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    try:
        return main()
    except (KeyboardInterrupt, Interrupted):
        deck = next((a for a in sys.argv[1:] if a.endswith(".md")), "deck.md")
        name = deck.rsplit("/", 1)[-1][:-3]
        print(f"[build] {name}: interrupted, nothing written (previous outputs kept)",
              file=sys.stderr, flush=True)
        return 130


if __name__ == "__main__":
    sys.exit(run())
