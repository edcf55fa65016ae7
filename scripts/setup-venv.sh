#!/usr/bin/env bash
# Creates .venv with the project and every test dependency; re-installs only when
# pyproject.toml changes (idempotent and fast on a warm machine).
set -euo pipefail
cd "$(dirname "$0")/.."
# The exporter supports pyspark 3.5 and 4.x: .venv has the newest 4.x, .venv-pyspark35 the 3.5
# line (with the numpy/pandas it was released against) for tests/unit/mleap/test_pyspark35.py.
PYSPARK35="pyspark>=3.5.7,<3.6"
log() { printf '[setup-venv] %s\n' "$*" >&2; }

if ! command -v java >/dev/null 2>&1; then
  log "installing a Java runtime for pyspark (parity tests, exporter)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
  log "installing the project and test dependencies into .venv"
  .venv/bin/pip install -q --disable-pip-version-check -U pip
  .venv/bin/pip install -q --disable-pip-version-check -e '.[sklearn,xgboost,blazingtext,tools,export,test]'
  rm -f .venv/.installed-* && touch "$stamp"
fi

[ -x .venv-pyspark35/bin/python ] || python3 -m venv .venv-pyspark35
stamp35=.venv-pyspark35/.installed-$(cat pyproject.toml scripts/setup-venv.sh | sha256sum | cut -c1-16)
if [ ! -f "$stamp35" ]; then
  log "installing pyspark 3.5 into .venv-pyspark35 (exporter parity on the 3.5 line)"
  .venv-pyspark35/bin/pip install -q --disable-pip-version-check -U pip
  .venv-pyspark35/bin/pip install -q --disable-pip-version-check "$PYSPARK35" 'numpy<2' 'pandas<2.3' \
    -e '.[sklearn,test]'
  rm -f .venv-pyspark35/.installed-* && touch "$stamp35"
fi
