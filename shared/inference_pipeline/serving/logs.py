"""Logging: plain lines for events, one JSON line per request for machines."""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

REQUEST_LOGGER = "inference_pipeline.access"


def configure_logging(level: int) -> None:
    root = logging.getLogger()
    if not any(getattr(h, "_inference_pipeline", False) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(
            "%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s"))
        handler._inference_pipeline = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(level)


def log_request(**fields: Any) -> None:
    """One structured line per request: path, status, latency, bytes, request id."""
    logging.getLogger(REQUEST_LOGGER).info(json.dumps(fields, separators=(",", ":"), default=str))
