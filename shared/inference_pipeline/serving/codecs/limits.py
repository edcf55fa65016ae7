"""How much a decoder may allocate for one request.

A few bytes can ask for petabytes: a sparse row ``"shape": [10**15]``, a RecordIO tensor with
``shape=[2**50]`` and no values, an NPY header declaring ``(10**15,)``. Decoders check the
cells they are about to allocate against ``max_cells()`` — one cell per byte of the largest
body the container accepts (``SAGEMAKER_MAX_PAYLOAD_IN_MB``, never below SageMaker's 6 MB
real-time limit, as ``ServingSettings.max_payload_bytes``) — and answer 413 naming the limit.
A dense body can never reach it (every value takes at least two bytes, ``0,``), so only
requests that declare sizes their bytes do not hold are refused.
"""

from __future__ import annotations

import os

from inference_pipeline.serving.errors import PayloadTooLarge
from inference_pipeline.serving.settings import MIB, REALTIME_PAYLOAD_MB

PAYLOAD_ENV = "SAGEMAKER_MAX_PAYLOAD_IN_MB"


def max_cells() -> int:
    """The most values one request may expand to (read per call: cheap, and tests set the env)."""
    try:
        megabytes = float(os.environ.get(PAYLOAD_ENV) or REALTIME_PAYLOAD_MB)
    except ValueError:  # the server refuses to start with a bad value; codecs used alone fall back
        megabytes = REALTIME_PAYLOAD_MB
    return int(max(megabytes, REALTIME_PAYLOAD_MB) * MIB)


def check_cells(cells: int, what: str, limit: int | None = None) -> None:
    """PayloadTooLarge (413) when ``what`` would allocate more than ``limit`` cells."""
    limit = max_cells() if limit is None else limit
    if cells > limit:
        raise PayloadTooLarge(f"{what} asks for {cells} values; the limit is {limit} values per request "
                              f"(one per byte of {PAYLOAD_ENV})")
