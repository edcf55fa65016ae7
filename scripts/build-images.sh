#!/usr/bin/env bash
# Builds every image locally on the registry-free base image, tagged
# inference-pipeline/<name>:latest (what tests and the local simulator use).
set -euo pipefail
cd "$(dirname "$0")/.."
BASE_IMAGE="${BASE_IMAGE:-inference-pipeline/base:bookworm}"
bash scripts/build-base-image.sh "$BASE_IMAGE"
if [ -f docker-bake.hcl ] && docker buildx version >/dev/null 2>&1; then
  BASE_IMAGE="$BASE_IMAGE" docker buildx bake --load "$@"
else
  for dockerfile in images/*/Dockerfile; do
    name=$(basename "$(dirname "$dockerfile")")
    docker build --network=host --build-arg BASE_IMAGE="$BASE_IMAGE" -f "$dockerfile" \
      -t "inference-pipeline/$name:latest" . >&2
  done
fi
