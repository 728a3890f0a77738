"""`lecturekit`: one command for everything a lecturer does, from any folder.

    lecturekit check slides/03-autodiff.md      lecturekit watch slides/03-autodiff.md
    lecturekit build slides/03-autodiff.md      lecturekit preview
    lecturekit new 04-nn --title "…"            lecturekit handout slides/03-autodiff.md
    lecturekit init                             (set up a repository: config, CI, .gitignore)

The Makefile's targets are shortcuts for these.  Every subcommand asks the
project (`lecturekit.project.Project`) for what it was not told: which decks,
where outputs go, the layout strictness, the language and the title; a
configuration it cannot use is one line naming the file and key.  Each subcommand imports
what it needs only when it runs, so `lecturekit --help` and `lecturekit new`
start at once and `check` pays for pytest, not for the build.  The build and
handout subcommands call the package's own command modules (`render/command.py`,
`handout/command.py`, which `scripts/*.py` wrap too); they need Node and
Chromium, which is said plainly when either is absent, and install their
pinned Node packages once (lecturekit.render.tools).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    try:
        given = sys.argv[1:] if argv is None else argv
        if given[:1] == ["check"] and not {"-h", "--help"} & set(given[1:]):
            # What the parser would do (every argument is pytest's), without building it.
            return _check(argparse.Namespace(command="check", extra=given[1:]))
        parser = _parser()
        args, extra = parser.parse_known_args(argv)
        if not getattr(args, "command", None):
            parser.print_help()
            return 2
        if extra and not args.passes_extra:
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
        args.extra = extra
        return args.run(args)
    except KeyboardInterrupt:
        # A command that handles Ctrl-C itself has said so; this is for one that had not
        # started yet (or has nothing to clean up): one line, never a traceback.
        print("lecturekit: interrupted", file=sys.stderr, flush=True)
        return 130
    except Exception as exc:
        # lecturekit.project is imported only by a command that needs the project (a check
        # of named decks does not)
        project = sys.modules.get("lecturekit.project")
        if project is None or not isinstance(exc, project.ProjectError):
            raise
        print(f"lecturekit: {exc}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    from lecturekit.handout import NUPS
    from lecturekit.render.command import add_arguments as add_build_arguments

    parser = argparse.ArgumentParser(
        prog="lecturekit", description="Check, build, preview and hand out Marp lecture decks.")
    parser.set_defaults(passes_extra=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("check", help="run every Python block of the decks and assert outputs",
                       usage="lecturekit check [DECK|FOLDER ...] [PYTEST-OPTION ...]",
                       description="Run pytest on the decks: every argument is pytest's "
                                   "(e.g. -k slide12, -x, --update-outputs to rewrite the "
                                   "expected outputs). Without a deck or folder: the "
                                   "project's decks.")
    p.set_defaults(run=_check, passes_extra=True)

    p = sub.add_parser("watch", help="re-check a deck on every save, with a warm kernel",
                       description="Re-run the deck's check on every save of the deck, its "
                                   "images, theme or local modules (extra arguments go to "
                                   "pytest). Ctrl-C stops.")
    p.add_argument("--once", action="store_true", help="check once, then exit (for scripts)")
    p.add_argument("--no-reuse", dest="reuse", action="store_false",
                   help="run every block on every save (by default the blocks above the "
                        "edit keep the results of the identical run before)")
    p.add_argument("deck", type=Path)
    p.set_defaults(run=_watch, passes_extra=True)

    p = sub.add_parser("build", help="render decks to HTML and PDF (with a code check)",
                       description="Lint, render and check each deck, run its code check "
                                   "alongside, and publish HTML + PDF only if all passed.")
    add_build_arguments(p, check_default=True)
    p.set_defaults(run=_build)

    p = sub.add_parser("handout", help="notebooks, reading HTML, n-up PDF, exercises",
                       description="Build each deck's handouts (needs the deck's PDF from "
                                   "`lecturekit build`).")
    p.add_argument("decks", nargs="*", type=Path, help="default: the project's decks")
    p.add_argument("--nup", type=int, choices=NUPS, default=None,
                   help="slides per page of the printable handout: 2 (default, or $NUP), "
                        "3 beside note lines, 4")
    p.add_argument("--slide-colours", action="store_true",
                   help="print the slides in their projected colours (default: for paper, "
                        "white with light rules)")
    p.add_argument("--out", type=Path, default=None,
                   help="output folder (default: the project's, dist)")
    p.add_argument("--no-index", action="store_true",
                   help="do not write the project's index afterwards (default: written, "
                        "so the reading version's link to it works; `make handout` writes "
                        "it once after every deck)")
    p.set_defaults(run=_handout, passes_extra=True)

    p = sub.add_parser("index", help="write dist/index.html listing the decks")
    p.add_argument("decks", nargs="*", type=Path, help="default: the project's decks")
    p.add_argument("--out", type=Path, default=None,
                   help="output folder (default: the project's, dist)")
    p.set_defaults(run=_index)

    p = sub.add_parser("new", help="start a new deck from the template",
                       description="Create <deck folder>/<name>.md from the template, in "
                                   "the project's language and theme; never overwrites.")
    p.add_argument("name", help="file name without .md, e.g. 04-nn")
    p.add_argument("--title", required=True, help="the lecture's title")
    p.add_argument("--slides-dir", type=Path, default=None,
                   help="where the deck goes (default: the project's decks' base folder)")
    p.add_argument("--date", default=None, help="YYYY-MM-DD (default: today)")
    p.set_defaults(run=_new)

    p = sub.add_parser("init", help="set up this repository: configuration, CI workflow, "
                                    ".gitignore",
                       description="Write the configuration (decks and themes found here), a "
                                   "GitHub Actions workflow (check, build, site, Pages) and a "
                                   ".gitignore entry for the outputs. Never overwrites a file; "
                                   "asks nothing.")
    p.add_argument("--template", action="store_true",
                   help="also write a first deck (slides/01-intro.md) and the tool's theme "
                        "(themes/honwaka.css) to start from")
    p.add_argument("--lang", default=None, help="the decks' language (default: detected)")
    p.add_argument("--install", default=None, metavar="PIP-SPEC",
                   help="what the workflow pip-installs (default: where this lecturekit was "
                        "installed from, else `lecturekit`)")
    p.set_defaults(run=_init)

    p = sub.add_parser("preview", help="serve decks on 127.0.0.1 with live reload and "
                                       "failure banners")
    p.add_argument("decks", nargs="*", type=Path,
                   help="decks or folders (default: the project's decks)")
    p.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8080)))
    p.add_argument("--no-check", dest="check", action="store_false",
                   help="do not run the code check (no failure banners)")
    p.set_defaults(run=_preview)

    p = sub.add_parser("site", help="the course site (arguments go to lecturekit.site)",
                       add_help=False)
    p.set_defaults(run=_site, passes_extra=True)
    return parser


# -- subcommands ---------------------------------------------------------------


def _check(args: argparse.Namespace) -> int:
    given = args.extra
    named = [a for a in given if not a.startswith("-") and Path(a.split("::")[0]).exists()]
    decks = [] if named else _default_decks()
    if not named and not decks:
        print("lecturekit check: no decks found (give a deck, or set `decks` in the "
              "configuration)", file=sys.stderr)
        return 1
    from lecturekit.check.command import run

    run(["--named-decks", *given, *decks])


def _watch(args: argparse.Namespace) -> int:
    if not args.deck.is_file():
        print(f"{args.deck}: no such deck", file=sys.stderr)
        return 1
    from lecturekit.author.watch import watch

    return watch(args.deck, args.extra, once=args.once, reuse=args.reuse)


def _build(args: argparse.Namespace) -> int:
    from lecturekit.render.command import run

    return run(args)


def _handout(args: argparse.Namespace) -> int:
    from lecturekit.handout.command import handout_main

    failed = 0
    out = ["--out", str(args.out)] if args.out is not None else []
    out += ["--nup", str(args.nup)] if args.nup is not None else []
    out += ["--slide-colours"] if args.slide_colours else []
    decks = args.decks or _default_decks()
    for deck in decks:
        failed += handout_main([str(deck), *args.extra, *out]) != 0
    elsewhere = args.out is not None or any(a.startswith("--out") for a in args.extra)
    if not (elsewhere or args.no_index) and failed < len(decks):
        # each reading version links the project's index (`command.site_index`): write it,
        # unless no deck was built (a failed one's error stays the last line)
        from lecturekit.handout.command import index_main
        from lecturekit.project import Project

        for project in {p.root: p for p in map(Project.of, decks)}.values():
            failed += index_main([str(d) for d in project.decks or decks]) != 0
    return 1 if failed else 0


def _index(args: argparse.Namespace) -> int:
    from lecturekit.handout.command import index_main

    out = ["--out", str(args.out)] if args.out is not None else []
    return index_main([*map(str, args.decks), *out])


def _new(args: argparse.Namespace) -> int:
    from lecturekit.author.new import NewDeckError, new_deck

    if args.slides_dir is None:
        from lecturekit.project import Project

        args.slides_dir = _relative(Project.of(Path.cwd()).new_deck_folder)
    try:
        path = new_deck(args.name, args.title, args.slides_dir, date=args.date)
    except NewDeckError as exc:
        print(f"lecturekit new: {exc}", file=sys.stderr)
        return 1
    path = _relative(path)
    print(f"created {path}: check it with `lecturekit check {path}`, "
          f"watch it with `lecturekit watch {path}`")
    return 0


def _init(args: argparse.Namespace) -> int:
    from lecturekit.author.init import InitError, format_report, init
    from lecturekit.project import ProjectError

    try:
        report = init(template=args.template, spec=args.install, lang=args.lang)
    except (InitError, ProjectError, OSError) as exc:
        print(f"lecturekit init: {exc}", file=sys.stderr)
        return 1
    print(format_report(report))
    return 0


def _preview(args: argparse.Namespace) -> int:
    from lecturekit.author.preview import serve

    sources = args.decks or [Path(d) for d in _default_decks()]
    if not sources:
        print("lecturekit preview: no decks found (give a deck or folder)", file=sys.stderr)
        return 1
    return serve(sources, port=args.port, check=args.check)


def _site(args: argparse.Namespace) -> int:
    from lecturekit import site

    return site.main(args.extra)


# -- helpers -------------------------------------------------------------------


def _default_decks() -> list[str]:
    """The project's decks (`Project.decks`), as paths from the working folder."""
    from lecturekit.project import Project

    return [str(_relative(d)) for d in Project.of(Path.cwd()).decks]


def _relative(path: Path) -> Path:
    """`path` relative to the working folder when it is below it (as the user would type it)."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path


if __name__ == "__main__":
    sys.exit(main())
