"""What a worker process does to itself once its model is loaded."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from inference_pipeline.serving.errors import ModelLoadError
from inference_pipeline.serving.model_state import BatchingOptions, LoadState, ModelHolder
from inference_pipeline.serving.runtime import Runtime


def test_tune_collector_freezes_what_is_loaded_and_keeps_the_thresholds() -> None:
    script = textwrap.dedent("""
        import gc
        from inference_pipeline.serving.server import tune_collector
        before, thresholds = gc.get_freeze_count(), gc.get_threshold()
        tune_collector()
        assert gc.get_freeze_count() > before + 1000, gc.get_freeze_count()
        assert gc.get_threshold() == thresholds
        print("ok")
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "ok", out.stderr


class _Counting(Runtime):
    name = "counting"
    row_independent = True

    def __init__(self, settings: object = None, fails: bool = False) -> None:
        super().__init__(settings)
        self.loads = 0
        self.fails = fails

    def load(self, model_dir: Path) -> None:
        self.loads += 1
        if self.fails:
            raise ModelLoadError("model.bin is truncated")


def test_a_worker_adopts_the_model_loaded_before_the_fork_without_loading_it_again(tmp_path: Path) -> None:
    runtime = _Counting()
    before_fork = ModelHolder(runtime, tmp_path)
    before_fork.load()
    worker = ModelHolder(runtime, tmp_path, BatchingOptions(max_batch_size=64, max_delay_ms=2))
    worker.adopt(before_fork)
    assert runtime.loads == 1
    assert worker.state is LoadState.READY and worker.wait(0)
    assert runtime.batcher is not None  # the worker's own batcher: locks and threads never cross a fork


def test_a_failed_load_before_the_fork_is_each_workers_503_reason(tmp_path: Path) -> None:
    runtime = _Counting(fails=True)
    before_fork = ModelHolder(runtime, tmp_path)
    before_fork.load()
    worker = ModelHolder(runtime, tmp_path)
    worker.adopt(before_fork)
    assert worker.state is LoadState.FAILED and worker.wait(0)
    assert worker.reason == "model failed to load: model.bin is truncated"
