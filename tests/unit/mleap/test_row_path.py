"""The numpy-free single-row path gives exactly what the columnar path gives."""

from __future__ import annotations

import numpy as np
import pytest

from inference_pipeline.mleap import OpError, load_bundle, write_bundle
from tests.support.mleap_bundles import abalone_pipeline, index_to_string
from tests.unit.mleap.test_feature_ops import indexer

ROWS = [
    {"sex": "F", "length": 0.515, "diameter": 0.425, "height": 0.14, "whole_weight": 0.766,
     "shucked_weight": 0.304, "viscera_weight": 0.1725, "shell_weight": 0.255},
    {"sex": "M", "length": 1, "diameter": 2.0, "height": -3.5, "whole_weight": 0.0, "shucked_weight": 1e-7,
     "viscera_weight": 6.0, "shell_weight": float("nan")},
    {"sex": "I", "length": 0.1, "diameter": 0.2, "height": 0.3, "whole_weight": 0.4, "shucked_weight": 0.5,
     "viscera_weight": 0.6, "shell_weight": 0.7},
]


def test_abalone_row_path_matches_frame_path(tmp_path):
    bundle = load_bundle(write_bundle(abalone_pipeline(), tmp_path / "b"))
    assert bundle.row_capable
    for row in ROWS:
        by_row = bundle.transform_row(row)["features"]
        by_frame = bundle.transform({k: [v] for k, v in row.items()}).to_dict()["features"][0]
        np.testing.assert_array_equal(by_row, by_frame)


def test_row_path_errors_and_skip(tmp_path):
    bundle = load_bundle(write_bundle(abalone_pipeline(), tmp_path / "b"))
    with pytest.raises(OpError, match="Unseen label: X"):
        bundle.transform_row({**ROWS[0], "sex": "X"})
    skip = load_bundle(write_bundle(indexer("skip"), tmp_path / "skip"))
    assert skip.transform_row({"x": "zzz"}) is None
    assert skip.transform_row({"x": "b"})["y"] == 1.0
    post = load_bundle(write_bundle(index_to_string(["a", "b"]), tmp_path / "post"))
    assert post.transform_row({"label": 1.0})["cat"] == "b"
    with pytest.raises(OpError, match="not a valid label index"):
        post.transform_row({"label": 2.0})
