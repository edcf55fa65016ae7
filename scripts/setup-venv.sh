#!/usr/bin/env bash
# Creates .venv with the project and every test dependency; re-installs only when
# pyproject.toml changes (idempotent and fast on a warm machine).
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '[setup-venv] %s\n' "$*" >&2; }

if ! command -v java >/dev/null 2>&1; then
  log "installing a Java runtime for pyspark (parity tests, exporter)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null
fi
if ! command -v wrk >/dev/null 2>&1; then
  log "installing wrk (the benchmarks' load generator; tests/benchmarks runs benchmarks/run.py --quick)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi

# make_venv DIR WHY PIP-ARGS...: (re)install into DIR when pyproject.toml or these arguments change.
make_venv() {
  local dir=$1 why=$2
  shift 2
  [ -x "$dir/bin/python" ] || python3 -m venv "$dir"
  local stamp
  stamp="$dir/.installed-$( (cat pyproject.toml; printf '%s\n' "$@") | sha256sum | cut -c1-16)"
  if [ ! -f "$stamp" ]; then
    log "installing $why into $dir"
    "$dir/bin/pip" install -q --disable-pip-version-check -U pip
    "$dir/bin/pip" install -q --disable-pip-version-check "$@"
    rm -f "$dir"/.installed-* && touch "$stamp"
  fi
}

make_venv .venv "the project and test dependencies" -e '.[sklearn,xgboost,blazingtext,tools,export,test]'
# The exporter supports pyspark 3.5 and 4.x: .venv has the newest 4.x, .venv-pyspark35 the 3.5
# line (with the numpy/pandas it was released against) for tests/unit/mleap/test_pyspark35.py.
make_venv .venv-pyspark35 "pyspark 3.5 (exporter parity on the 3.5 line)" \
  'pyspark>=3.5.7,<3.6' 'numpy<2' 'pandas<2.3' -e '.[sklearn,test]'
