#!/usr/bin/env bash
# Lint and type checks, configured in pyproject.toml: ruff over the tree, mypy over the library
# (strict on serving/ and pipeline/). Needs .venv (scripts/setup-venv.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check --quiet .
.venv/bin/mypy --no-error-summary
echo "[lint] ruff and mypy: clean" >&2
