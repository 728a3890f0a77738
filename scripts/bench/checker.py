"""Benchmark of the slide checker, run by `scripts/bench/checker.py` (`make bench`).

(a) Per-block overhead: a generated deck of N trivial blocks for this
    checker, the same blocks as plain Markdown for pytest-codeblocks and for
    Sybil's Markdown code-block parser.  Each tool runs end to end in a
    subprocess (`python -m pytest ...`), once on the full input and once on
    an empty one; (full - empty) / N is its per-block overhead.  The best of
    several repeats counts, since other work on the machine only ever adds.
(b) The lecture deck: the checker end to end (`lecturekit check DECK`, what
    `make check DECK=...` runs) against a floor of one Python process that
    imports torch and execs the same statements (no pytest, no checking);
    bare `python -m pytest DECK` is printed beside it.
(c) The failure path: decks of 500 and of 5,000 failing blocks, checked and
    updated; the ratio of their times should be about 10 (linear).
(d) Decks in parallel: `make check`'s command on 8 copies of the lecture,
    with its default `-n 2` against one process checking them one after another.
(e) Start-up and per block through `lecturekit check` (issue 22): a one-block
    file against `pytest --codeblocks`, and 1,000 trivial blocks against the
    fastest of pytest-codeblocks, Sybil, pytest-markdown-docs and
    pytest-examples, all on the same Markdown file.  Each tool runs with its
    own pytest plugin only (PYTEST_DISABLE_PLUGIN_AUTOLOAD=1, `-p` its plugin:
    what a project that installs just that tool runs), so that no tool pays
    for another's plugin; the one-block file is also timed with every plugin
    of this environment loaded (the peer without ours), for information.

(a) and (c) keep the best of several repeats (other work on the machine only
ever adds to a run); (b), (d) and (e), which are judged against goals, run
the sides interleaved and compare medians.  Wall times need an idle machine;
CPU times (user+sys of the whole process tree) are printed beside them
because they suffer less from other load.
"""

from __future__ import annotations

import argparse
import ast
import doctest
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from lecturekit.check.command import argv
from lecturekit.deck import read_deck

PYTEST = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q"]
CHECK = argv(["-p", "no:cacheprovider", "-q"])
SYBIL_CONFTEST = """\
from sybil import Sybil
from sybil.parsers.markdown import PythonCodeBlockParser

pytest_collect_file = Sybil(parsers=[PythonCodeBlockParser()], patterns=["*.md"]).pytest()
"""
FLOOR = """\
import json, sys
import torch
groups = json.load(open(sys.argv[1], encoding="utf-8"))
for group in groups:
    namespace = {"__name__": "__main__"}
    for source in group:
        try:
            exec(compile(source, "deck", "exec"), namespace)
        except Exception:
            pass
"""


@dataclass
class Tool:
    name: str
    folder: str
    command: list[str]
    file: str


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--deck", type=Path, default=Path("slides/03-autodiff.md"))
    parser.add_argument("--only", choices=PARTS, action="append",
                        help="run only these parts (repeatable; default all)")
    parser.add_argument("--copies", type=int, default=8)
    args = parser.parse_args(argv)
    parts = args.only or list(PARTS)
    with tempfile.TemporaryDirectory(prefix="bench-checker-") as tmp:
        if "overhead" in parts:
            overhead(Path(tmp), args.blocks, args.repeat)
        if "lecture" in parts:
            lecture(Path(tmp), args.deck, max(5, args.repeat))
        if "failures" in parts:
            failures(Path(tmp), max(1, args.repeat - 1))
        if "parallel" in parts:
            parallel(Path(tmp), args.deck, args.copies, max(3, args.repeat))
        if "startup" in parts:
            startup(Path(tmp), args.blocks, max(7, args.repeat))
    return 0


PARTS = ("overhead", "lecture", "failures", "parallel", "startup")


