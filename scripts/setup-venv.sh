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
[ -x .venv/bin/python ] || python3 -m venv .venv
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
  log "installing the project and test dependencies into .venv"
  .venv/bin/pip install -q --disable-pip-version-check -U pip
  .venv/bin/pip install -q --disable-pip-version-check -e '.[sklearn,xgboost,blazingtext,tools,export,test]'
  rm -f .venv/.installed-* && touch "$stamp"
fi
