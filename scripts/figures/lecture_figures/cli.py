"""`make figures`: regenerate img/*.svg, or with --check, tell which are stale."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from lecture_figures.build import Rendered, render_into, stale_figures
from lecture_figures.catalog import FIGURES, FigureSpec, select
from lecture_figures.errors import FigureError

ROOT = Path(__file__).resolve().parents[3]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="make_figures.py", description=__doc__)
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help="figures to render (default: all); see --list")
    parser.add_argument("--check", action="store_true",
                        help="render to a temporary folder and compare with --img-dir; "
                             "exit 1 listing stale or missing figures")
    parser.add_argument("--img-dir", type=Path, default=ROOT / "img",
                        help="where the figures live (default: %(default)s)")
    parser.add_argument("--list", action="store_true", help="print the figure names and exit")
    return parser


def _progress(rendered: Rendered, status: str | None = None) -> None:
    width, height = rendered.size_pt
    size = f"{width:.0f}x{height:.0f}pt"
    print(f"  {rendered.figure.filename:<24} {size:>11} {rendered.seconds:5.2f}s"
          f"  {status or rendered.status}", flush=True)


def _check(figures: tuple[FigureSpec, ...], img_dir: Path) -> int:
    print(f"checking {len(figures)} figure(s) in {img_dir} against a fresh render")
    with tempfile.TemporaryDirectory(prefix="figures-") as tmp:
        render_into(figures, Path(tmp), lambda rendered: _progress(rendered, "rendered"))
        stale = stale_figures(figures, Path(tmp), img_dir)
    for item in stale:
        print(f"stale: {img_dir / item.filename}: {item.reason}", file=sys.stderr)
    if stale:
        print(f"{len(stale)} figure(s) out of date; run `make figures`", file=sys.stderr)
        return 1
    print(f"all {len(figures)} figure(s) in {img_dir} are current")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.list:
        print("\n".join(figure.filename for figure in FIGURES))
        return 0
    try:
        figures = select(args.names)
    except KeyError as error:
        print(f"make_figures: {error.args[0]}", file=sys.stderr)
        return 2
    start = time.perf_counter()
    try:
        if args.check:
            return _check(figures, args.img_dir)
        print(f"rendering {len(figures)} figure(s) into {args.img_dir}")
        render_into(figures, args.img_dir, _progress)
    except FigureError as error:
        print(f"make_figures: {error}", file=sys.stderr)
        return 1
    print(f"done in {time.perf_counter() - start:.1f}s")
    return 0