def overhead(tmp: Path, blocks: int, repeat: int) -> None:
    tools = [
        Tool("lecturekit", "lecturekit", [*PYTEST], "deck.md"),
        Tool("pytest-codeblocks", "codeblocks", [*PYTEST, "--codeblocks"], "doc.md"),
        Tool("sybil", "sybil", [*PYTEST], "doc.md"),
    ]
    for tool in tools:
        for size, sub in ((blocks, "full"), (0, "empty")):
            folder = tmp / tool.folder / sub
            folder.mkdir(parents=True)
            marp = tool.name == "lecturekit"
            (folder / tool.file).write_text(_document(size, marp), encoding="utf-8")
            if tool.name == "sybil":
                (folder / "conftest.py").write_text(SYBIL_CONFTEST, encoding="utf-8")
    print(f"(a) per-block overhead, {blocks} trivial blocks, best of {repeat} "
          f"(runs interleaved; CPU = user+sys of the pytest process)")
    runs = {(t.name, sub): Best() for t in tools for sub in ("empty", "full")}
    for _ in range(repeat):
        for tool in tools:
            for sub in ("empty", "full"):
                runs[tool.name, sub].add(*_timed(tool.command + [tool.file],
                                                 tmp / tool.folder / sub, ok=(0, 5)))
    print(f"    {'tool':<18} {'empty run':>15} {'full run':>15} {'per block':>19}")
    print(f"    {'':<18} {'wall':>7} {'cpu':>7} {'wall':>7} {'cpu':>7} {'wall':>9} {'cpu':>9}")
    wall: dict[str, float] = {}
    cpu: dict[str, float] = {}
    for tool in tools:
        empty, full = runs[tool.name, "empty"], runs[tool.name, "full"]
        wall[tool.name] = (full.wall - empty.wall) / blocks
        cpu[tool.name] = (full.cpu - empty.cpu) / blocks
        print(f"    {tool.name:<18} {empty.wall:>6.2f}s {empty.cpu:>6.2f}s {full.wall:>6.2f}s "
              f"{full.cpu:>6.2f}s {wall[tool.name] * 1e3:>6.3f}ms {cpu[tool.name] * 1e3:>6.3f}ms")
    for label, per_block in (("wall", wall), ("cpu", cpu)):
        ours = per_block["lecturekit"]
        others = {k: v for k, v in per_block.items() if k != "lecturekit"}
        fastest = min(others, key=others.__getitem__)
        versus = ", ".join(f"{ours / v:.2f} vs {k}" for k, v in others.items())
        print(f"    per-block ratio ({label}): {ours / others[fastest]:.2f} vs the fastest other "
              f"({fastest}); {versus} (goal <= 1.00)")


@dataclass
class Best:
    wall: float = float("inf")
    cpu: float = float("inf")

    def add(self, wall: float, cpu: float) -> None:
        self.wall, self.cpu = min(self.wall, wall), min(self.cpu, cpu)


@dataclass
class Median:
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)

    def add(self, wall: float, cpu: float) -> None:
        self.walls.append(wall)
        self.cpus.append(cpu)

    @property
    def wall(self) -> float:
        return statistics.median(self.walls)

    @property
    def cpu(self) -> float:
        return statistics.median(self.cpus)

    def runs(self) -> str:
        return ", ".join(f"{w:.2f}" for w in self.walls)


