#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: install Docker, build every image, then run the
# car-evaluation pipeline (SparkML features → XGBoost → SparkML IndexToString) locally: train,
# start it behind a front door on 127.0.0.1:${PORT:-8080}, send the notebook's request, batch
# transform every car. The real-time pipeline stays up; stop it with
#   .venv/bin/inference-pipeline down examples/sparkml-xgboost-car-evaluation/pipeline.yaml
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${PORT:-8080}"
bash scripts/install-docker.sh
bash scripts/setup-venv.sh
bash scripts/build-images.sh
.venv/bin/python examples/sparkml-xgboost-car-evaluation/run.py --port "$PORT" --keep-up
echo "serving on http://127.0.0.1:$PORT/invocations (try: curl -s -H 'Content-Type: text/csv' \
--data-binary 'low,low,5more,more,big,high' http://127.0.0.1:$PORT/invocations)"
