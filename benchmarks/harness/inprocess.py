"""Serving overhead: what our server spends per request beyond the model's own work.

Issue 12 defines it as the server's CPU per request minus the in-process cost of decode +
predict + encode of the same payload. The in-process cost is measured *inside the running
container* (``docker exec``: same interpreter, libraries and model bytes as the server), on one
thread with no HTTP: the image's runtime is built and loaded as a worker builds it, then
``negotiate`` + ``invoke`` run on the benchmark's exact body, CPU time per call (process_time,
median of repeated batches so a noisy neighbour moves it little).
"""

from __future__ import annotations

import json
import subprocess

# Loads the image's runtime as a worker does and defines ``once()``: one negotiate + invoke of
# ``body`` (bytes) as ``content_type`` for ``accept``, which the code placed before it sets.
RUNTIME_SETUP = r"""
import os
from pathlib import Path
from inference_pipeline.runtimes import runtime_class
from inference_pipeline.serving.media import MediaType
from inference_pipeline.serving.runtime import InferenceRequest
from inference_pipeline.serving.settings import load_settings

settings = load_settings()
runtime_cls = runtime_class(os.environ["INFERENCE_PIPELINE_RUNTIME"])
runtime_cls.prepare_process(settings)
runtime = runtime_cls(settings)
runtime.load(Path(settings.model_dir))
def once():
    media, negotiated = runtime.negotiate(MediaType.parse(content_type), accept, settings.default_accept)
    response = runtime.invoke(InferenceRequest(body=body, content_type=media, accept=negotiated, accept_header=accept))
    assert response.status == 200, response.body[:200]
"""

# Runs in the container; argv: content type, accept, calls per batch; the body on stdin.
PROBE = r"""
import json, statistics, sys, time
body, content_type, accept, calls = sys.stdin.buffer.read(), sys.argv[1], sys.argv[2], int(sys.argv[3])
""" + RUNTIME_SETUP + r"""
for _ in range(max(10, calls // 10)):
    once()
batches = []
for _ in range(7):
    started = time.process_time()
    for _ in range(calls):
        once()
    batches.append((time.process_time() - started) / calls)
print(json.dumps({"ms_per_call": 1e3 * statistics.median(batches), "calls": 7 * calls}))
"""


def in_process_ms(container: str, body: bytes, content_type: str, accept: str, calls: int = 200) -> float:
    """CPU ms of one decode + predict + encode of ``body`` inside ``container``."""
    result = subprocess.run(["docker", "exec", "-i", container, "python3", "-c", PROBE, content_type, accept,
                             str(calls)], input=body, capture_output=True, timeout=300, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"in-process probe failed in {container}: {result.stderr.decode()[-800:]}")
    return float(json.loads(result.stdout.decode().strip().splitlines()[-1])["ms_per_call"])
