"""The xgboost image's runtime: ``runtime`` (the Runtime class) and the modules it uses."""
