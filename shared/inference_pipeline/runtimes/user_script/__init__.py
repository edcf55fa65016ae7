"""AWS-style user scripts (SAGEMAKER_PROGRAM hooks), shared by the sklearn and postprocessing runtimes."""
