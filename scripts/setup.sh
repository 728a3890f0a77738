#!/usr/bin/env bash
# Install what the build needs: `setup.sh system|node|venv`.
# System packages come from apt-get when running as root on Debian/Ubuntu;
# otherwise one line says exactly what to install.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(chromium fonts-noto-cjk fonts-noto-color-emoji graphviz poppler-utils)

missing_system() {
  local missing=()
  [ -x "${CHROME_PATH:-/usr/bin/chromium}" ] || missing+=(chromium)
  [ -n "$(fc-list 'Noto Sans CJK JP' family 2>/dev/null)" ] || missing+=(fonts-noto-cjk)
  [ -n "$(fc-list 'Noto Color Emoji' family 2>/dev/null)" ] || missing+=(fonts-noto-color-emoji)
  command -v dot >/dev/null || missing+=(graphviz)
  command -v pdftoppm >/dev/null || missing+=(poppler-utils)
  echo "${missing[@]}"
}

system() {
  local missing
  missing=$(missing_system)
  [ -z "$missing" ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "[setup] apt-get install $missing"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      "${APT_PACKAGES[@]}" >/dev/null
    missing=$(missing_system)
    [ -z "$missing" ] && return 0
  fi
  echo "setup: missing system packages: $missing — install them with:" \
       "sudo apt-get install ${APT_PACKAGES[*]} (or set CHROME_PATH to a Chromium)" >&2
  exit 1
}

node() {
  command -v npm >/dev/null || { echo "setup: npm not found — install Node.js 20+ and npm" >&2; exit 1; }
  echo "[setup] npm ci"
  npm ci --no-audit --no-fund --loglevel=error
}

venv() {
  if [ ! -x .venv/bin/python ]; then
    echo "[setup] python3 -m venv .venv"
    python3 -m venv .venv
  fi
  echo "[setup] pip install -e '.[dev,lecture]' (torch 2.13.0 CPU and friends; first time takes a few minutes)"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[dev,lecture]'
  # Bytecode for our own package, once: `lecturekit check` imports it before pytest starts
  # (lecturekit/check/command.py), and a shell with PYTHONDONTWRITEBYTECODE never writes it.
  .venv/bin/python -m compileall -q lecturekit
}

case "${1:-}" in
  system|node|venv) "$1" ;;
  *) echo "usage: scripts/setup.sh system|node|venv" >&2; exit 2 ;;
esac
