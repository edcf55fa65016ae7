"""The floor: the least a Python server can do for the same answer. Flask, np.loadtxt, predict, CSV out.

Run by gunicorn with sync workers (``floor_app:app``); BENCH_MODEL_DIR and BENCH_MODEL say what to load.
No content negotiation, no validation, no error mapping: what every real server adds is measured
against this.
"""

import io
import os

import numpy as np
from flask import Flask, Response, request

MODEL_DIR = os.environ["BENCH_MODEL_DIR"]
KIND = os.environ["BENCH_MODEL"]  # ridge | featurizer | xgboost
ABALONE_COLUMNS = ["sex", "length", "diameter", "height", "whole_weight", "shucked_weight",
                   "viscera_weight", "shell_weight"]

if KIND == "xgboost":
    import xgboost as xgb

    booster = xgb.Booster()
    booster.load_model(os.path.join(MODEL_DIR, "xgboost-model"))

    def predict(body: bytes) -> np.ndarray:
        return booster.predict(xgb.DMatrix(np.loadtxt(io.BytesIO(body), delimiter=",", ndmin=2)))
else:
    import joblib
    import pandas as pd

    model = joblib.load(os.path.join(MODEL_DIR, "model.joblib"))

    def predict(body: bytes) -> np.ndarray:
        if KIND == "featurizer":
            table = np.loadtxt(io.BytesIO(body), delimiter=",", dtype=str, ndmin=2)
            frame = pd.DataFrame(table, columns=ABALONE_COLUMNS)
            frame[ABALONE_COLUMNS[1:]] = frame[ABALONE_COLUMNS[1:]].astype("float64")
            return model.transform(frame)
        return model.predict(np.loadtxt(io.BytesIO(body), delimiter=",", ndmin=2))


app = Flask("floor")


@app.get("/ping")
def ping() -> Response:
    return Response(b"", status=200)


@app.post("/invocations")
def invocations() -> Response:
    out = io.StringIO()
    np.savetxt(out, np.asarray(predict(request.get_data())).reshape(-1, 1) if KIND != "featurizer"
               else predict(request.get_data()), delimiter=",", fmt="%.9g")
    return Response(out.getvalue(), mimetype="text/csv")
