"""Read-only views of the serving environment, as legacy scripts expect."""

from __future__ import annotations

import os


class ServingEnv:
    def __init__(self) -> None:
        self.model_dir = os.environ.get("SM_MODEL_DIR", "/opt/ml/model")
        self.default_accept = os.environ.get("SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT", "application/json")
        self.module_name = (os.environ.get("SAGEMAKER_PROGRAM") or "").removesuffix(".py")
        self.module_dir = os.environ.get("SAGEMAKER_SUBMIT_DIRECTORY", "/opt/ml/model/code")
        self.model_server_timeout = int(os.environ.get("SAGEMAKER_MODEL_SERVER_TIMEOUT", "60"))
        self.model_server_workers = int(os.environ.get("SAGEMAKER_MODEL_SERVER_WORKERS", os.cpu_count() or 1))
        self.http_port = os.environ.get("SAGEMAKER_BIND_TO_PORT", "8080")
        self.safe_port_range = os.environ.get("SAGEMAKER_SAFE_PORT_RANGE")
        self.use_nginx = False
        self.log_level = int(os.environ.get("SAGEMAKER_CONTAINER_LOG_LEVEL", "20"))
        self.current_host = os.environ.get("HOSTNAME", "algo-1")


model_dir = os.environ.get("SM_MODEL_DIR", "/opt/ml/model")
