#!/usr/bin/env bash
# Install whatever is missing for Carerline on a fresh Debian machine: system packages, then the
# Python virtualenv (.venv) with pinned dependencies. Safe to run again: it skips what is present.
set -euo pipefail
cd "$(dirname "$0")/.."

want_tests="${1:-}"
apt_packages=()

need_apt() { dpkg -s "$1" >/dev/null 2>&1 || apt_packages+=("$1"); }

# PostgreSQL server binaries: the test run starts its own throwaway server.
if [ "$want_tests" = "--tests" ]; then
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1; then
    need_apt postgresql
  fi
  # Staff pages' browser tests: Debian's Chromium (driven by Playwright, never a downloaded browser)
  # and npm for axe-core.
  [ -x /usr/bin/chromium ] || apt_packages+=(chromium)
  command -v npm >/dev/null 2>&1 || need_apt npm
fi

# The parental-views PDF: WeasyPrint lays text out with the system's Pango and HarfBuzz, in Liberation
# fonts (metric-compatible with Arial, which the report's stylesheet asks for).
for package in libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-liberation; do need_apt "$package"; done

if [ "${#apt_packages[@]}" -gt 0 ]; then
  echo "==> Installing system packages: ${apt_packages[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${apt_packages[@]}" >/dev/null
fi

python_bin="$(command -v python3.11 || command -v python3)"
if ! "$python_bin" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "Carerline needs Python 3.11 or newer; found $("$python_bin" --version)" >&2
  exit 1
fi

if [ ! -x .venv/bin/python ]; then
  echo "==> Creating the virtualenv in .venv"
  "$python_bin" -m venv .venv
fi

# Reinstall only when pyproject.toml changed since the last install.
stamp=".venv/.carerline-installed"
fingerprint="$(sha256sum pyproject.toml | cut -d' ' -f1)${want_tests}"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$fingerprint" ]; then
  echo "==> Installing Python packages (pinned in pyproject.toml)"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  extras=""; [ "$want_tests" = "--tests" ] && extras="[test]"
  # compat mode puts the project root on sys.path, so packages added later import without reinstalling.
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".${extras}" --config-settings editable_mode=compat
  echo "$fingerprint" > "$stamp"
fi

# Front-end packages for the tests (axe-core). GOV.UK Frontend's built assets are committed in
# web/static/govuk, so running the service needs no npm. Reinstall only when the lock file changed.
if [ "$want_tests" = "--tests" ]; then
  npm_stamp="node_modules/.carerline-lock-sha256"
  lock_hash="$(sha256sum package-lock.json | cut -d' ' -f1)"
  if [ ! -f "$npm_stamp" ] || [ "$(cat "$npm_stamp")" != "$lock_hash" ]; then
    echo "==> Installing npm packages (pinned in package-lock.json)"
    npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
    echo "$lock_hash" > "$npm_stamp"
  fi
fi
