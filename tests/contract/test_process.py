"""The serve process itself: commands, start-up failures, load failures, readiness."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor

import psutil
import requests

from tests.support.memory import private_bytes
from tests.support.server import serve
from tests.support.sklearn_models import build_featurizer


def failed_ping(url: str) -> requests.Response:
    """Wait out the 'loading' 503 until the load has failed (or give up after 30 s)."""
    deadline = time.monotonic() + 30
    while True:
        ping = requests.get(f"{url}/ping", timeout=5)
        if "failed" in ping.text or time.monotonic() > deadline:
            return ping
        time.sleep(0.05)


def run_entrypoint(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "inference_pipeline.runtimes.serve", *args],
                          env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=60)


def test_train_is_refused():
    proc = run_entrypoint("train", "--runtime", "sklearn")
    assert proc.returncode == 2 and "only serves" in proc.stderr


def test_invalid_setting_fails_start_with_one_line():
    proc = run_entrypoint("serve", "--runtime", "sklearn", env={"SAGEMAKER_BIND_TO_PORT": "eighty"})
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "SAGEMAKER_BIND_TO_PORT='eighty'" in lines[0]


def test_unknown_runtime_is_refused():
    proc = run_entrypoint("serve", "--runtime", "nope")
    assert proc.returncode == 2 and "unknown runtime 'nope'" in proc.stderr


def test_missing_model_keeps_ping_503_with_reason(tmp_path):
    empty = tmp_path / "model"
    empty.mkdir()
    with serve("sklearn", empty, wait_for=503, tmp_path=tmp_path) as server:
        ping = failed_ping(server.url)
        assert ping.status_code == 503
        assert "model.joblib" in ping.text and "model failed to load" in ping.text
        response = requests.post(f"{server.url}/invocations", data="1,2", headers={"Content-Type": "text/csv"},
                                 timeout=5)
        assert response.status_code == 503 and response.json()["error"] == "ModelNotReady"


def test_transform_fn_with_input_fn_fails_load(tmp_path):
    model = build_featurizer(tmp_path / "model")
    (model / "code" / "bad.py").write_text(textwrap.dedent("""
        def model_fn(d): return 1
        def input_fn(b, c): return b
        def transform_fn(m, b, c, a): return b
    """))
    with serve("sklearn", model, env={"SAGEMAKER_PROGRAM": "bad.py"}, wait_for=503, tmp_path=tmp_path) as server:
        assert "transform_fn together with" in failed_ping(server.url).text


def test_version_mismatch_logs_both_versions(tmp_path):
    model = build_featurizer(tmp_path / "model")
    (model / "training-versions.json").write_text('{"scikit-learn": "0.23.2", "python": "3.7.10"}')
    with serve("sklearn", model, env={"SAGEMAKER_PROGRAM": "sklearn_abalone_featurizer.py"}, tmp_path=tmp_path) as server:
        log = server.log()
    assert "trained with scikit-learn 0.23.2 but this image has scikit-learn" in log


def test_hooks_with_context_and_transform_fn(tmp_path):
    model = build_featurizer(tmp_path / "model")
    (model / "code" / "ctx.py").write_text(textwrap.dedent("""
        def model_fn(model_dir, context):
            return {"dir": model_dir, "ctx": type(context).__name__}
        def transform_fn(model, body, content_type, accept, context):
            assert isinstance(body, str)
            return (f"{content_type}|{accept}|{body}|{model['ctx']}", "text/plain")
    """))
    with serve("sklearn", model, env={"SAGEMAKER_PROGRAM": "ctx"}, tmp_path=tmp_path) as server:
        response = requests.post(f"{server.url}/invocations", data="a,b",
                                 headers={"Content-Type": "text/csv; charset=utf-8", "Accept": "*/*"}, timeout=5)
    assert response.status_code == 200
    assert response.text == "text/csv|application/json|a,b|RequestContext"
    assert response.headers["Content-Type"].startswith("text/plain")


def test_binary_bodies_reach_input_fn_as_bytes_and_genuine_errors_are_500(tmp_path):
    model = build_featurizer(tmp_path / "model")
    (model / "code" / "raw.py").write_text(textwrap.dedent("""
        def model_fn(model_dir): return None
        def input_fn(body, content_type):
            return type(body).__name__
        def predict_fn(data, model):
            if data != "bytes":
                raise AssertionError("expected bytes")
            raise RuntimeError("database is down")
    """))
    with serve("sklearn", model, env={"SAGEMAKER_PROGRAM": "raw.py"}, tmp_path=tmp_path) as server:
        response = requests.post(f"{server.url}/invocations", data=b"\x00\x01",
                                 headers={"Content-Type": "application/octet-stream"}, timeout=5)
    assert response.status_code == 500
    body = response.json()
    assert "database is down" in body["message"] and body["request_id"]
    assert "Traceback" not in response.text


def test_ping_stays_prompt_while_a_slow_script_serves_concurrent_requests(tmp_path):
    """Requests of a fast app run on the event loop's thread: a slow one (here a script waiting
    0.2 s on I/O) must go to the pool, so /ping never queues behind the requests in flight."""
    model = build_featurizer(tmp_path / "model")
    (model / "code" / "slow.py").write_text(textwrap.dedent("""
        import time
        def model_fn(model_dir): return None
        def transform_fn(model, body, content_type, accept):
            time.sleep(0.2)
            return ("ok", "text/plain")
    """))
    with serve("sklearn", model, env={"SAGEMAKER_PROGRAM": "slow.py"}, tmp_path=tmp_path) as server:
        def invoke(_index: int) -> int:
            return requests.post(f"{server.url}/invocations", data="1", headers={"Content-Type": "text/csv"},
                                 timeout=30).status_code

        # 100 requests, 16 at a time: past the inline dispatch's first probe (the 64th request).
        with ThreadPoolExecutor(16) as pool:
            futures = [pool.submit(invoke, index) for index in range(100)]
            pings = []
            while not all(future.done() for future in futures):
                started = time.perf_counter()
                assert requests.get(f"{server.url}/ping", timeout=5).status_code == 200
                pings.append(time.perf_counter() - started)
                time.sleep(0.005)
            assert [future.result() for future in futures] == [200] * 100
    assert len(pings) > 50
    # One request at a time inline would make a ping wait for up to 16 x 0.2 s; the probe costs one.
    assert max(pings) < 0.6, f"slowest /ping {max(pings):.3f} s"


def test_the_asyncio_event_loop_fallback_serves_what_rloop_serves(tmp_path):
    model = build_featurizer(tmp_path / "model")
    rows = "M,0.455,0.365,0.095,0.514,0.2245,0.101,0.15\nF,0.53,0.42,0.135,0.677,0.2565,0.1415,0.21"
    answers = {}
    for loop in ("rloop", "asyncio"):
        env = {"INFERENCE_PIPELINE_EVENT_LOOP": loop, "SAGEMAKER_PROGRAM": "sklearn_abalone_featurizer.py"}
        with serve("sklearn", model, env=env, tmp_path=tmp_path) as server:
            answers[loop] = [requests.post(f"{server.url}/invocations", data=rows, timeout=10,
                                           headers={"Content-Type": "text/csv", "Accept": "text/csv"})
                             for _ in range(3)]
    assert all(answer.status_code == 200 for answer in answers["rloop"] + answers["asyncio"])
    assert [a.text for a in answers["asyncio"]] == [a.text for a in answers["rloop"]]
    assert answers["rloop"][0].text.count("\n") >= 1


def test_workers_share_the_libraries_the_server_process_imported(tmp_path):
    model_dir = build_featurizer(tmp_path / "model")
    with serve("sklearn", model_dir, env={"SAGEMAKER_PROGRAM": "sklearn_abalone_featurizer.py"}, workers=2,
               tmp_path=tmp_path) as server:
        workers = psutil.Process(server.process.pid).children()
        assert len(workers) == 2
        for worker in workers:
            # pandas, scikit-learn and scipy, imported before the fork: a collection walking them
            # in the worker copied their pages (47 MB private per idle worker in the image).
            assert private_bytes(worker.pid) < 30 * 2**20, worker
