"""Run ``check_bundle`` on every bundle the exporter writes during the mleap tests.

``conftest.py`` wraps ``exporter.write_bundle`` (the name ``export_pipeline`` calls) with
``JvmGuard.wrap``; after each test the guard fails it if any written bundle breaks a rule of
MLeap 0.20's loader, so every exporter test doubles as a JVM-compatibility test.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from inference_pipeline.mleap.jvm_rules import check_bundle, format_problems


class JvmGuard:
    def __init__(self) -> None:
        self.checked: list[Path] = []
        self.failures: list[str] = []

    def wrap(self, write: Callable[..., Path]) -> Callable[..., Path]:
        def checked_write(*args: Any, **kwargs: Any) -> Path:
            path = write(*args, **kwargs)
            self.checked.append(Path(path))
            problems = check_bundle(path)
            if problems:
                self.failures.append(format_problems(problems, bundle=path))
            return path

        return checked_write

    def report(self) -> str | None:
        return "\n".join(self.failures) if self.failures else None
