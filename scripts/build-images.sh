#!/usr/bin/env bash
# Builds every image (docker-bake.hcl's default group, or the targets given) on the
# registry-free local base image, tagged inference-pipeline/<name>:{latest,<version>,...}.
# Local builds go through inference_pipeline.build.bake: bake resolves the definitions and each
# target is built with --network=host (Debian's buildx ignores bake's `network` attribute).
set -euo pipefail
cd "$(dirname "$0")/.."
export BASE_IMAGE="${BASE_IMAGE:-inference-pipeline/base:bookworm}"
bash scripts/build-base-image.sh "$BASE_IMAGE"
PYTHONPATH=shared python3 -m inference_pipeline.build.bake "$@"
