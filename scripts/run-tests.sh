#!/usr/bin/env bash
# The whole test suite on a fresh Debian 12 machine: installs Docker (engine, buildx, compose),
# makes .venv, runs ruff and mypy, builds the local base image and every image, then runs pytest (unit, contract
# over the real granian server, container tests against the built images, end-to-end pipelines).
# Idempotent: a warm second run skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-docker.sh
bash scripts/setup-venv.sh
bash scripts/lint.sh
bash scripts/build-images.sh
# pytest exits 5 when it collected nothing; set -e turns that (and any failure) into a failed run.
exec .venv/bin/pytest "${@:-tests}" -q -p no:cacheprovider
