#!/usr/bin/env bash
# Peer servers for benchmarks/run.py, each in its own venv under benchmarks/.work/peers/, all on
# Debian's /usr/bin/python3.11 (the interpreter our images run: pyenv builds lack PGO/LTO and are
# slower, which would flatter or penalise one side). Idempotent: a venv whose stamp matches its
# requirement list is reused.
#
#   bash benchmarks/peers/setup.sh [mlserver] [mms] [floor] [plot]     # default: all four
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WORK="${BENCH_WORK:-$HERE/../.work}/peers"
PYTHON="${BENCH_PYTHON:-/usr/bin/python3.11}"

# Same framework versions as our default image lines (images/sklearn/requirements-1.9.txt,
# images/xgboost/requirements-3.2.txt), so every server loads the same model bytes.
SKLEARN="scikit-learn==1.9.1"
XGBOOST_PIN="3.2.0"

requirements() {
  case "$1" in
    # uvloop < 0.21: MLServer 1.7's parallel_workers mode crashes at start with uvloop >= 0.21
    # (its inference pool sets up the loop in a way newer uvloop refuses).
    mlserver) echo "mlserver==1.7.1 mlserver-sklearn==1.7.1 mlserver-xgboost==1.7.1 uvloop<0.21 $SKLEARN xgboost==$XGBOOST_PIN" ;;
    # AWS's toolkit + Multi Model Server (Java 17 runs the frontend); the handler loads with joblib / xgboost
    # and reads the featurizer's CSV with pandas.
    mms) echo "sagemaker-inference==1.10.1 multi-model-server==1.1.11 $SKLEARN xgboost-cpu==$XGBOOST_PIN pandas" ;;
    # The floor: gunicorn + Flask + np.loadtxt, no framework at all.
    floor) echo "flask==3.1.3 gunicorn==23.0.0 $SKLEARN xgboost-cpu==$XGBOOST_PIN pandas" ;;
    # matplotlib for benchmarks/plot.py, kept out of the project venv.
    plot) echo "matplotlib" ;;
    *) echo "unknown peer: $1" >&2; exit 2 ;;
  esac
}

if ! "$PYTHON" -m venv --help >/dev/null 2>&1 || ! "$PYTHON" -c "import ensurepip" 2>/dev/null; then
  apt-get install -y -q python3.11-venv >/dev/null
fi

peers=("$@")
[ ${#peers[@]} -gt 0 ] || peers=(floor plot mlserver mms)
for peer in "${peers[@]}"; do
  want="$(requirements "$peer")"
  venv="$WORK/$peer"
  if [ -f "$venv/.stamp" ] && [ "$(cat "$venv/.stamp")" = "$want" ]; then
    echo "peer $peer: cached ($venv)"
    continue
  fi
  echo "peer $peer: creating $venv"
  rm -rf "$venv"
  "$PYTHON" -m venv "$venv"
  # shellcheck disable=SC2086  # the requirement list is word-split on purpose
  "$venv/bin/pip" install -q --disable-pip-version-check $want
  echo "$want" > "$venv/.stamp"
done
