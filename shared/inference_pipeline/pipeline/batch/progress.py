"""A rich progress bar for ``run_transform(..., on_progress=...)`` (rich is optional)."""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console


def rich_available() -> bool:
    try:
        import rich.progress  # noqa: F401
    except ImportError:
        return False
    return True


class RichProgress:
    """Context manager whose instance is the ``on_progress`` callback.

    ``with RichProgress("Transforming") as progress: run_transform(..., on_progress=progress)``
    shows records done (of total, when known), elapsed time and rows/s.
    """

    def __init__(self, description: str = "Transforming", *, console: Console | None = None) -> None:
        try:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                ProgressColumn,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
            )
            from rich.text import Text
        except ImportError as exc:
            raise ImportError("RichProgress needs rich: pip install 'inference-pipeline[tools]'") from exc

        class RateColumn(ProgressColumn):
            def render(self, task: Any) -> Text:
                speed = task.finished_speed or task.speed
                return Text(f"{speed:,.0f} rows/s" if speed else "- rows/s", style="progress.data.speed")

        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            RateColumn(),
            console=console,
        )
        self._task = self._progress.add_task(description, total=None)

    def __call__(self, done: int, total: int | None) -> None:
        self._progress.update(self._task, completed=done, total=total)

    def __enter__(self) -> RichProgress:
        self._progress.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._progress.stop()