INSTALLED = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
"""The environment of (e): modules load from their bytecode caches (written by the first,
untimed run of each side), as an installed package's do, whoever's modules they are."""
ALONE = {**INSTALLED, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
"""...and no plugin loads unless named with `-p`."""
EXAMPLES_TEST = """\
import pytest
from pytest_examples import find_examples


@pytest.mark.parametrize("example", find_examples("doc.md"), ids=str)
def test_example(example, eval_example):
    eval_example.run(example)
"""


@dataclass
class Run:
    """One side of (e): a command run in its own folder, holding the same doc.md."""

    name: str
    command: list[str]
    env: dict[str, str] | None = None
    files: dict[str, str] = field(default_factory=dict)
    runs: int = 0
    """At most this many timed runs (0: as many as the others); for a side far slower than
    the rest, whose median need not be as sharp."""


def startup(tmp: Path, blocks: int, repeat: int) -> None:
    print(f"(e) start-up and per block, the same Markdown for every tool, each with only its "
          f"own pytest plugin; {repeat} interleaved runs (medians)")
    plain = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    ours = Run("lecturekit check", CHECK + ["doc.md"], ALONE)
    codeblocks = Run("pytest-codeblocks", [*plain, "-p", "pytest_codeblocks.plugin",
                                           "--codeblocks", "doc.md"], ALONE)
    one_block = [ours, codeblocks,
                 Run("lecturekit check, every plugin", CHECK + ["doc.md"], INSTALLED),
                 Run("pytest-codeblocks, every plugin but ours",
                     [*plain, "-p", "no:lecturekit", "--codeblocks", "doc.md"], INSTALLED)]
    many = [ours, codeblocks,
            Run("sybil", [*plain, "doc.md"], ALONE, {"conftest.py": SYBIL_CONFTEST}),
            Run("pytest-markdown-docs", [*plain, "-p", "pytest_markdown_docs.plugin",
                                         "--markdown-docs", "doc.md"], ALONE),
            Run("pytest-examples", [*plain, "-p", "pytest_examples", "test_doc.py"], ALONE,
                {"test_doc.py": EXAMPLES_TEST}, runs=3)]
    one = _sides(tmp / "one", one_block, _document(1, marp=True), repeat)
    full = _sides(tmp / f"n{blocks}", many, _document(blocks, marp=True), repeat)
    print("    one block:")
    for run in one_block:
        print(f"      {run.name:<42} {one[run.name].wall:.3f}s wall, "
              f"{one[run.name].cpu:.3f}s cpu")
    ratio = one[ours.name].wall / one[codeblocks.name].wall
    print(f"      ratio {ratio:.2f} vs pytest-codeblocks (goal <= 1.10: "
          f"{'PASS' if ratio <= 1.10 else 'MISS'}; cpu "
          f"{one[ours.name].cpu / one[codeblocks.name].cpu:.2f}); every plugin loaded: "
          f"{one[one_block[2].name].wall / one[one_block[3].name].wall:.2f}")
    print(f"    {blocks} blocks:")
    for run in many:
        print(f"      {run.name:<42} {full[run.name].wall:.3f}s wall, "
              f"{full[run.name].cpu:.3f}s cpu")
    peers = [run.name for run in many if run is not ours]
    fastest = min(peers, key=lambda name: full[name].wall)
    ratio = full[ours.name].wall / full[fastest].wall
    print(f"      ratio {ratio:.2f} vs the fastest peer, {fastest} (goal <= 1.00: "
          f"{'PASS' if ratio <= 1.00 else 'MISS'}; cpu "
          f"{full[ours.name].cpu / min(full[name].cpu for name in peers):.2f} vs the least)")


def _sides(folder: Path, runs: list[Run], text: str, repeat: int) -> dict[str, Median]:
    """Each run in a folder of its own with `text` as doc.md; all interleaved, rotating.

    A first, untimed run of each (it writes the bytecode caches) must report every
    block passed: a tool that collected nothing would be timed for nothing.
    """
    blocks = text.count("```python")
    places = {}
    for number, run in enumerate(runs):
        place = folder / f"tool{number}"
        place.mkdir(parents=True)
        (place / "doc.md").write_text(text, encoding="utf-8")
        for name, content in run.files.items():
            (place / name).write_text(content, encoding="utf-8")
        places[run.name] = place
        done = subprocess.run(run.command, cwd=place, env=run.env, capture_output=True,
                              text=True, check=False)
        if done.returncode != 0 or f"{blocks} passed" not in done.stdout:
            raise SystemExit(f"bench: {run.name} did not pass {blocks} blocks in {place}:\n"
                             f"{(done.stdout + done.stderr)[-2000:]}")
    medians = {run.name: Median() for run in runs}
    for turn in range(repeat):
        shift = turn % len(runs)
        for run in runs[shift:] + runs[:shift]:
            if run.runs and len(medians[run.name].walls) >= run.runs:
                continue
            medians[run.name].add(*_timed(run.command, places[run.name], env=run.env))
    return medians


def _document(blocks: int, marp: bool) -> str:
    """One trivial block per slide; the plain Markdown is the same text without front matter."""
    parts = ["---\nmarp: true\n---\n\n# Bench\n" if marp else "# Bench\n"]
    for number in range(blocks):
        parts.append(f"\n---\n\n```python\nvalue_{number} = {number} * 2\n```\n")
    return "".join(parts)


def failing_document(blocks: int) -> str:
    """`blocks` slides whose `# ->` expectation is off by one: every block fails."""
    parts = ["---\nmarp: true\n---\n\n# Failing\n"]
    for number in range(blocks):
        parts.append(f"\n---\n\n```python\nprint({number})  # -> {number + 1}\n```\n")
    return "".join(parts)


def failures(tmp: Path, repeat: int, sizes: tuple[int, int] = (500, 5000)) -> None:
    small, large = sizes
    print(f"(c) failure path: {small} vs {large} failing blocks, check and --update-outputs, "
          f"best of {repeat} (CPU = user+sys)")
    folder = tmp / "failing"
    folder.mkdir()
    results: dict[tuple[str, int], Best] = {}
    for _ in range(repeat):
        for size in sizes:
            deck = folder / f"fail{size}.md"
            for mode, extra in (("check", []), ("update", ["--update-outputs"])):
                deck.write_text(failing_document(size), encoding="utf-8")
                best = results.setdefault((mode, size), Best())
                best.add(*_timed([*PYTEST, *extra, deck.name], folder, ok=(0, 1)))
    for mode in ("check", "update"):
        low, high = results[mode, small], results[mode, large]
        print(f"    {mode:<6}: {small} blocks {low.wall:.2f}s wall {low.cpu:.2f}s cpu, "
              f"{large} blocks {high.wall:.2f}s wall {high.cpu:.2f}s cpu; ratio wall "
              f"{high.wall / low.wall:.1f}, cpu {high.cpu / low.cpu:.1f} "
              f"(goal about {large / small:.0f}, linear)")


def parallel(tmp: Path, deck_path: Path, copies: int, repeat: int) -> None:
    print(f"(d) `make check` on {copies} copies of {deck_path}: -n 2 (its default for more than "
          f"one deck) vs one process, {repeat} interleaved runs (medians)")
    if not deck_path.exists():
        print(f"    skipped: {deck_path} does not exist")
        return
    folder = tmp / "copies"
    folder.mkdir()
    text = deck_path.read_text(encoding="utf-8")
    names = []
    for number in range(copies):
        name = f"{deck_path.stem}-{number}.md"
        (folder / name).write_text(text, encoding="utf-8")
        names.append(name)
    one, two = Median(), Median()
    for run in range(repeat):
        for side in ((one, two) if run % 2 == 0 else (two, one)):
            side.add(*_timed([*CHECK, *(["-n", "2"] if side is two else []), *names], folder))
    print(f"    one after another {one.wall:.2f}s wall ({one.cpu:.2f}s cpu; runs {one.runs()})")
    print(f"    -n 2              {two.wall:.2f}s wall ({two.cpu:.2f}s cpu; runs {two.runs()})")
    print(f"    ratio {two.wall / one.wall:.2f} (goal <= 0.70; needs two idle cores)")


def lecture(tmp: Path, deck_path: Path, repeat: int) -> None:
    print(f"(b) {deck_path} against the floor (import torch + plain exec), {repeat} interleaved "
          f"runs (medians)")
    if not deck_path.exists():
        print(f"    skipped: {deck_path} does not exist")
        return
    statements = tmp / "statements.json"
    statements.write_text(json.dumps(_statement_groups(deck_path)), encoding="utf-8")
    floor_script = tmp / "floor.py"
    floor_script.write_text(FLOOR, encoding="utf-8")
    root = Path.cwd()
    floor, ours, pytest_run = Median(), Median(), Median()
    commands = [(floor, [sys.executable, str(floor_script), str(statements)]),
                (ours, [*CHECK, str(deck_path)]), (pytest_run, [*PYTEST, str(deck_path)])]
    for run in range(repeat):
        for side, command in commands[run % 3:] + commands[:run % 3]:
            side.add(*_timed(command, root))
    print(f"    floor                     {floor.wall:.2f}s wall, {floor.cpu:.2f}s cpu "
          f"(runs {floor.runs()})")
    print(f"    lecturekit check          {ours.wall:.2f}s wall, {ours.cpu:.2f}s cpu "
          f"(runs {ours.runs()})")
    print(f"    python -m pytest          {pytest_run.wall:.2f}s wall, {pytest_run.cpu:.2f}s cpu "
          f"(runs {pytest_run.runs()})")
    print(f"    ratio {ours.wall / floor.wall:.2f} (goal <= 1.10; cpu {ours.cpu / floor.cpu:.2f}); "
          f"python -m pytest {pytest_run.wall / floor.wall:.2f} (it keeps the interpreter's "
          f"teardown, which `lecturekit check` skips)")


def _statement_groups(deck_path: Path) -> list[list[str]]:
    """The deck's statements as plain source, one list per namespace (setup code first)."""
    deck = read_deck(deck_path)
    groups: list[list[str]] = []
    for index, fence in enumerate(deck.code_blocks):
        if fence.has("skip") or fence.has("skip-if") or fence.has("importorskip"):
            continue
        if index == 0 or fence.has("fresh"):
            groups.append(_statements(deck.setup_code))
        if fence.is_transcript:
            groups[-1].extend(e.source for e in doctest.DocTestParser().get_examples(fence.code))
        else:
            groups[-1].extend(_statements(fence.code))
    return groups


def _statements(code: str) -> list[str]:
    if not code.strip():
        return []
    tree = ast.parse(code)
    return [ast.get_source_segment(code, node) or "" for node in tree.body]


def _timed(command: list[str], cwd: Path, ok: tuple[int, ...] = (0,),
           env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall time and CPU time (user + sys) of one run of `command`."""
    env = dict(env or os.environ)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in ok:
        tail = done.stdout.decode(errors="replace")[-2000:]
        raise SystemExit(f"bench: {' '.join(command)} failed in {cwd} "
                         f"(exit {done.returncode}):\n{tail}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


if __name__ == "__main__":
    import sys

    raise SystemExit(main(sys.argv[1:]))
