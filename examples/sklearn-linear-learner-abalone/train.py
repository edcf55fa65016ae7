"""Trains both containers as the notebook does, locally: the featurizer with its own script
(SageMaker's SKLearn estimator runs it as a training job), then a linear regressor on the
featurized, label-first CSV (Linear Learner, feature_dim=10, predictor_type=regressor).

Writes work/featurizer/model.tar.gz (model.joblib + code/sklearn_abalone_featurizer.py, as the
SDK repacks it) and work/linear-learner/model.tar.gz (the stand-in's linear-learner.json).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from example_support import abalone_rows, write_csv  # noqa: E402

SCRIPT = "sklearn_abalone_featurizer.py"


def train(data: Path, work: Path) -> None:
    import joblib
    from sklearn.linear_model import LinearRegression

    from inference_pipeline.archives import package_model_dir
    from inference_pipeline.runtimes.linear_learner.model import save_linear_learner_model
    from inference_pipeline.runtimes.versions import record_versions

    model_dir = work / "featurizer" / "model"
    (model_dir / "code").mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, str(HERE / SCRIPT), "--train", str(data.parent), "--model-dir", str(model_dir)],
                   check=True)
    shutil.copy(HERE / SCRIPT, model_dir / "code" / SCRIPT)
    record_versions(model_dir, ["scikit-learn", "numpy", "pandas"])
    package_model_dir(model_dir, work / "featurizer" / "model.tar.gz")

    # The featurizer's batch transform output: label first, then the 10 features.
    sys.path.insert(0, str(HERE))
    import sklearn_abalone_featurizer as featurizer

    preprocessor = joblib.load(model_dir / "model.joblib")
    labelled = featurizer.predict_fn(featurizer.input_fn(data.read_text(), "text/csv"), preprocessor)
    y, x = labelled[:, 0], labelled[:, 1:]
    regressor = LinearRegression().fit(x, y)
    ll_dir = work / "linear-learner" / "model"
    save_linear_learner_model(ll_dir, regressor, predictor_type="regressor")
    package_model_dir(ll_dir, work / "linear-learner" / "model.tar.gz")

    batch = [row[:8] for row in abalone_rows(500, seed=98)]
    write_csv(batch, work / "batch" / "abalone_batch.csv")
    notebook_row = "M, 0.44, 0.365, 0.125, 0.516, 0.2155, 0.114, 0.155"
    inputs = notebook_row + "\n" + (work / "batch" / "abalone_batch.csv").read_text()
    features = featurizer.predict_fn(featurizer.input_fn(inputs, "text/csv"), preprocessor)
    predictions = regressor.predict(features)
    (work / "expected.json").write_text(json.dumps({"notebook_row": float(predictions[0]),
                                                    "batch": [float(v) for v in predictions[1:]]}))
    print(f"featurizer: {x.shape[1]} features; regressor R² on training data "
          f"{regressor.score(x, y):.3f}")



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help="labelled abalone CSV (9 columns, rings last)")
    parser.add_argument("--work", type=Path, default=HERE / "work")
    args = parser.parse_args()
    train(args.data, args.work)


if __name__ == "__main__":
    main()
