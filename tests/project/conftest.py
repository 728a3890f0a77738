"""Repositories laid out like the ones adopting lecturekit, built in tmp_path."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "render: renders a deck with marp-cli and Chromium (slow)")
