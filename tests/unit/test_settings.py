from pathlib import Path

import pytest

from inference_pipeline.serving.errors import SettingsError
from inference_pipeline.serving.settings import load_settings

ENV = ("SAGEMAKER_BIND_TO_PORT", "SAGEMAKER_MODEL_SERVER_WORKERS", "SAGEMAKER_MODEL_SERVER_TIMEOUT",
       "SAGEMAKER_CONTAINER_LOG_LEVEL", "SAGEMAKER_MAX_PAYLOAD_IN_MB", "SAGEMAKER_BATCH_STRATEGY",
       "SAGEMAKER_SAFE_PORT_RANGE", "SM_MODEL_DIR", "SAGEMAKER_SUBMIT_DIRECTORY", "SAGEMAKER_BATCH",
       "SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT", "SAGEMAKER_PROGRAM", "INFERENCE_PIPELINE_EVENT_LOOP",
       "INFERENCE_PIPELINE_BALANCE_WORKERS")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in ENV:
        monkeypatch.delenv(name, raising=False)


def test_defaults_follow_sagemaker():
    settings = load_settings()
    assert settings.port == 8080
    assert settings.timeout == 60
    assert settings.max_payload_bytes == 6 * 1024 * 1024
    assert settings.model_dir == Path("/opt/ml/model")
    assert settings.code_dir == Path("/opt/ml/model/code")
    assert settings.workers >= 1 and settings.batch_strategy == "MULTI_RECORD"


def test_env_overrides(monkeypatch):
    monkeypatch.setenv("SAGEMAKER_BIND_TO_PORT", "9001")
    monkeypatch.setenv("SAGEMAKER_CONTAINER_LOG_LEVEL", "WARNING")
    monkeypatch.setenv("SAGEMAKER_BATCH_STRATEGY", "SingleRecord")
    monkeypatch.setenv("SAGEMAKER_SAFE_PORT_RANGE", "9100-9200")
    monkeypatch.setenv("SM_MODEL_DIR", "/tmp/m")
    monkeypatch.setenv("SAGEMAKER_BATCH", "True")
    monkeypatch.setenv("SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT", "  ")
    settings = load_settings()
    assert (settings.port, settings.log_level, settings.batch_strategy) == (9001, 30, "SINGLE_RECORD")
    assert settings.safe_port_range == (9100, 9200)
    assert settings.code_dir == Path("/tmp/m/code")
    assert settings.batch is True and settings.default_accept is None


def test_payload_setting_raises_but_never_lowers_the_limit(monkeypatch):
    monkeypatch.setenv("SAGEMAKER_MAX_PAYLOAD_IN_MB", "1")
    assert load_settings().max_payload_bytes == 6 * 1024 * 1024
    monkeypatch.setenv("SAGEMAKER_MAX_PAYLOAD_IN_MB", "20")
    assert load_settings().max_payload_bytes == 20 * 1024 * 1024


@pytest.mark.parametrize("name,value,fragment", [
    ("SAGEMAKER_BIND_TO_PORT", "http", "SAGEMAKER_BIND_TO_PORT='http'"),
    ("SAGEMAKER_BIND_TO_PORT", "70000", "less than or equal to 65535"),
    ("SAGEMAKER_MODEL_SERVER_WORKERS", "0", "SAGEMAKER_MODEL_SERVER_WORKERS='0'"),
    ("SAGEMAKER_CONTAINER_LOG_LEVEL", "loud", "logging level"),
    ("SAGEMAKER_MAX_PAYLOAD_IN_MB", "101", "SAGEMAKER_MAX_PAYLOAD_IN_MB"),
    ("SAGEMAKER_BATCH_STRATEGY", "ALL", "MULTI_RECORD or SINGLE_RECORD"),
    ("SAGEMAKER_SAFE_PORT_RANGE", "9200-9100", "XXXX-YYYY"),
    ("INFERENCE_PIPELINE_EVENT_LOOP", "uvloop", "must be rloop or asyncio"),
    ("INFERENCE_PIPELINE_BALANCE_WORKERS", "sometimes", "must be true or false"),
])
def test_invalid_settings_are_one_clear_line(monkeypatch, name, value, fragment):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as info:
        load_settings()
    message = str(info.value)
    assert fragment in message and "\n" not in message


