"""Run ``check_bundle`` on every bundle the exporter writes during the mleap tests.

``conftest.py`` wraps ``exporter.write_bundle`` (the name ``export_pipeline`` calls) with
``JvmGuard.wrap``; after each test the guard fails it if any written bundle breaks a rule of
MLeap 0.20's loader, so every exporter test doubles as a JVM-compatibility test.

The one exception is ``EXPECTED_NOT_JVM_LOADABLE``: our own ops, written on purpose for Spark
models MLeap cannot represent, so that the JVM refuses them at load instead of scoring them
differently. Only the "unknown op" problem of such a node is expected (every other problem in
the bundle still fails the test), and the guard records each one in ``expected``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from inference_pipeline.mleap.jvm_check import Problem
from inference_pipeline.mleap.jvm_rules import REGISTRY_SOURCE, check_bundle, format_problems

# op -> why the exporter writes a bundle AWS's sagemaker-sparkml-serving cannot load.
EXPECTED_NOT_JVM_LOADABLE: dict[str, str] = {
    "inference_pipeline.target_encoder": "Spark 4's TargetEncoderModel: MLeap has no target encoder op",
    "inference_pipeline.generalized_linear_regression": "GLM with offsetCol or a tweedie power link: MLeap's "
                                                        "model has neither",
    "inference_pipeline.k_means": "KMeans with distanceMeasure=cosine: MLeap's k_means is Euclidean only",
    "inference_pipeline.bisecting_k_means": "BisectingKMeans with distanceMeasure=cosine: MLeap's op is "
                                            "Euclidean only",
}


def is_expected(problem: Problem) -> bool:
    return problem.op in EXPECTED_NOT_JVM_LOADABLE and problem.source == REGISTRY_SOURCE


class JvmGuard:
    def __init__(self) -> None:
        self.checked: list[Path] = []
        self.failures: list[str] = []
        self.expected: list[Problem] = []

    def wrap(self, write: Callable[..., Path]) -> Callable[..., Path]:
        def checked_write(*args: Any, **kwargs: Any) -> Path:
            path = write(*args, **kwargs)
            self.checked.append(Path(path))
            problems = check_bundle(path)
            self.expected += [p for p in problems if is_expected(p)]
            unexpected = [p for p in problems if not is_expected(p)]
            if unexpected:
                self.failures.append(format_problems(unexpected, bundle=path))
            return path

        return checked_write

    def report(self) -> str | None:
        return "\n".join(self.failures) if self.failures else None
