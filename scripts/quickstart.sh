#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: install Docker, build every image, train a small
# model and serve it locally, then send it a request. Leaves the server running on
# 127.0.0.1:${PORT:-8080}; stop it with `docker rm -f inference-pipeline-quickstart`.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${PORT:-8080}"
bash scripts/install-docker.sh
bash scripts/setup-venv.sh
bash scripts/build-images.sh
model_dir="$PWD/.cache/quickstart/model"
rm -rf "$model_dir" && mkdir -p "$model_dir"
.venv/bin/python examples/quickstart/train.py "$model_dir"
chmod -R a+rX .cache
docker rm -f inference-pipeline-quickstart >/dev/null 2>&1 || true
docker run -d --name inference-pipeline-quickstart --network=host \
  -e SAGEMAKER_BIND_TO_PORT="$PORT" -e INFERENCE_PIPELINE_BIND_HOST=127.0.0.1 \
  -e SAGEMAKER_PROGRAM=featurizer.py -v "$model_dir:/opt/ml/model:ro" \
  inference-pipeline/sklearn:latest serve >/dev/null
for _ in $(seq 1 60); do curl -fs "http://127.0.0.1:$PORT/ping" >/dev/null && break; sleep 0.5; done
echo "POST /invocations (text/csv -> application/json):"
curl -fsS "http://127.0.0.1:$PORT/invocations" -H 'Content-Type: text/csv' -H 'Accept: application/json' \
  --data-binary 'M, 0.44, 0.365, 0.125, 0.516, 0.2155, 0.114, 0.155'
echo
echo "serving on http://127.0.0.1:$PORT (docker rm -f inference-pipeline-quickstart to stop)"
