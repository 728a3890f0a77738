"""Run pytest (in-process, via pytester) on small fixture decks and read its reports."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"

# pytester restores sys.modules after each in-process run; numpy refuses a second
# import in one process, so load it here, outside the runs, where it stays loaded.
with contextlib.suppress(ImportError):
    import numpy  # noqa: F401
# Likewise asyncio: its C part (_asyncio) keeps the first import's module state, so a
# re-imported asyncio would schedule tasks on a loop the C part does not know.
import asyncio  # noqa: E402, F401


@dataclass
class DeckRun:
    result: pytest.RunResult
    reports: dict[str, pytest.TestReport]
    """The call report (or the skip report of setup) of each item, by item name."""

    def outcome(self, name: str) -> str:
        return self.reports[name].outcome

    def message(self, name: str) -> str:
        return str(self.reports[name].longrepr)

    @property
    def text(self) -> str:
        return self.result.stdout.str()


def copy_fixture(pytester: pytest.Pytester, name: str, as_name: str | None = None) -> Path:
    target = pytester.path / (as_name or name)
    shutil.copyfile(FIXTURES / name, target)
    return target


def pytest_configure(config: pytest.Config) -> None:
    """Load pytester here: `pytest_plugins` is only allowed in the rootdir's conftest."""
    if not config.pluginmanager.has_plugin("pytester"):
        config.pluginmanager.import_plugin("pytester")


@pytest.fixture
def add_fixture(pytester: pytest.Pytester) -> Callable[..., Path]:
    """Copy a fixture deck into pytester's folder (optionally under another name)."""
    return lambda name, as_name=None: copy_fixture(pytester, name, as_name)


@pytest.fixture
def run_decks(pytester: pytest.Pytester) -> Callable[..., DeckRun]:
    """Copy fixture decks into a fresh folder and run pytest on them in-process."""

    def run(*names: str, args: tuple[str, ...] = ()) -> DeckRun:
        for name in names:
            if not (pytester.path / name).exists():
                copy_fixture(pytester, name)
        result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:randomly", *args,
                                    *names)
        reports: dict[str, pytest.TestReport] = {}
        for report in result.reprec.getreports("pytest_runtest_logreport"):  # type: ignore[attr-defined]
            name = report.nodeid.split("::")[-1]
            if report.when == "call" or (report.when == "setup" and not report.passed):
                reports[name] = report
        return DeckRun(result, reports)

    return run