def test_the_event_loop_is_the_runtimes_unless_the_setting_names_one_and_granian_gets_it(monkeypatch):
    from granian.constants import Loops

    from inference_pipeline.runtimes.sklearn.runtime import SklearnRuntime
    from inference_pipeline.runtimes.sparkml.runtime import SparkMLRuntime
    from inference_pipeline.runtimes.xgboost.runtime import XGBoostRuntime
    from inference_pipeline.serving.server import granian_options

    assert load_settings().event_loop is None
    assert (SklearnRuntime.event_loop, XGBoostRuntime.event_loop, SparkMLRuntime.event_loop) == \
        ("rloop", "asyncio", "asyncio")
    assert granian_options(load_settings(), "test")["loop"] is Loops.rloop
    assert granian_options(load_settings(), "test", XGBoostRuntime.event_loop)["loop"] is Loops.asyncio
    monkeypatch.setenv("INFERENCE_PIPELINE_EVENT_LOOP", " AsyncIO ")
    assert granian_options(load_settings(), "test", SklearnRuntime.event_loop)["loop"] is Loops.asyncio
    monkeypatch.setenv("INFERENCE_PIPELINE_EVENT_LOOP", "rloop")
    assert granian_options(load_settings(), "test", XGBoostRuntime.event_loop)["loop"] is Loops.rloop


@pytest.fixture
def granian_started(monkeypatch) -> list[dict]:
    """serve_runtime without a server: the options each granian Server was made with."""
    import granian.server

    from inference_pipeline.serving import server

    started: list[dict] = []

    class FakeServer:
        def __init__(self, target: str, **options) -> None:
            started.append(options)

        def serve(self) -> None:
            pass

    monkeypatch.setattr(granian.server, "Server", FakeServer)
    monkeypatch.setenv(server.RUNTIME_ENV, "")  # serve_runtime sets it; restored after the test
    monkeypatch.setattr(server, "preload_modules", lambda names: None)
    monkeypatch.setattr(server, "tune_collector", lambda: None)
    return started


def test_serve_runtime_hands_granian_the_runtimes_event_loop(monkeypatch, granian_started):
    """What `serve` starts: granian gets the runtime class's loop unless the setting names one."""
    from granian.constants import Loops

    from inference_pipeline.runtimes.sklearn.runtime import SklearnRuntime
    from inference_pipeline.runtimes.xgboost.runtime import XGBoostRuntime
    from inference_pipeline.serving import server

    server.serve_runtime(XGBoostRuntime, load_settings(), "xgboost")
    server.serve_runtime(SklearnRuntime, load_settings(), "sklearn")
    monkeypatch.setenv("INFERENCE_PIPELINE_EVENT_LOOP", "rloop")
    server.serve_runtime(XGBoostRuntime, load_settings(), "xgboost")
    assert [options["loop"] for options in granian_started] == [Loops.asyncio, Loops.rloop, Loops.rloop]


@pytest.mark.parametrize("flag,shared", [(None, True), ("false", False), ("1", True)])
def test_serve_runtime_shares_worker_loads_unless_balancing_is_off(monkeypatch, granian_started, flag, shared):
    from inference_pipeline.runtimes.xgboost.runtime import XGBoostRuntime
    from inference_pipeline.serving import balance, server

    monkeypatch.setattr(balance, "_shared", None)
    monkeypatch.setenv("SAGEMAKER_MODEL_SERVER_WORKERS", "2")
    if flag is not None:
        monkeypatch.setenv("INFERENCE_PIPELINE_BALANCE_WORKERS", flag)
    server.serve_runtime(XGBoostRuntime, load_settings(), "xgboost")
    assert len(granian_started) == 1 and (balance._shared is not None) is shared
