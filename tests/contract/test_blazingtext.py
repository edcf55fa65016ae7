"""The BlazingText stand-in over HTTP: same labels and probabilities as the fastText library."""

from __future__ import annotations

import json

import psutil
import pytest
import requests

from tests.support.fasttext_models import oracle, sentences, train
from tests.support.memory import private_bytes
from tests.support.server import serve


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    pytest.importorskip("fasttext", reason="fastText (fasttext-wheel) is a test dependency")
    return train(tmp_path_factory.mktemp("bt") / "model")


@pytest.fixture(scope="module")
def model(model_dir, tmp_path_factory):
    with serve("blazingtext", model_dir, tmp_path=tmp_path_factory.mktemp("logs")) as server:
        yield server, oracle(model_dir)


def test_workers_share_the_model_the_server_process_loaded(model_dir, tmp_path):
    with serve("blazingtext", model_dir, workers=2, tmp_path=tmp_path) as server:
        texts = [text for _, text in sentences(40, seed=3)]
        for _ in range(20):  # both workers answer, from the shared model
            response = post(server, json.dumps({"instances": texts}), "application/json")
            assert response.status_code == 200
        workers = psutil.Process(server.process.pid).children()
        assert len(workers) == 2
        model_bytes = (model_dir / "model.bin").stat().st_size
        assert model_bytes > 50 * 2**20  # the test model's 2M-bucket input matrix: memory worth sharing
        for worker in workers:
            # Loading its own copy, a worker held the whole model privately (> 80 MB each).
            assert private_bytes(worker.pid) < model_bytes / 2, worker
        assert server.log().count("blazingtext model loaded") == 1


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
    for text, answer in zip(texts, response.json(), strict=True):
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
    for text, line in zip(texts, lines, strict=True):
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


@pytest.mark.parametrize("body,content_type,message", [
    ("{", "application/json", "the body is not valid JSON"),
    ('["a"]', "application/json", 'the body must be an object like {"instances"'),
    ('{"text": "a"}', "application/json", 'the body has no "instances"'),
    ('{"instances": "a"}', "application/json", '"instances" must be a list of strings'),
    ('{"instances": ["a", 7]}', "application/json", "instances[1] must be a string"),
    ('{"instances": ["a"], "configuration": {"k": 0}}', "application/json", "k must be an integer from 1"),
    ('{"instances": ["a"], "configuration": {"k": "2"}}', "application/json", 'got "2"'),
    ('{"source": "a"}\n{"source": "b", "k": -1}', "application/jsonlines", "line 2: k must be"),
    ('{"source": "a"}\nnot json', "application/jsonlines", "line 2 is not valid JSON"),
])
def test_bad_requests_name_the_problem(model, body, content_type, message):
    server, _ = model
    response = post(server, body, content_type, "application/json")
    assert response.status_code == 400
    assert message in response.json()["message"]


def test_json_request_with_jsonlines_accept_and_unsupported_accept(model):
    server, predict = model
    response = post(server, json.dumps({"instances": ["rocket wing", "guitar song"]}), "application/json",
                    "application/jsonlines")
    assert response.headers["Content-Type"].startswith("application/jsonlines")
    assert [json.loads(line)["label"] for line in response.text.splitlines()] == [
        predict("rocket wing", 1)[0], predict("guitar song", 1)[0]]
    assert post(server, '{"instances": ["a"]}', "application/json", "text/csv").status_code == 406


def test_mixed_k_per_jsonlines_record_keeps_order(model):
    server, predict = model
    texts = [text for _, text in sentences(6, seed=3)]
    body = "\n".join(json.dumps({"source": t, "k": 1 + i % 3}) for i, t in enumerate(texts))
    lines = [json.loads(line) for line in post(server, body, "application/jsonlines").text.splitlines()]
    for i, (text, line) in enumerate(zip(texts, lines, strict=True)):
        labels, probs = predict(text, 1 + i % 3)
        assert line == {"label": labels, "prob": probs}


@pytest.fixture(scope="module")
def vectors(tmp_path_factory):
    """Word2Vec vectors.txt (word2vec text format, as BlazingText writes it), trained by fastText."""
    fasttext = pytest.importorskip("fasttext", reason="fastText (fasttext-wheel) is a test dependency")
    root = tmp_path_factory.mktemp("w2v")
    corpus = root / "corpus.txt"
    corpus.write_text("".join(text + "\n" for _, text in sentences(300, seed=2)))
    model = fasttext.train_unsupervised(str(corpus), model="skipgram", dim=8, epoch=2, minCount=1, thread=1,
                                        verbose=0)
    expected = {word: [float(v) for v in model.get_word_vector(word)] for word in model.words}
    directory = root / "model"
    directory.mkdir()
    (directory / "vectors.txt").write_text(f"{len(expected)} 8\n" + "".join(
        word + " " + " ".join(repr(v) for v in vector) + "\n" for word, vector in expected.items()))
    with serve("blazingtext", directory, tmp_path=tmp_path_factory.mktemp("logs")) as server:
        yield server, expected


def test_word2vec_vectors_and_zeros_for_unknown_words(vectors):
    server, expected = vectors
    response = post(server, json.dumps({"instances": ["rocket", "no-such-word"]}), "application/json")
    assert response.status_code == 200
    assert response.json() == [{"vector": expected["rocket"], "word": "rocket"},
                               {"vector": [0.0] * 8, "word": "no-such-word"}]
    lines = post(server, '{"source": "guitar"}\n', "application/jsonlines").text.splitlines()
    assert json.loads(lines[0]) == {"vector": expected["guitar"], "word": "guitar"}


def test_jsonlines_request_ignores_a_differing_accept_like_a_batch_job(model):
    server, _ = model
    response = requests.post(f"{server.url}/invocations", data='{"source": "rocket engine"}\n',
                             headers={"Content-Type": "application/jsonlines", "Accept": "text/csv"}, timeout=10)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("application/jsonlines")
    json_request = requests.post(f"{server.url}/invocations", data='{"instances": ["rocket"]}',
                                 headers={"Content-Type": "application/json", "Accept": "text/csv"}, timeout=10)
    assert json_request.status_code == 406
