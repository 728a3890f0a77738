"""Differential test: pytest-codeblocks 0.18 and our plugin on the same Markdown.

Each case is a small piece of Markdown in the spelling pytest-codeblocks
documents or tests.  pytest-codeblocks runs it as a plain `.md` file
(`pytest --codeblocks`); our plugin runs the same body under Marp front
matter.  The per-block outcomes (passed, failed, skipped, xfailed, xpassed;
`error` for a file that cannot be collected) must be equal.  Blocks joined
by `cont` are one test in pytest-codeblocks and one test per fence here;
their outcomes are combined before comparing (see `_combined`).

The cases in `DIFFERENT` are the deliberate differences the README lists:
for them the test asserts both sides' outcomes as documented, so the table
in the README cannot go stale.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass

import pytest

from lecturekit.deck import parse_deck

FRONT_MATTER = "---\nmarp: true\n---\n\n"
SHIFT = FRONT_MATTER.count("\n")


@dataclass(frozen=True)
class Case:
    id: str
    markdown: str


def case(id: str, markdown: str) -> Case:
    return Case(id, textwrap.dedent(markdown).lstrip("\n"))


FENCE = "```"

SAME = [
    case("plain-pass", """
        ```python
        x = 1 + 1
        ```
    """),
    case("plain-fail", """
        ```python
        1 / 0
        ```
    """),
    case("not-python-is-not-run", """
        ```text
        1 / 0
        ```

        ```
        1 / 0
        ```
    """),
    *[case(f"skip-{n}", f"""
        {comment}
        ```python
        raise RuntimeError("not skipped")
        ```
    """) for n, comment in enumerate([
        "<!--pytest-codeblocks:skip-->",
        "<!-- pytest-codeblocks:skip -->",
        "<!---pytest-codeblocks:skip--->",
        "<!--- pytest-codeblocks:skip --->",
        "<!--pytest.mark.skip-->",
        "<!-- pytest.mark.skip -->",
        '<!--pytest.mark.skip(reason="shown only")-->',
    ])],
    *[case(f"cont-{n}", f"""
        Lorem ipsum
        ```python
        a = 1
        ```
        dolor sit amet
        {comment}
        ```{lang}
        assert a + 1 == 2
        ```
    """) for n, (comment, lang) in enumerate([
        ("<!--pytest-codeblocks:cont-->", "python"),
        ("<!--pytest-codeblocks:cont-->", ""),
        ("<!---pytest-codeblocks:cont--->", ""),
        ("<!-- pytest-codeblocks:cont -->", ""),
        ("<!--- pytest-codeblocks:cont --->", "python"),
    ])],
    case("cont-unlabelled-fails-when-it-fails", """
        ```python
        a = 1
        ```

        <!--pytest-codeblocks:cont-->
        ```
        assert a == 2, "the continuation ran"
        ```
    """),
    case("cont-of-skipped-block-is-skipped", """
        <!--pytest.mark.skip-->
        ```python
        a = undefined_name
        ```

        <!--pytest-codeblocks:cont-->
        ```python
        print(a)
        ```
    """),
    *[case(f"expected-output-{n}", f"""
        ```python
        print(1 + 3)
        ```

        {comment}
        ```
        {shown}
        ```
    """) for n, (comment, shown) in enumerate([
        ("<!--pytest-codeblocks:expected-output-->", "4"),
        ("<!--pytest-codeblocks:expected-output-->", "5"),
        ("<!--- pytest-codeblocks:expected-output --->", "5"),
        ("<!-- pytest-codeblocks:expected-output -->", "4"),
    ])],
    case("expected-output-of-a-cont-chain", """
        ```python
        print(1)
        ```

        <!--pytest-codeblocks:cont-->
        ```python
        print(2)
        ```

        <!--pytest-codeblocks:expected-output-->
        ```
        1
        2
        ```
    """),
    *[case(f"ignore-whitespace-{n}", f"""
        ```python
        print("a   b\\nc")
        ```

        <!--pytest-codeblocks:expected-output-ignore-whitespace-->
        ```
        {shown}
        ```
    """) for n, shown in enumerate(["a b c", "a b d", "abc"])],
    *[case(f"expect-{n}-{kind}", f"""
        {comment}
        ```python
        {code}
        ```
    """) for n, comment in enumerate(["<!--pytest-codeblocks:expect-exception-->",
                                      "<!--pytest-codeblocks:expect-error-->",
                                      "<!--- pytest-codeblocks:expect-error --->"])
      for kind, code in [("raises", "1 / 0"), ("passes", "x = 1")]],
    *[case(f"skipif-{n}", f"""
        {comment}
        ```python
        raise RuntimeError("ran")
        ```
    """) for n, comment in enumerate([
        "<!--pytest-codeblocks:skipif(sys.version_info > (3,))-->",
        "<!--pytest-codeblocks:skipif(sys.version_info < (3,))-->",
        '<!--pytest.mark.skipif(sys.version_info > (3,), reason="new Python")-->',
        '<!--pytest.mark.skipif(sys.version_info < (3,), reason="old Python")-->',
    ])],
    *[case(f"importorskip-{mod}", f"""
        <!--pytest-codeblocks:importorskip({mod})-->
        ```python
        raise RuntimeError("ran")
        ```
    """) for mod in ["module_that_does_not_exist_xyz", "json"]],
    *[case(f"xfail-{n}", f"""
        {comment}
        ```python
        {code}
        ```
    """) for n, (comment, code) in enumerate([
        ("<!--pytest.mark.xfail-->", "1 / 0"),
        ("<!--pytest.mark.xfail-->", "x = 1"),
        ('<!--pytest.mark.xfail(reason="known bug")-->', "1 / 0"),
        ("<!--pytest.mark.xfail(strict=True)-->", "x = 1"),
        ("<!--pytest.mark.xfail(strict=True)-->", "1 / 0"),
        ('<!--pytest.mark.xfail(run=False, reason="would hang")-->', "while True: pass"),
        ("<!--pytest.mark.xfail(sys.platform == 'nowhere', reason='never')-->", "1 / 0"),
        ("<!--pytest.mark.xfail(sys.version_info > (3,), reason='always')-->", "1 / 0"),
        ("<!--pytest.mark.xfail(raises=Exception)-->", "1 / 0"),
        ("<!-- pytest.mark.xfail(strict=True, reason='spaced') -->", "x = 1"),
    ])],
    case("other-marks-are-applied", """
        <!--pytest.mark.slow-->
        ```python
        x = 1
        ```

        <!--pytest.mark.filterwarnings("error")-->
        ```python
        import warnings
        warnings.warn("turned into an error by the mark")
        ```

        <!--pytest.mark.filterwarnings("ignore")-->
        ```python
        import warnings
        warnings.warn("ignored")
        ```
    """),
    case("marks-add-up", """
        <!--pytest.mark.slow-->
        <!--pytest.mark.xfail(strict=True)-->
        ```python
        1 / 0
        ```
    """),
    case("marker-before-a-text-fence-is-used-up-by-it", """
        <!--pytest.mark.skip-->
        ```text
        not code
        ```

        ```python
        x = 1
        ```
    """),
    case("unknown-codeblocks-keyword-is-a-file-error", """
        <!--pytest-codeblocks:frobnicate-->
        ```python
        x = 1
        ```
    """),
    case("cont-without-a-block-before-is-a-file-error", """
        <!--pytest-codeblocks:cont-->
        ```python
        x = 1
        ```
    """),
]

DIFFERENT = {
    # id: (markdown, pytest-codeblocks' outcomes, ours, reason: see the README's table)
    "namespace-is-shared": (case("namespace-is-shared", """
        ```python
        a = 1
        ```

        ```python
        assert a == 1
        ```
    """), ["passed", "failed"], ["passed", "passed"]),
    "shell-blocks-are-not-run": (case("shell-blocks-are-not-run", """
        ```sh
        exit 1
        ```
    """), ["failed"], []),
    "py-and-pycon-are-python": (case("py-and-pycon-are-python", """
        ```py
        1 / 0
        ```
    """), [], ["failed"]),
    "xfail-raises-checks-the-slide-exception": (case("xfail-raises", """
        <!--pytest.mark.xfail(raises=ZeroDivisionError)-->
        ```python
        1 / 0
        ```
    """), ["failed"], ["xfailed"]),
    "three-dash-pytest-mark": (case("three-dash-pytest-mark", """
        <!--- pytest.mark.skip --->
        ```python
        raise RuntimeError("not skipped")
        ```
    """), ["error"], ["skipped"]),
    "skipif-string-condition": (case("skipif-string-condition", """
        <!--pytest.mark.skipif("sys.platform != 'nowhere'", reason="string condition")-->
        ```python
        raise RuntimeError("ran")
        ```
    """), ["failed"], ["skipped"]),
    "hidden-fence-in-comment": (case("hidden-fence-in-comment", """
        <!--
        ```python
        a = 1
        ```
        -->

        <!--pytest-codeblocks:cont-->
        ```python
        assert a == 1
        ```
    """), ["passed"], ["failed"]),
}


def _outcome(report: pytest.TestReport) -> str:
    if hasattr(report, "wasxfail"):
        return "xfailed" if report.skipped else "xpassed"
    return report.outcome


def _run(pytester: pytest.Pytester, name: str, text: str, *args: str) -> dict[int, str]:
    """Outcome of each test item by its fence's line in `text`; 0: the file itself."""
    path = pytester.path / name
    path.write_text(text, encoding="utf-8")
    result = pytester.inline_run("-p", "no:cacheprovider", "-p", "no:randomly",
                                 "-W", "ignore::DeprecationWarning", *args, str(path))
    outcomes: dict[int, str] = {}
    for report in result.getreports("pytest_collectreport"):
        if report.failed:
            outcomes[0] = "error"
    for report in result.getreports("pytest_runtest_logreport"):
        if report.when == "call" or (report.when == "setup" and not report.passed):
            item = report.nodeid.split("::")[-1]
            line = re.search(r"line[ ]?(\d+)$", item)
            outcomes[int(line.group(1)) if line else 0] = (
                "error" if item == "deck" and report.failed else _outcome(report))
    return outcomes


