"""`inference-pipeline export-mleap` on a pipeline saved by pyspark, served by the sparkml runtime."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import requests

from tests.support.server import serve

pytestmark = pytest.mark.spark


def test_export_saved_pipeline_and_serve_it(tmp_path):
    pyspark = pytest.importorskip("pyspark", reason="pyspark is a test dependency (the [export] extra)")
    del pyspark
    script = f"""
import os
os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
from pyspark.sql import SparkSession
from pyspark.ml import Pipeline
from pyspark.ml.feature import StringIndexer, OneHotEncoder, VectorAssembler
spark = (SparkSession.builder.master("local[1]").config("spark.ui.enabled", "false")
         .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1").getOrCreate())
df = spark.createDataFrame([("a", 1.0), ("b", 2.0), ("a", 3.0)], ["cat", "x"])
model = Pipeline(stages=[StringIndexer(inputCol="cat", outputCol="i"), OneHotEncoder(inputCol="i", outputCol="v"),
                         VectorAssembler(inputCols=["v", "x"], outputCol="features")]).fit(df)
model.write().overwrite().save({str(tmp_path / "saved")!r})
df.write.mode("overwrite").parquet({str(tmp_path / "sample.parquet")!r})
spark.stop()
"""
    subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, timeout=300)
    result = subprocess.run([sys.executable, "-c", "from inference_pipeline.cli import main; main()", "export-mleap",
                             str(tmp_path / "saved"), str(tmp_path / "model.tar.gz"), "--sample",
                             str(tmp_path / "sample.parquet"), "--output-column", "features"],
                            capture_output=True, text=True, timeout=300, env={**os.environ})
    assert result.returncode == 0, result.stderr[-2000:]
    model_dir = tmp_path / "model"
    model_dir.mkdir()
    subprocess.run(["tar", "-xzf", str(tmp_path / "model.tar.gz"), "-C", str(model_dir)], check=True)
    with serve("sparkml", model_dir, tmp_path=tmp_path) as server:  # schema comes from the bundle file
        response = requests.post(f"{server.url}/invocations", data="b,5.0", headers={"Content-Type": "text/csv"},
                                 timeout=10)
    assert response.status_code == 200, response.text
    assert response.text == "0.0,5.0"  # "a" is the most frequent label → index 0; dropLast leaves one slot


def test_export_refuses_missing_pipeline(tmp_path):
    result = subprocess.run([sys.executable, "-c", "from inference_pipeline.cli import main; main()", "export-mleap",
                             str(tmp_path / "nope"), str(tmp_path / "out.tar.gz")],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 2 and "does not exist" in result.stderr
