"""One local SparkSession for the exporter's Spark tests (import the ``spark`` fixture).

Skips cleanly when Java or PySpark is missing. The session is created once per process
(``getOrCreate``), bound to 127.0.0.1 with the UI off and a single shuffle partition so the
parity tests stay fast.
"""

from __future__ import annotations

import functools
import os
import shutil
from typing import Any

import pytest


@functools.cache
def _session() -> Any:
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", os.sys.executable)  # type: ignore[attr-defined]
    return (
        SparkSession.builder.master("local[1]")
        .appName("mleap-export-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.default.parallelism", "1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )


@pytest.fixture(scope="session")
def spark() -> Any:
    if shutil.which("java") is None:
        pytest.skip("Java is not installed; the exporter's parity tests need a JVM")
    pytest.importorskip("pyspark")
    session = _session()
    session.sparkContext.setLogLevel("ERROR")
    return session