def _combined(outcomes: list[str]) -> str:
    """The outcome of blocks joined by `cont`, which pytest-codeblocks runs as one test."""
    for worst in ("failed", "xfailed", "xpassed", "passed"):
        if worst in outcomes:
            return worst
    return "skipped"


def run_both(pytester: pytest.Pytester, markdown: str) -> tuple[list[str], list[str]]:
    theirs = _run(pytester, "peer.md", markdown, "--codeblocks")
    ours_by_line = _run(pytester, "deck.md", FRONT_MATTER + markdown)
    if 0 in theirs or 0 in ours_by_line:  # a file error: compare whatever each side has
        return ([theirs[line] for line in sorted(theirs)],
                [ours_by_line[line] for line in sorted(ours_by_line)])
    groups: list[list[str]] = []
    for fence in parse_deck(FRONT_MATTER + markdown).code_blocks:
        outcome = ours_by_line[fence.line]
        if fence.has("cont") and groups:
            groups[-1].append(outcome)
        else:
            groups.append([outcome])
    return [theirs[line] for line in sorted(theirs)], [_combined(g) for g in groups]


@pytest.mark.parametrize("example", SAME, ids=[c.id for c in SAME])
def test_block_outcomes_equal_pytest_codeblocks(pytester, example):
    theirs, ours = run_both(pytester, example.markdown)
    assert theirs or example.id == "not-python-is-not-run", "the case tests nothing"
    assert ours == theirs


@pytest.mark.parametrize("key", sorted(DIFFERENT))
def test_deliberate_differences_are_as_the_readme_says(pytester, key):
    example, theirs_expected, ours_expected = DIFFERENT[key]
    theirs, ours = run_both(pytester, example.markdown)
    assert (theirs, ours) == (theirs_expected, ours_expected)

