"""What a worker process does to itself once its model is loaded."""

from __future__ import annotations

import subprocess
import sys
import textwrap


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
