#!/usr/bin/env bash
# Install what the project needs and is missing: Java (for the Hive Metastore
# and the Spark cluster) from Debian when absent, the Python virtualenv with
# the pinned packages, and Delta Lake's jars for the Apache Spark lane from
# Maven Central (checked against pinned SHA-256 sums, cached in .cache/maven,
# copied into pyspark's jars/). With --test-tools what only the test suite
# needs: Debian's chromium and its driver (the docs-site tests open the site
# in headless Chromium) and actionlint, built with Go from the Go module proxy
# into .cache/bin (Go from Debian when there is none; module and build caches
# under .cache/go); with --lint-tools only actionlint (the fast tier's
# workflow lint).
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

# Delta Lake for Spark 4.0 (pyspark 4.0.x): delta-spark and delta-storage;
# every other dependency of delta-spark is among pyspark's own jars.
MAVEN="${MAVEN_REPOSITORY:-https://repo1.maven.org/maven2}"
DELTA_JARS=(
  "io/delta/delta-spark_2.13/4.0.0/delta-spark_2.13-4.0.0.jar 538511702aae0ef6973a6a70af3d4543c9009f8edbed786a00737e2d3cd7f04e"
  "io/delta/delta-storage/4.0.0/delta-storage-4.0.0.jar 9bdb9fb450f1e119eba53feb427f331b0d09072d26485b8273883ad72c9a2e1d"
)

ensure_delta_jars() {
  local jars cache path sum name
  # pyspark's folder found without importing it (that takes most of a second)
  jars="$("$VENV/bin/python" -c 'import importlib.util, os; print(os.path.join(os.path.dirname(importlib.util.find_spec("pyspark").origin), "jars"))')"
  cache="$ROOT/.cache/maven"
  for entry in "${DELTA_JARS[@]}"; do
    read -r path sum <<<"$entry"
    name="$(basename "$path")"
    [ -f "$jars/$name" ] && continue
    if [ ! -f "$cache/$name" ] || [ "$(sha256sum "$cache/$name" | cut -d' ' -f1)" != "$sum" ]; then
      log "fetching $name from Maven Central"
      mkdir -p "$cache"
      if ! "$VENV/bin/python" -c 'import sys, urllib.request; urllib.request.urlretrieve(sys.argv[1], sys.argv[2])' \
          "$MAVEN/$path" "$cache/$name.part" 2>/dev/null; then
        rm -f "$cache/$name.part"
        log "warning: Maven Central is not reachable: the Apache Spark lane will write parquet (no snapshots, no merges)"
        return
      fi
      if [ "$(sha256sum "$cache/$name.part" | cut -d' ' -f1)" != "$sum" ]; then
        rm -f "$cache/$name.part"
        echo "error: $name from $MAVEN does not match its pinned SHA-256" >&2
        exit 1
      fi
      mv "$cache/$name.part" "$cache/$name"
    fi
    cp "$cache/$name" "$jars/$name"
  done
}

ensure_browser() {
  if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
    return
  fi
  apt_install chromium chromium-driver
}

ACTIONLINT_VERSION=v1.7.12

ensure_actionlint() {
  local bin="$ROOT/.cache/bin/actionlint"
  if [ -x "$bin" ] && "$bin" -version 2>/dev/null | head -1 | grep -qx "$ACTIONLINT_VERSION"; then
    return
  fi
  command -v go >/dev/null || apt_install golang-go
  log "building actionlint $ACTIONLINT_VERSION from the Go module proxy"
  mkdir -p "$ROOT/.cache/bin" "$ROOT/.cache/go"
  GOBIN="$ROOT/.cache/bin" GOPATH="$ROOT/.cache/go" GOMODCACHE="$ROOT/.cache/go/mod" \
    GOCACHE="$ROOT/.cache/go/build" GOFLAGS=-modcacherw \
    go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
}

if [ "${1:-}" = "--lint-tools" ]; then
  ensure_actionlint
  exit 0
fi
if [ "${1:-}" = "--test-tools" ]; then
  ensure_browser
  ensure_actionlint
  exit 0
fi
ensure_java
ensure_python
ensure_venv
ensure_delta_jars
# (the version from the package metadata: `dbt --version` takes seconds and asks PyPI for the latest)
log "ready: dbt-core $("$VENV/bin/python" -c 'from importlib.metadata import version; print(version("dbt-core"))'), $(java -version 2>&1 | head -1)"
