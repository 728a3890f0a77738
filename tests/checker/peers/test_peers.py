"""Differential tests: each peer itself and this plugin on the same small Markdown files.

Every case is one Markdown file in `tests/checker/peers/<peer>/`, written for
that peer in the form its documentation shows.  The peer runs it as a plain
Markdown file, in the way it is meant to be run:

- pytest-codeblocks: `pytest --codeblocks FILE.md`;
- pytest-markdown-docs: `pytest --markdown-docs FILE.md`;
- pytest-examples: a test module calling `eval_example.run_print_check` on every
  example `find_examples(FILE.md)` finds (its documented use); its cases raise no
  exception (under pytest 9 one ends the run with an INTERNALERROR in pytest-examples'
  own traceback code), so they compare what its print check decides;
- Sybil: a `conftest.py` with its Markdown parsers (`PythonCodeBlockParser`,
  `SkipParser`, `ClearNamespaceParser`);
- phmdoctest: `phmdoctest FILE.md --outfile test_FILE.py`, then pytest on the
  generated file (`--doctest-modules`, for its `>>>` sessions).

This plugin runs the same body under Marp front matter.  Outcomes (passed,
failed, skipped, xfailed, xpassed; `error` for a file that cannot be
collected) are compared per fence, by the line of the fence's opening; a peer
that makes several tests of one fence (Sybil: one per `>>>` example) gives
that fence its worst outcome.  A fence neither side runs is not listed.

The cases in `DIFFERENT` are the deliberate differences listed in the
README's table of the checker's peers; for them both sides' outcomes are
asserted as the table says, so the table cannot go stale.  Every other case
must give equal outcomes.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

HERE = Path(__file__).parent
FRONT_MATTER = "---\nmarp: true\n---\n\n"
SHIFT = FRONT_MATTER.count("\n")
PEERS = ("codeblocks", "markdown_docs", "examples", "sybil", "phmdoctest")
CASES = [(peer, path.stem) for peer in PEERS for path in sorted((HERE / peer).glob("*.md"))]

DIFFERENT: dict[tuple[str, str], tuple[list[str], list[str]]] = {
    # (peer, case): (the peer's outcomes, ours), in fence order; see the README's table.
    ("codeblocks", "expected-output-after-sh"): (["passed", "passed"], ["passed"]),
    ("codeblocks", "prompt-in-python-fence"): (["failed"], ["passed"]),
    ("codeblocks", "py3-fence"): ([], ["failed"]),
    ("codeblocks", "indented-fence"): (["failed"], []),
    ("sybil", "indented-fence"): (["failed"], []),
    ("codeblocks", "plain-fence-after-python"): (["passed"], ["failed"]),
    ("markdown_docs", "prompt-in-python-fence"): (["failed"], ["passed"]),
    ("markdown_docs", "pycon-fence"): ([], ["passed"]),
    ("markdown_docs", "fresh-namespace-per-block"): (["passed", "failed"], ["passed", "passed"]),
    ("phmdoctest", "fresh-namespace-per-block"): (["passed", "failed"], ["passed", "passed"]),
    ("examples", "print-in-function-not-called"): (["passed"], ["failed"]),
    ("examples", "print-address"): (["passed"], ["failed"]),
    ("sybil", "pycon-fence"): ([], ["passed"]),
    ("sybil", "invisible-code-block"): (["passed"], ["failed"]),
    ("sybil", "skip-next"): (["passed", "passed"], ["skipped", "passed"]),
    ("sybil", "skip-start-end"): (["passed", "passed", "passed"],
                                  ["skipped", "skipped", "passed"]),
    ("phmdoctest", "output-trailing-spaces"): (["failed"], ["passed"]),
    ("phmdoctest", "setup"): (["passed"], ["passed", "passed"]),
}

_ITEM_LINE = re.compile(r"(?:line|code)[ :_]?(\d+)")
"""The line in a peer's test id: `line 5` (pytest-codeblocks), `[line:5]`
(pytest-markdown-docs), `line:5,column:1` (Sybil), `test_code_6_output_10` and
`session_00001_line_6` (phmdoctest: the first line inside the fence), `line5` (ours
for pytest-examples, below)."""
_OPENING = re.compile(r"^[ \t]*(`{3,}|~{3,})")


def _fence_of(markdown: str) -> Callable[[int], int | None]:
    """Line -> the line of the fence it is in (None outside fences); by the fences' text
    alone, so that a fence only a peer reads (indented four spaces) has its line too."""
    fences: list[tuple[int, int]] = []
    opened: tuple[int, str] | None = None
    for number, line in enumerate(markdown.split("\n"), start=1):
        match = _OPENING.match(line)
        if match and opened is None:
            opened = (number, match[1])
        elif match and opened and match[1].startswith(opened[1]) and not line.strip(" \t`~"):
            fences.append((opened[0], number))
            opened = None
    return lambda line: next((first for first, last in fences if first <= line <= last), None)


def _outcome(report: pytest.TestReport) -> str:
    if hasattr(report, "wasxfail"):
        return "xfailed" if report.skipped else "xpassed"
    return report.outcome


def _worst(outcomes: list[str]) -> str:
    for worst in ("error", "failed", "xpassed", "xfailed", "passed"):
        if worst in outcomes:
            return worst
    return "skipped"


def _outcomes(result: pytest.HookRecorder, line_of: Callable[[pytest.TestReport], int | None],
              fence_of: Callable[[int], int | None]) -> list[str]:
    """Outcomes in fence order; a file that cannot be collected is `error` (line 0).

    Tests at no fence (Sybil's `skip:` and `clear-namespace` markers are tests of their
    own; phmdoctest's `test_nothing_passes` in a file without code) are left out."""
    by_fence: dict[int, list[str]] = {}
    for report in result.getreports("pytest_collectreport"):
        if report.failed:
            by_fence.setdefault(0, []).append("error")
    for report in result.getreports("pytest_runtest_logreport"):
        if report.when == "call" or (report.when == "setup" and not report.passed):
            line = line_of(report)
            fence = 0 if line == 0 else fence_of(line) if line is not None else None
            if fence is not None:
                by_fence.setdefault(fence, []).append(_outcome(report))
    return [_worst(by_fence[line]) for line in sorted(by_fence)]


def _peer_line(markdown: str) -> Callable[[pytest.TestReport], int | None]:
    labels = {m[1]: markdown.count("\n", 0, m.start()) + 2
              for m in re.finditer(r"<!--phmdoctest-label (\w+)-->", markdown)}

    def line_of(report: pytest.TestReport) -> int | None:
        name = report.nodeid.split("::")[-1]
        match = _ITEM_LINE.search(name)
        if match:
            return int(match[1])
        return labels.get(name)  # phmdoctest's `label` names the test function

    return line_of


def _our_line(report: pytest.TestReport) -> int | None:
    if report.nodeid.endswith("::deck"):
        return 0
    return report.location[1] + 1 - SHIFT


def _inline(pytester: pytest.Pytester, *args: str) -> pytest.HookRecorder:
    return pytester.inline_run("-p", "no:cacheprovider", "-p", "no:randomly",
                               "-W", "ignore::DeprecationWarning", *args)


def _prepare(pytester: pytest.Pytester, peer: str, side: str, name: str,
             text: str) -> Path:
    """A folder of its own for each side, with the case's companion modules beside it."""
    folder = pytester.mkdir(side)
    for module in (HERE / peer).glob("*.py"):
        if not module.name.startswith("test_"):
            shutil.copyfile(module, folder / module.name)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def run_peer(pytester: pytest.Pytester, peer: str, markdown: str) -> list[str]:
    path = _prepare(pytester, peer, "peer", "peer.md", markdown)
    args: list[str] = [str(path)]
    if peer == "codeblocks":
        args.insert(0, "--codeblocks")
    elif peer == "markdown_docs":
        args.insert(0, "--markdown-docs")
    elif peer == "examples":
        test = path.with_name("test_examples.py")
        test.write_text(
            "import pytest\n"
            "from pytest_examples import find_examples\n\n\n"
            "@pytest.mark.parametrize('example', find_examples('peer.md'),\n"
            "                         ids=lambda e: f'line{e.start_line}')\n"
            "def test_example(example, eval_example):\n"
            "    eval_example.run_print_check(example)\n", encoding="utf-8")
        args = [str(test)]
    elif peer == "sybil":
        path.with_name("conftest.py").write_text(
            "from sybil import Sybil\n"
            "from sybil.parsers.markdown import (ClearNamespaceParser, PythonCodeBlockParser,\n"
            "                                    SkipParser)\n\n"
            "pytest_collect_file = Sybil(\n"
            "    parsers=[PythonCodeBlockParser(), SkipParser(), ClearNamespaceParser()],\n"
            "    patterns=['*.md'],\n"
            ").pytest()\n", encoding="utf-8")
    elif peer == "phmdoctest":
        test = path.with_name("test_phmdoctest.py")
        subprocess.run([sys.executable, "-m", "phmdoctest", str(path), "--outfile", str(test)],
                       check=True, capture_output=True)
        args = ["--doctest-modules", str(test)]
    with contextlib.chdir(path.parent):
        # as `python -m pytest FILE.md` from the file's folder: that folder on sys.path
        sys.path.insert(0, str(path.parent))
        try:
            result = _inline(pytester, *args)
        finally:
            sys.path.remove(str(path.parent))
            _forget_companions(peer)
    return _outcomes(result, _peer_line(markdown), _fence_of(markdown))


def run_ours(pytester: pytest.Pytester, peer: str, markdown: str) -> list[str]:
    path = _prepare(pytester, peer, "ours", "deck.md", FRONT_MATTER + markdown)
    # pytest-examples fails a print no `#>` checks: here that is --unchecked-output=error
    args = ["--unchecked-output=error"] if peer == "examples" else []
    try:
        result = _inline(pytester, *args, str(path))
    finally:
        _forget_companions(peer)
    return _outcomes(result, _our_line, _fence_of(markdown))


def _forget_companions(peer: str) -> None:
    """Each side imports the case's companion modules afresh."""
    for module in (HERE / peer).glob("*.py"):
        sys.modules.pop(module.stem, None)


@pytest.mark.parametrize(("peer", "name"), CASES, ids=[f"{p}/{n}" for p, n in CASES])
def test_outcomes_equal_the_peer_or_are_a_documented_difference(pytester, peer, name):
    markdown = (HERE / peer / f"{name}.md").read_text(encoding="utf-8")
    ours = run_ours(pytester, peer, markdown)
    theirs = run_peer(pytester, peer, markdown)
    if (peer, name) in DIFFERENT:
        assert (theirs, ours) == DIFFERENT[peer, name]
    else:
        assert ours == theirs
        assert theirs or name in _NOTHING_RUN, "the case tests nothing"


_NOTHING_RUN = {"skipfile", "indented-fence", "skip"}
"""Cases where neither side runs anything (the point of the case)."""


def test_every_deliberate_difference_has_its_case():
    assert set(DIFFERENT) <= set(CASES)


def test_lecturekit_check_imports_a_module_beside_the_deck_from_any_folder(tmp_path):
    """`lecturekit check` (the console script too) imports as `python -m pytest` does."""
    folder = tmp_path / "decks"
    folder.mkdir()
    shutil.copyfile(HERE / "markdown_docs" / "my_lib.py", folder / "my_lib.py")
    markdown = (HERE / "markdown_docs" / "module-beside.md").read_text(encoding="utf-8")
    (folder / "deck.md").write_text(FRONT_MATTER + markdown, encoding="utf-8")
    script = Path(sys.executable).with_name("lecturekit")
    for command, cwd, deck in (([str(script), "check"], folder, "deck.md"),
                               ([sys.executable, "-m", "lecturekit", "check"], tmp_path,
                                "decks/deck.md")):
        done = subprocess.run([*command, "-q", "-p", "no:cacheprovider", deck], cwd=cwd,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "1 passed" in done.stdout
