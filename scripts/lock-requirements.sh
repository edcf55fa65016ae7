#!/usr/bin/env bash
# Regenerates the hash-locked requirements of every image and version line:
#   images/base/requirements.txt           → images/base/requirements.lock
#   images/<image>/requirements[-<line>].txt → images/<image>/requirements[-<line>].lock
# An image's lock is its whole environment: base's pins plus its own, its own winning where both
# name a package (the numpy 1.x lines replace base's numpy), with every transitive dependency
# pinned and hashed. The Dockerfiles install locks with `pip install --require-hashes --no-deps`,
# so what is built is exactly what was locked. An image whose requirements file pins nothing
# (it installs nothing beyond base) has no lock of its own: images/base/requirements.lock is its.
# Existing locks are kept as preferences, so re-running only moves what a changed pin forces.
# Usage: bash scripts/lock-requirements.sh [images/<image>/requirements[-<line>].txt ...]
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '[lock-requirements] %s\n' "$*" >&2; }

UV_VERSION=0.13.9
# The images run Debian bookworm's python3.11 (glibc 2.36) on x86_64.
TARGET=(--python-version 3.11 --python-platform x86_64-manylinux_2_36)
BASE=images/base/requirements.txt

uv_bin() {
  if command -v uv >/dev/null 2>&1; then command -v uv; return; fi
  local venv="${XDG_CACHE_HOME:-$HOME/.cache}/inference-pipeline/uv-$UV_VERSION"
  if [[ ! -x "$venv/bin/uv" ]]; then
    log "installing uv $UV_VERSION into $venv"
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install -q "uv==$UV_VERSION"
  fi
  echo "$venv/bin/uv"
}

has_pins() { grep -qE '^[[:space:]]*[A-Za-z0-9]' "$1"; }

UV=$(uv_bin)
compile() {  # compile <lock> <requirements files...>; the last file's pins override the others
  local lock=$1; shift
  local overrides=("${@: -1}")
  # --only-binary: an image never builds from source (it has no compiler), so lock wheels only.
  "$UV" pip compile --quiet --generate-hashes --only-binary :all: "${TARGET[@]}" \
    --custom-compile-command "bash scripts/lock-requirements.sh" \
    --overrides "${overrides[0]}" "$@" -o "$lock"
  log "$lock: $(grep -cE '^[a-z0-9]' "$lock") packages"
}

if [[ $# -gt 0 ]]; then files=("$@"); else
  mapfile -t files < <(ls images/*/requirements*.txt)
fi
for requirements in "${files[@]}"; do
  lock="${requirements%.txt}.lock"
  if [[ "$requirements" == "$BASE" ]]; then
    compile "$lock" "$BASE"
  elif has_pins "$requirements"; then
    compile "$lock" "$BASE" "$requirements"
  else
    rm -f "$lock"
  fi
done
