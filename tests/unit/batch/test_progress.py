from __future__ import annotations

import io
from pathlib import Path

import pytest

from inference_pipeline.pipeline.batch import TransformConfig, run_transform

from .conftest import FakeModel

rich = pytest.importorskip("rich", reason="rich is in the [tools] extra")


def test_rich_progress_shows_rows_done_and_rate(tmp_path: Path) -> None:
    from rich.console import Console

    from inference_pipeline.pipeline.batch.progress import RichProgress, rich_available

    assert rich_available()
    (tmp_path / "a.csv").write_text("".join(f"{i},0\n" for i in range(50)))
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=False, width=120)
    config = TransformConfig(content_type="text/csv", split_type="Line", batch_strategy="SingleRecord")  # type: ignore[arg-type]
    with RichProgress("rows.csv", console=console) as progress:
        run_transform(tmp_path / "a.csv", tmp_path / "out", config, FakeModel(), on_progress=progress)
    rendered = buffer.getvalue()
    assert "rows.csv" in rendered
    assert "50/50" in rendered
    assert "rows/s" in rendered
