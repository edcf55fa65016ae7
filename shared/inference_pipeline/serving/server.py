"""Runs the WSGI app under gunicorn (threaded workers, one model per worker)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication

from inference_pipeline.serving.settings import ServingSettings


def _heartbeat_dir() -> str | None:
    # Workers write heartbeat files; with a read-only root filesystem /dev/shm still works.
    return "/dev/shm" if os.access("/dev/shm", os.W_OK) else None


class WSGIServer(BaseApplication):  # type: ignore[misc]
    """gunicorn run from Python: ``app_factory`` is called in each worker after fork."""

    def __init__(self, app_factory: Callable[[], Any], options: dict[str, Any]) -> None:
        self.app_factory = app_factory
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if value is not None:
                self.cfg.set(key, value)

    def load(self) -> Any:
        return self.app_factory()


class GunicornServer(BaseApplication):  # type: ignore[misc]
    """Programmatic gunicorn: the app is built in each worker after fork (no preload), so every
    worker loads its own model in the background and /ping reflects that worker's state."""

    def __init__(self, runtime_name: str, settings: ServingSettings) -> None:
        self.runtime_name = runtime_name
        self.settings = settings
        super().__init__()

    def load_config(self) -> None:
        s = self.settings
        options: dict[str, Any] = {
            "bind": f"{s.host}:{s.port}",
            "workers": s.workers,
            "worker_class": "gthread",
            "threads": s.threads,
            "timeout": s.timeout,
            # SageMaker sends SIGKILL 30 s after SIGTERM: finish in-flight requests before that.
            "graceful_timeout": 25,
            "keepalive": 75,
            "loglevel": "warning" if s.log_level > 20 else "info",
            "accesslog": None,
            "worker_tmp_dir": _heartbeat_dir(),
            "proc_name": f"inference-pipeline-{self.runtime_name}",
        }
        for key, value in options.items():
            if value is not None:
                self.cfg.set(key, value)

    def load(self) -> Any:
        from inference_pipeline.runtimes import runtime_class
        from inference_pipeline.serving.app import create_app
        from inference_pipeline.serving.logs import configure_logging

        configure_logging(self.settings.log_level)
        runtime = runtime_class(self.runtime_name)(self.settings)
        return create_app(runtime, self.settings)
