"""The BlazingText stand-in over HTTP: same labels and probabilities as the fastText library."""

from __future__ import annotations

import json

import pytest
import requests

from tests.support.fasttext_models import oracle, sentences, train
from tests.support.server import serve


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    pytest.importorskip("fasttext", reason="fastText (fasttext-wheel) is a test dependency")
    directory = train(tmp_path_factory.mktemp("bt") / "model")
    with serve("blazingtext", directory, tmp_path=tmp_path_factory.mktemp("logs")) as server:
        yield server, oracle(directory)


def post(server, body, content_type, accept=None):
    headers = {"Content-Type": content_type, **({"Accept": accept} if accept else {})}
    return requests.post(f"{server.url}/invocations", data=body, headers=headers, timeout=10)


@pytest.mark.parametrize("k", [1, 3])
def test_json_instances_match_fasttext(model, k):
    server, predict = model
    texts = [text for _, text in sentences(5, seed=9)]
    body = {"instances": texts, **({"configuration": {"k": k}} if k != 1 else {})}
    response = post(server, json.dumps(body), "application/json")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("application/json")
    for text, answer in zip(texts, response.json()):
        labels, probs = predict(text, k)
        assert answer == {"label": labels, "prob": probs}


@pytest.mark.parametrize("k", [1, 3])
def test_jsonlines_source_records_match_fasttext(model, k):
    server, predict = model
    texts = [text for _, text in sentences(4, seed=5)]
    body = "\n".join(json.dumps({"source": t, **({"k": k} if k != 1 else {})}) for t in texts)
    response = post(server, body, "application/jsonlines", "application/json")  # Accept ignored, as BlazingText
    assert response.headers["Content-Type"].startswith("application/jsonlines")
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert len(lines) == 4
    for text, line in zip(texts, lines):
        labels, probs = predict(text, k)
        assert line == {"prob": probs, "label": labels}
        assert all(label.startswith("__label__") for label in line["label"])


def test_bad_requests(model):
    server, _ = model
    assert post(server, '{"instances": [1]}', "application/json").status_code == 400
    assert post(server, '{"instances": ["a"], "configuration": {"k": 0}}', "application/json").status_code == 400
    assert post(server, '{"text": "a"}', "application/json").status_code == 400
    assert post(server, '{"nosource": 1}', "application/jsonlines").status_code == 400
    assert post(server, "a b c", "text/csv").status_code == 415
