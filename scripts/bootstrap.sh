#!/usr/bin/env bash
# Install what the project needs and is missing: Java (for the Hive Metastore
# and the Spark cluster) from Debian when absent, and the Python virtualenv
# with the pinned packages. With --browser also Debian's chromium and its
# driver (the docs-site test opens the site in headless Chromium).
# Idempotent: a second run with nothing changed takes about a second.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3.11}"
STAMP="$VENV/.requirements.sha256"

log() { printf '[setup] %s\n' "$*"; }

apt_install() {
  if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null; then
    echo "error: $* is missing and this user cannot install Debian packages; install it and re-run" >&2
    exit 1
  fi
  local SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  log "installing $* from Debian"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

java_major() {
  java -version 2>&1 | sed -n 's/.*version "\([0-9]*\)\(\.\([0-9]*\)\)\{0,1\}.*/\1 \3/p' | head -1 |
    awk '{ print ($1 == 1 ? $2 : $1) }'
}

ensure_java() {
  if command -v java >/dev/null && [ "$(java_major)" -ge 11 ] 2>/dev/null; then
    return
  fi
  apt_install openjdk-17-jre-headless
}

ensure_python() {
  if ! command -v "$PYTHON" >/dev/null; then
    PYTHON=python3
  fi
  if ! "$PYTHON" -c 'import sys; assert sys.version_info[:2] >= (3, 10)' 2>/dev/null; then
    echo "error: Python 3.10+ is needed (3.11 is tested); set PYTHON=/path/to/python3.11" >&2
    exit 1
  fi
  if ! "$PYTHON" -c 'import venv, ensurepip' 2>/dev/null; then
    apt_install python3-venv
  fi
}

ensure_venv() {
  local want
  want="$(cat "$ROOT/requirements.txt" "$ROOT/constraints.txt" | sha256sum | cut -d' ' -f1)"
  if [ -x "$VENV/bin/python" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
    return
  fi
  log "creating $VENV with the pinned packages (a few minutes the first time)"
  [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
  # (pip warnings about this machine's own index settings are filtered out)
  "$VENV/bin/python" -m pip install -q --upgrade pip 2> >(grep -v "is ignored: it is neither" >&2)
  "$VENV/bin/python" -m pip install -q -r "$ROOT/requirements.txt" -c "$ROOT/constraints.txt" \
    2> >(grep -v "is ignored: it is neither" >&2)
  echo "$want" > "$STAMP"
}

ensure_browser() {
  if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
    return
  fi
  apt_install chromium chromium-driver
}

if [ "${1:-}" = "--browser" ]; then
  ensure_browser
  exit 0
fi
ensure_java
ensure_python
ensure_venv
log "ready: $("$VENV/bin/dbt" --version 2>/dev/null | sed -n 's/.*installed: *//p' | head -1 | sed 's/^/dbt-core /'), $(java -version 2>&1 | head -1)"
