"""The legacy default hooks, for scripts that call them explicitly."""

from __future__ import annotations

from typing import Any

from sagemaker_containers import _encoders as encoders
from sagemaker_containers import _worker as worker


def default_input_fn(input_data: Any, content_type: str) -> Any:
    return encoders.decode(input_data, content_type)


def default_predict_fn(data: Any, model: Any) -> Any:
    return model.predict(data)


def default_output_fn(prediction: Any, accept: str) -> worker.Response:
    return worker.Response(encoders.encode(prediction, accept), mimetype=accept)
