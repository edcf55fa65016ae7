"""Runs a WSGI app under gunicorn, built in each worker after fork."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication

from inference_pipeline.serving.runtime import Runtime
from inference_pipeline.serving.settings import ServingSettings


def _heartbeat_dir() -> str | None:
    # Workers write heartbeat files; with a read-only root filesystem /dev/shm still works.
    return "/dev/shm" if os.access("/dev/shm", os.W_OK) else None


class WSGIServer(BaseApplication):  # type: ignore[misc]
    """Programmatic gunicorn: ``app_factory`` is called in each worker after fork (no preload)."""

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


def model_server_options(settings: ServingSettings, name: str) -> dict[str, Any]:
    """gunicorn settings of a model container, from SageMaker's environment variables."""
    return {
        "bind": f"{settings.host}:{settings.port}",
        "workers": settings.workers,
        "worker_class": "gthread",
        "threads": settings.threads,
        "timeout": settings.timeout,
        # SageMaker sends SIGKILL 30 s after SIGTERM: finish in-flight requests before that.
        "graceful_timeout": 25,
        "keepalive": 75,
        "loglevel": "warning" if settings.log_level > 20 else "info",
        "accesslog": None,
        "worker_tmp_dir": _heartbeat_dir(),
        "proc_name": f"inference-pipeline-{name}",
    }


def serve_runtime(runtime_factory: Callable[[ServingSettings], Runtime], settings: ServingSettings,
                  name: str) -> None:
    """Serve one runtime until SIGTERM: every worker builds its own runtime and loads its model,
    so /ping reflects that worker's state."""

    def app_factory() -> Any:
        from inference_pipeline.serving.app import create_app
        from inference_pipeline.serving.logs import configure_logging

        configure_logging(settings.log_level)
        return create_app(runtime_factory(settings), settings)

    WSGIServer(app_factory, model_server_options(settings, name)).run()
