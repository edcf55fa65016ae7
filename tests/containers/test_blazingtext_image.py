"""The built blazingtext image with a fastText model trained here."""

from __future__ import annotations

import json

import pytest
import requests

from tests.support.docker import require_image, run_container
from tests.support.fasttext_models import oracle, sentences, train

pytestmark = pytest.mark.docker


def test_labels_and_probabilities_match_fasttext(tmp_path):
    pytest.importorskip("fasttext", reason="fastText (fasttext-wheel) is a test dependency")
    image = require_image("blazingtext")
    model = train(tmp_path / "model")
    predict = oracle(model)
    texts = [text for _, text in sentences(3, seed=4)]
    with run_container(image, model) as container:
        response = requests.post(f"{container.url}/invocations", timeout=10,
                                 data=json.dumps({"instances": texts, "configuration": {"k": 3}}),
                                 headers={"Content-Type": "application/json"})
        assert response.status_code == 200
        for text, answer in zip(texts, response.json()):
            labels, probs = predict(text, 3)
            assert answer["label"] == labels
            assert answer["prob"] == pytest.approx(probs, rel=1e-6)
