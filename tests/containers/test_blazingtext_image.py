"""The built blazingtext image with fastText models trained here, as SageMaker starts it."""

from __future__ import annotations

import json
import subprocess

import pytest
import requests

from tests.support.docker import require_image, run_container
from tests.support.fasttext_models import oracle, sentences, train

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    pytest.importorskip("fasttext", reason="fastText (fasttext-wheel) is a test dependency")
    image = require_image("blazingtext")
    model = train(tmp_path_factory.mktemp("bt") / "model")
    with run_container(image, model, read_only=True) as container:
        yield container, oracle(model)


def post(url, body, content_type, accept=None):
    headers = {"Content-Type": content_type, **({"Accept": accept} if accept else {})}
    return requests.post(f"{url}/invocations", data=body, headers=headers, timeout=10)


def test_ping(served):
    container, _ = served
    assert requests.get(f"{container.url}/ping", timeout=5).status_code == 200


@pytest.mark.parametrize("k", [1, 3])
def test_json_labels_and_probabilities_match_fasttext(served, k):
    container, predict = served
    texts = [text for _, text in sentences(5, seed=4)]
    response = post(container.url, json.dumps({"instances": texts, "configuration": {"k": k}}), "application/json")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("application/json")
    # fasttext-predict in the image and the full fasttext wheel here share fastText's C++ code.
    assert response.json() == [dict(zip(("label", "prob"), predict(text, k), strict=True)) for text in texts]


@pytest.mark.parametrize("k", [1, 3])
def test_jsonlines_match_fasttext_and_ignore_accept(served, k):
    container, predict = served
    texts = [text for _, text in sentences(4, seed=8)]
    body = "".join(json.dumps({"source": text, "k": k}) + "\n" for text in texts)
    response = post(container.url, body, "application/jsonlines", "application/json")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("application/jsonlines")
    assert [json.loads(line) for line in response.text.splitlines()] == [
        dict(zip(("label", "prob"), predict(text, k), strict=True)) for text in texts]


@pytest.mark.parametrize("body,content_type,accept,status", [
    ("{", "application/json", None, 400),
    ('{"instances": [1]}', "application/json", None, 400),
    ('{"text": ["a"]}', "application/json", None, 400),
    ('{"instances": ["a"], "configuration": {"k": 0}}', "application/json", None, 400),
    ('{"nosource": "a"}', "application/jsonlines", None, 400),
    ("a b c", "text/csv", None, 415),
    ('{"instances": ["a"]}', "application/json", "text/csv", 406),
])
def test_error_statuses(served, body, content_type, accept, status):
    container, _ = served
    assert post(container.url, body, content_type, accept).status_code == status


def test_word2vec_vectors_txt(tmp_path):
    image = require_image("blazingtext")
    model = tmp_path / "model"
    model.mkdir()
    (model / "vectors.bin").write_bytes(b"binary twin, not read")
    (model / "vectors.txt").write_text("2 2\nrocket 0.25 -0.5\nlake 1e-05 2\n")
    with run_container(image, model) as container:
        response = post(container.url, json.dumps({"instances": ["lake", "zebra"]}), "application/json")
        assert response.json() == [{"vector": [1e-05, 2.0], "word": "lake"}, {"vector": [0.0, 0.0], "word": "zebra"}]


def test_image_carries_fasttext_predict_not_the_training_library(served):
    image = require_image("blazingtext")
    probe = subprocess.run(["docker", "run", "--rm", "--entrypoint", "python3", image, "-c",
                            "import fasttext, fasttext_pybind as f; print(hasattr(fasttext, 'train_supervised'), "
                            "[m for m in dir(f.fasttext) if not m.startswith('_')])"],
                           capture_output=True, text=True, timeout=60)
    assert probe.stdout.strip() == "False ['loadModel', 'multilinePredict', 'predict']", probe.stderr
