"""The airbnb linear-regression sample bundle from combust/mleap, scored end to end.

The expected price is computed independently from the bundle's own JSON: the scaled continuous
features, the one-hot positions of the string-indexed categories (old MLeap one-hot ``size`` is
the output width, so the last category maps to all zeros) and the regression weights.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from inference_pipeline.mleap.bundle import load_bundle

SAMPLES = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "mleap-samples"
BUNDLE = SAMPLES / "airbnb.model.lr.zip"
FRAME = SAMPLES / "frame.airbnb.json"


@pytest.fixture(scope="module")
def sample() -> tuple[zipfile.ZipFile, dict]:
    if not BUNDLE.is_file() or not FRAME.is_file():
        pytest.skip(f"MLeap sample data not found in {SAMPLES} (shared data folder beside the repo)")
    frame = json.loads(FRAME.read_text())
    return zipfile.ZipFile(BUNDLE), frame


def _attrs(zf: zipfile.ZipFile, node: str) -> dict:
    return json.loads(zf.read(f"root/{node}/model.json"))["attributes"]


def _expected_price(zf: zipfile.ZipFile, row: dict) -> float:
    fp = "feature_pipeline.node"
    blocks = []
    for column in ["room_type", "host_is_superhost", "cancellation_policy", "instant_bookable", "state"]:
        labels = _attrs(zf, f"{fp}/string_indexer_{column}.node")["labels"]["string"]
        width = _attrs(zf, f"{fp}/oh_encoder_{column}_index.node")["size"]["long"]
        block = np.zeros(width)
        index = labels.index(row[column])
        if index < width:
            block[index] = 1.0
        blocks.append(block)
    continuous = ["bathrooms", "bedrooms", "security_deposit", "cleaning_fee", "extra_people",
                  "number_of_reviews", "square_feet", "review_scores_rating"]
    std = np.array(_attrs(zf, f"{fp}/continuous_feature_scaler.node")["std"]["double"])
    blocks.append(np.array([row[c] for c in continuous]) / std)
    lr = _attrs(zf, "linear_regression.node")
    return float(np.concatenate(blocks) @ np.array(lr["coefficients"]["double"]) + lr["intercept"]["double"])


def test_airbnb_linear_regression_sample(sample) -> None:
    zf, frame = sample
    names = [f["name"] for f in frame["schema"]["fields"]]
    rows = [dict(zip(names, r)) for r in frame["rows"]]
    # A second, made-up listing exercises other categories (including one-hot's dropped last one).
    rows.append({**rows[0], "state": "OR", "room_type": "Shared room", "host_is_superhost": "0.0",
                 "cancellation_policy": "long_term", "bathrooms": 1.0, "square_feet": 300.0})
    bundle = load_bundle(BUNDLE)
    out = bundle.transform({name: [r[name] for r in rows] for name in names})
    predictions = out.columns["price_prediction"].values
    assert np.allclose(predictions, [_expected_price(zf, r) for r in rows], rtol=1e-12)
