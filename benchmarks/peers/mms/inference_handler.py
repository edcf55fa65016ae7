"""AWS sagemaker-inference toolkit handler for Multi Model Server, as the toolkit's README shows it.

The toolkit's DefaultHandlerService + Transformer run default_input_fn (the toolkit's decoder:
CSV → numpy) → default_predict_fn → default_output_fn (the toolkit's encoder). We write only
model_fn/predict_fn, as a user of the toolkit would: joblib load + predict for scikit-learn,
Booster.predict for XGBoost. The abalone featurizer needs its string column, so it decodes CSV
with pandas (the toolkit's numpy decoder would refuse ``M``).
"""

import io
import os

import numpy as np
from sagemaker_inference import content_types, decoder, default_inference_handler, encoder

KIND = os.environ["BENCH_MODEL"]  # ridge | featurizer | xgboost
ABALONE_COLUMNS = ["sex", "length", "diameter", "height", "whole_weight", "shucked_weight",
                   "viscera_weight", "shell_weight"]


class InferenceHandler(default_inference_handler.DefaultInferenceHandler):
    def default_model_fn(self, model_dir, context=None):
        if KIND == "xgboost":
            import xgboost as xgb

            booster = xgb.Booster()
            booster.load_model(os.path.join(model_dir, "xgboost-model"))
            return booster
        import joblib

        return joblib.load(os.path.join(model_dir, "model.joblib"))

    def default_input_fn(self, input_data, content_type, context=None):
        if KIND == "featurizer":
            import pandas as pd

            text = input_data.decode() if isinstance(input_data, bytes | bytearray) else input_data
            return pd.read_csv(io.StringIO(text), header=None, names=ABALONE_COLUMNS)
        return decoder.decode(input_data, content_type)

    def default_predict_fn(self, data, model, context=None):
        if KIND == "xgboost":
            import xgboost as xgb

            return model.predict(xgb.DMatrix(np.atleast_2d(data)))
        if KIND == "featurizer":
            return model.transform(data)
        return model.predict(np.atleast_2d(data))

    def default_output_fn(self, prediction, accept, context=None):
        return encoder.encode(prediction, accept or content_types.CSV)
