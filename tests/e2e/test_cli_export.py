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


def test_export_warns_when_only_our_image_can_load_the_bundle(tmp_path):
    """A cosine k-means exports under our own op name: the CLI says so, naming the stage, and
    --check-jvm refuses it, naming the op."""
    pytest.importorskip("pyspark", reason="pyspark is a test dependency (the [export] extra)")
    script = f"""
import os
os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
from pyspark.sql import SparkSession
from pyspark.ml import Pipeline
from pyspark.ml.clustering import KMeans
from pyspark.ml.feature import VectorAssembler
spark = (SparkSession.builder.master("local[1]").config("spark.ui.enabled", "false")
         .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1").getOrCreate())
df = spark.createDataFrame([(1.0, 0.1), (0.9, 0.2), (0.1, 1.0), (0.2, 0.8)], ["x", "y"])
model = Pipeline(stages=[VectorAssembler(inputCols=["x", "y"], outputCol="features"),
                         KMeans(k=2, seed=1, distanceMeasure="cosine")]).fit(df)
model.write().overwrite().save({str(tmp_path / "saved")!r})
df.write.mode("overwrite").parquet({str(tmp_path / "sample.parquet")!r})
spark.stop()
"""
    subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, timeout=300)
    command = [sys.executable, "-c", "from inference_pipeline.cli import main; main()", "export-mleap",
               str(tmp_path / "saved"), str(tmp_path / "model.zip"), "--sample", str(tmp_path / "sample.parquet")]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    output = result.stdout + result.stderr
    assert "warning:" in output and "KMeansModel" in output, output[-2000:]
    assert "Traceback" not in output and "warnings.warn" not in output
    refused = subprocess.run([*command, "--check-jvm"], capture_output=True, text=True, timeout=300)
    assert refused.returncode != 0
    assert "inference_pipeline.k_means" in refused.stdout + refused.stderr, (refused.stdout + refused.stderr)[-2000:]
