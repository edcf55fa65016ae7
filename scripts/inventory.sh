#!/usr/bin/env bash
# Collects the inventory of every built image (or the bake targets given): the name, version and
# licence of each installed distribution, written at build time to /opt/app/INVENTORY.txt by
# inference_pipeline.build.inventory. One file per target lands in the output directory
# (default build/inventory/), alongside the images it describes; a missing image is an error.
# Usage: bash scripts/inventory.sh [-o DIR] [target ...]
set -euo pipefail
cd "$(dirname "$0")/.."
out=build/inventory
if [[ "${1:-}" == "-o" ]]; then out=$2; shift 2; fi
prefix="${INFERENCE_PIPELINE_IMAGE_PREFIX:-inference-pipeline}"
mkdir -p "$out"
# target → local tag, from the catalogue (the default line is :latest, the others :<image><line>).
PYTHONPATH=shared python3 - "$prefix" "$@" <<'PY' |
import sys
from inference_pipeline.catalogue import IMAGES
prefix, wanted = sys.argv[1], set(sys.argv[2:])
for entry in IMAGES:
    for line in entry.version_lines or (None,):
        target = entry.target_name(line) if line else entry.name
        tag = "latest" if line is None or line.default else entry.tag_suffix(line)
        if not wanted or target in wanted:
            print(target, f"{prefix}/{entry.name}:{tag}")
PY
while read -r target ref; do
  docker run --rm --entrypoint cat "$ref" /opt/app/INVENTORY.txt > "$out/$target.txt"
  printf '[inventory] %s (%s): %d distributions → %s\n' \
    "$target" "$ref" "$(($(wc -l < "$out/$target.txt") - 1))" "$out/$target.txt" >&2
done
