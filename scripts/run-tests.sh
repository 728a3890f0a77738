#!/usr/bin/env bash
# The project's whole test suite: lint, unit and build tests, every deck, the README.
set -euo pipefail
cd "$(dirname "$0")/.."
export CHROME_PATH="${CHROME_PATH:-/usr/bin/chromium}"

echo "[test] ruff"
.venv/bin/ruff check lecturekit scripts tests

echo "[test] actionlint: .github/workflows"
bash scripts/lint-workflows.sh

echo "[test] pytest: tests/ and every deck in slides/"
.venv/bin/python -m pytest -n 2 tests slides

echo "[test] pytest-codeblocks: the README's Python blocks"
.venv/bin/python -m pytest --codeblocks README.md
