"""Micro-batching over real HTTP: concurrent requests answer byte for byte as they do alone."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from tests.support.server import serve
from tests.support.sklearn_models import abalone_frame, build_featurizer
from tests.support.xgboost_models import N_FEATURES, model_dir_for

THREADS = 16
#: Requests of these fast models would otherwise run inline on the event loop, one at a time,
#: and never meet in a batch: the pool is what these tests exercise.
POOL_ONLY = {"INFERENCE_PIPELINE_INLINE_BUDGET_MS": "0"}


def _csv(frame) -> str:
    return frame.to_csv(header=False, index=False)


def featurizer_requests() -> list[tuple[str, dict[str, str]]]:
    frame = abalone_frame(rows=40, seed=3)
    labelled = frame.assign(rings=7.0)
    cases: list[tuple[str, dict[str, str]]] = []
    for i in range(40):
        rows = i % 4 + 1
        source = labelled if i % 5 == 0 else frame
        body = _csv(source.iloc[i:i + rows])
        accept = "application/json" if i % 3 == 0 else "text/csv"
        cases.append((body, {"Content-Type": "text/csv", "Accept": accept}))
    cases.append(("M, 0.1, 0.2\n", {"Content-Type": "text/csv", "Accept": "text/csv"}))  # 400: 3 columns
    cases.append(("{}", {"Content-Type": "application/json", "Accept": "text/csv"}))  # 400: not CSV
    cases.append((_csv(frame.iloc[:2]), {"Content-Type": "text/csv", "Accept": "application/x-npy"}))
    return cases


def _answer(url: str, case: tuple[str, dict[str, str]]) -> tuple[int, str, bytes]:
    body, headers = case
    # A fixed request id per case: error bodies name it.
    headers = {**headers, "X-Amzn-SageMaker-Inference-Id": str(hash(body) % 10**9)}
    response = requests.post(f"{url}/invocations", data=body, headers=headers, timeout=30)
    return response.status_code, response.headers.get("Content-Type", ""), response.content


def _assert_concurrent_equals_sequential(url: str, cases: list[tuple[str, dict[str, str]]]) -> None:
    alone = [_answer(url, case) for case in cases]
    assert {status for status, _, _ in alone} >= {200, 400}
    with ThreadPoolExecutor(THREADS) as pool:
        for _round in range(3):
            together = list(pool.map(lambda case: _answer(url, case), cases))
            for i, (got, want) in enumerate(zip(together, alone, strict=True)):
                assert got == want, f"request {i} answered differently under concurrency"


@pytest.fixture(scope="module")
def batching_featurizer(tmp_path_factory: pytest.TempPathFactory):
    model_dir = build_featurizer(tmp_path_factory.mktemp("batching") / "model")
    env = {"SAGEMAKER_PROGRAM": "sklearn_abalone_featurizer.py", "INFERENCE_PIPELINE_WORKER_THREADS": str(THREADS),
           "INFERENCE_PIPELINE_MAX_BATCH_DELAY_MS": "20", **POOL_ONLY}
    with serve("sklearn", model_dir, env=env, tmp_path=tmp_path_factory.mktemp("logs")) as server:
        yield server


def test_featurizer_batches_and_answers_each_request_as_alone(batching_featurizer):
    assert "micro-batching up to" in batching_featurizer.log()
    _assert_concurrent_equals_sequential(batching_featurizer.url, featurizer_requests())


def test_xgboost_batches_and_answers_each_request_as_alone(tmp_path: Path):
    model_dir, _booster = model_dir_for("multi:softprob", "json", tmp_path)  # one row of classes per row
    rows = [",".join(str((r * 7 + c) % 5 - 2.5) if (r + c) % 6 else "" for c in range(N_FEATURES))
            for r in range(4)]
    cases = []
    for i in range(30):
        body = "\n".join(rows[(i + k) % 4] for k in range(i % 3 + 1))
        accept = "application/json" if i % 2 else "text/csv"
        cases.append((body, {"Content-Type": "text/csv", "Accept": accept}))
    cases.append(("1,2\n", {"Content-Type": "text/csv", "Accept": "text/csv"}))  # 400: 2 features
    env = {"INFERENCE_PIPELINE_WORKER_THREADS": str(THREADS), "INFERENCE_PIPELINE_MAX_BATCH_DELAY_MS": "20",
           **POOL_ONLY}
    with serve("xgboost", model_dir, env=env, tmp_path=tmp_path) as server:
        assert "micro-batching up to" in server.log()
        _assert_concurrent_equals_sequential(server.url, cases)


def test_batching_off_with_batch_size_one(tmp_path: Path):
    model_dir = build_featurizer(tmp_path / "model")
    env = {"SAGEMAKER_PROGRAM": "sklearn_abalone_featurizer.py", "INFERENCE_PIPELINE_MAX_BATCH_SIZE": "1"}
    with serve("sklearn", model_dir, env=env, tmp_path=tmp_path) as server:
        assert _answer(server.url, featurizer_requests()[1])[0] == 200
        assert "micro-batching" not in server.log()
